/**
 * The snapshot lifecycle, the one rule both stores follow (they only persist):
 *
 *   create ─▶ running ─finish─▶ complete | partial | failed | quarantined
 *                                                              │
 *                                 complete ◀─promote(acceptedBy)┘
 *
 * A snapshot is created running; only a running snapshot takes data (grants, identities) and
 * records an outcome; only a complete snapshot becomes its system's current state, and a
 * quarantined one only when a named person accepts it (it becomes complete). Partial and
 * failed snapshots are final: a failing or suspicious pull never reads as "access removed".
 *
 * The guards below throw the errors the stores report. finish() and the acceptance are writes
 * conditional on the same statuses (WRITABLE_SNAPSHOT_STATUS, ACCEPTANCE), so a concurrent
 * change between a check and a write cannot record a second outcome or acceptance. How far a
 * store keeps a batch of data from racing its snapshot's finish() is its own (see its class).
 */
import type { SnapshotStatus } from './snapshot.js';

/** The status moves a snapshot may make: from each status, the statuses it may take next. */
export const SNAPSHOT_TRANSITIONS: Readonly<Record<SnapshotStatus, readonly SnapshotStatus[]>> = {
  running: ['complete', 'partial', 'failed', 'quarantined'],
  quarantined: ['complete'],
  complete: [],
  partial: [],
  failed: [],
};

export function canTransition(from: SnapshotStatus, to: SnapshotStatus): boolean {
  return SNAPSHOT_TRANSITIONS[from].includes(to);
}

/** The status a snapshot is created in, takes data in and finishes from. */
export const WRITABLE_SNAPSHOT_STATUS = 'running' as const satisfies SnapshotStatus;

/** The move promote(acceptedBy) makes before a quarantined snapshot becomes current. */
export const ACCEPTANCE = { from: 'quarantined', to: 'complete' } as const satisfies { from: SnapshotStatus; to: SnapshotStatus };

/** create(): refuses a snapshot in any status but running. */
export function assertCreatable(snapshot: { id: string; status: SnapshotStatus }): void {
  if (snapshot.status !== WRITABLE_SNAPSHOT_STATUS) {
    throw new Error(`snapshot ${snapshot.id} must be created ${WRITABLE_SNAPSHOT_STATUS}, not ${snapshot.status}`);
  }
}

/** The snapshot a write is for (null when it does not exist, which throws). */
export function requireSnapshot<S>(snapshotId: string, snapshot: S | null): S {
  if (!snapshot) throw new Error(`snapshot ${snapshotId} does not exist`);
  return snapshot;
}

/** finish(): the outcome must be a status a running snapshot may move to. */
export function assertFinishOutcome(snapshotId: string, status: SnapshotStatus): void {
  if (!canTransition(WRITABLE_SNAPSHOT_STATUS, status)) {
    throw new Error(`snapshot ${snapshotId} cannot finish as ${status}: a ${WRITABLE_SNAPSHOT_STATUS} snapshot finishes as ${SNAPSHOT_TRANSITIONS[WRITABLE_SNAPSHOT_STATUS].join(', ')}`);
  }
}

/** appendGrants() / appendIdentities(): the snapshot (null when it does not exist), which must be running. */
export function requireWritable<S extends { status: SnapshotStatus }>(snapshotId: string, snapshot: S | null): S {
  const found = requireSnapshot(snapshotId, snapshot);
  if (found.status !== WRITABLE_SNAPSHOT_STATUS) throw new Error(`snapshot ${snapshotId} is ${found.status}: only a ${WRITABLE_SNAPSHOT_STATUS} snapshot takes data`);
  return found;
}

/** What promote() writes: accept the snapshot first when `acceptedBy` is set, then make it current. */
export interface Promotion<S> {
  snapshot: S;
  acceptedBy: string | null;
}

/**
 * promote(): whether the snapshot (null when it does not exist) may become current, and whether
 * it is to be accepted first (quarantined, with the person accepting it). Throws otherwise.
 */
export function promotionOf<S extends { status: SnapshotStatus }>(snapshotId: string, snapshot: S | null, acceptedBy?: string): Promotion<S> {
  if (!snapshot) throw new Error(`cannot promote snapshot ${snapshotId}: it does not exist`);
  if (snapshot.status === ACCEPTANCE.from) {
    if (!acceptedBy) {
      throw new Error(`cannot promote snapshot ${snapshotId}: it is quarantined; it becomes current only when accepted explicitly (acceptedBy)`);
    }
    return { snapshot, acceptedBy };
  }
  if (snapshot.status !== 'complete') {
    throw new Error(`cannot promote snapshot ${snapshotId}: its status is ${snapshot.status}; only a complete snapshot becomes current`);
  }
  return { snapshot, acceptedBy: null };
}
