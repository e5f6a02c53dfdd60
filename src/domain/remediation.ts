/**
 * A remediation: the removal of one revoked (or forbidden) grant, from the decision that asked
 * for it to the snapshot that shows it gone. Pure: the record, its states and which move is
 * allowed; the stores make each move conditional on these rules, the services decide when.
 *
 *   open ──▶ requested ──▶ claimed ──▶ verified ──▶ reappeared
 *     │          │            │           ▲
 *     └──────────┴────────────┴───────────┘   (any open state verifies from a snapshot)
 *   plus overdue (past due, not verified) and failed (a request that could not be made).
 *
 * Only a complete snapshot that was applied (the system's current state) in which the grant
 * is absent verifies a remediation; a claim is someone's word and never does.
 */

export const REMEDIATION_STATES = ['open', 'requested', 'claimed', 'verified', 'overdue', 'failed', 'reappeared'] as const;
export type RemediationState = (typeof REMEDIATION_STATES)[number];

/**
 * Why a grant is to be removed: a revoke decision (ref: the review item id) or a finding (ref:
 * its key and when it was first raised, findingRef(): one remediation per raising, so a finding
 * resolved and raised again later is a new removal).
 */
export const REMEDIATION_REASONS = ['decision', 'finding'] as const;
export type RemediationReasonKind = (typeof REMEDIATION_REASONS)[number];

export interface RemediationReason {
  kind: RemediationReasonKind;
  ref: string;
}

export interface Remediation {
  /** Derived from the reason (remediationId): one remediation per revoked item. */
  id: string;
  /** The revoked review item (null for a finding's remediation). */
  itemId: string | null;
  campaignId: string | null;
  grantId: string;
  systemId: string;
  accountId: string;
  role: string;
  scope: string;
  reason: RemediationReason;
  /** Who asked for the removal: the reviewer who revoked, or 'policy' for a finding. */
  requestedBy: string;
  openedAt: string;
  dueAt: string;
  state: RemediationState;
  /** When a ticket, an automatic removal or a message to the owner went out. */
  requestedAt: string | null;
  /** Someone said it is done (never a verification). */
  claimedAt: string | null;
  claimedBy: string | null;
  claimNote: string | null;
  /** When it was first marked overdue (it is marked once: a later claim does not re-escalate). */
  overdueAt: string | null;
  verifiedAt: string | null;
  /** The complete, applied snapshot in which the grant was absent, and its content hash. */
  verifiedSnapshotId: string | null;
  verifiedSnapshotHash: string | null;
  /** When a later snapshot showed the grant again, and which one. */
  reappearedAt: string | null;
  reappearedSnapshotId: string | null;
  /** Why the last request failed (state failed). */
  failure: string | null;
  updatedAt: string;
}

/** The fields a move may set (besides state and updatedAt). */
export type RemediationPatch = Partial<
  Pick<
    Remediation,
    'requestedAt' | 'claimedAt' | 'claimedBy' | 'claimNote' | 'overdueAt' | 'verifiedAt' | 'verifiedSnapshotId' | 'verifiedSnapshotHash' | 'reappearedAt' | 'reappearedSnapshotId' | 'failure'
  >
>;

/** The remediation of a revoked review item, or of one raising of a finding. */
export function remediationId(reason: RemediationReason): string {
  return reason.kind === 'decision' ? `rem:${reason.ref}` : `rem:finding:${reason.ref}`;
}

/** What a remediation is opened with; everything else starts unset. */
export type RemediationOpening = Pick<Remediation, 'itemId' | 'campaignId' | 'grantId' | 'systemId' | 'accountId' | 'role' | 'scope' | 'reason' | 'requestedBy' | 'openedAt' | 'dueAt'>;

/** A remediation as it is opened: state `open`, its id derived from the reason, no later move yet. */
export function openedRemediation(o: RemediationOpening): Remediation {
  return {
    id: remediationId(o.reason),
    ...o,
    state: 'open',
    requestedAt: null,
    claimedAt: null,
    claimedBy: null,
    claimNote: null,
    overdueAt: null,
    verifiedAt: null,
    verifiedSnapshotId: null,
    verifiedSnapshotHash: null,
    reappearedAt: null,
    reappearedSnapshotId: null,
    failure: null,
    updatedAt: o.openedAt,
  };
}

/** A finding remediation's reason ref: the finding's key and its first-seen time (an ISO time: no `@`). */
export function findingRef(key: string, firstSeenAt: string): string {
  return `${key}@${firstSeenAt}`;
}

/** The finding key and first-seen time a findingRef() names. */
export function parseFindingRef(ref: string): { key: string; firstSeenAt: string } {
  const at = ref.lastIndexOf('@');
  return at < 0 ? { key: ref, firstSeenAt: '' } : { key: ref.slice(0, at), firstSeenAt: ref.slice(at + 1) };
}

/** The finding type a findingRef() names (a finding key starts with its type). */
export function findingTypeOfRef(ref: string): string {
  return ref.slice(0, ref.indexOf('|') < 0 ? ref.length : ref.indexOf('|'));
}

/** States in which the grant is still to be removed (a snapshot may verify them). */
export const UNVERIFIED_STATES = ['open', 'requested', 'claimed', 'overdue', 'failed'] as const satisfies readonly RemediationState[];

/**
 * Which state may follow which. verified only follows a state in which the removal is still
 * awaited, and the move itself needs a snapshot (verificationBlocker); reappeared only
 * follows verified; nothing follows reappeared (a returned grant is a new finding, not the
 * same removal again).
 */
export const REMEDIATION_MOVES: Readonly<Record<RemediationState, readonly RemediationState[]>> = {
  open: ['requested', 'claimed', 'verified', 'overdue', 'failed'],
  requested: ['claimed', 'verified', 'overdue', 'failed'],
  claimed: ['verified', 'overdue'],
  overdue: ['requested', 'claimed', 'verified', 'failed'],
  // failed again: a retried request that failed once more (recorded with its new reason).
  failed: ['requested', 'claimed', 'verified', 'overdue', 'failed'],
  verified: ['reappeared'],
  reappeared: [],
};

export function canMove(from: RemediationState, to: RemediationState): boolean {
  return REMEDIATION_MOVES[from].includes(to);
}

/** The states `to` may be reached from: what a store's compare-and-set names. */
export function movesInto(to: RemediationState): RemediationState[] {
  return REMEDIATION_STATES.filter((from) => canMove(from, to));
}

/** What a verification needs to know of a snapshot. */
export interface VerifyingSnapshot {
  id: string;
  systemId: string;
  status: string;
  contentHash: string | null;
}

/**
 * Why a snapshot may not verify (or un-verify) remediations, or null when it may: it must be
 * complete and applied (the system's current snapshot). A partial, failed, running or
 * quarantined pull never reads as "access removed", nor a superseded one as "access back".
 */
export function verificationBlocker(snapshot: VerifyingSnapshot, currentSnapshotId: string | null): string | null {
  if (snapshot.status !== 'complete') return `snapshot ${snapshot.id} is ${snapshot.status}, not complete: it verifies nothing`;
  if (currentSnapshotId !== snapshot.id) return `snapshot ${snapshot.id} is not the applied state of ${snapshot.systemId}${currentSnapshotId ? ` (that is ${currentSnapshotId})` : ''}: it verifies nothing`;
  return null;
}

export const CRITICALITY_LEVELS = ['critical', 'important', 'standard'] as const;
export type CriticalityLevel = (typeof CRITICALITY_LEVELS)[number];

/** Hours to remove a revoked grant, by the system's criticality, unless policies/global.yaml says otherwise. */
export const DEFAULT_REMEDIATION_SLA_HOURS: Readonly<Record<CriticalityLevel, number>> = { critical: 24, important: 72, standard: 168 };

/** A system's own `remediation.slaHours`, else the default of its criticality. */
export function slaHoursFor(criticality: CriticalityLevel, systemSlaHours: number | undefined, defaults: Readonly<Record<CriticalityLevel, number>> = DEFAULT_REMEDIATION_SLA_HOURS): number {
  return systemSlaHours ?? defaults[criticality];
}

/**
 * Due time: `slaHours` after the revocation (decision time), or after a finding was first
 * raised, so a delayed opening does not move it.
 */
export function remediationDueAt(from: string, slaHours: number): string {
  const start = Date.parse(from);
  if (Number.isNaN(start)) throw new RangeError(`not a timestamp: ${from}`);
  return new Date(start + Math.round(slaHours * 3_600_000)).toISOString();
}

/** Whether an unverified remediation is past due at `now` and not yet marked overdue. */
export function becomesOverdue(r: Pick<Remediation, 'state' | 'dueAt' | 'overdueAt'>, now: string): boolean {
  return r.overdueAt === null && canMove(r.state, 'overdue') && r.dueAt <= now;
}
