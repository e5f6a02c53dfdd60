/**
 * Filters and updates of the snapshot store, built from checked values only (see
 * filter-value.ts), so tests can assert their exact shape.
 */
import type { ClientSession, Model } from 'mongoose';
import { ACCEPTANCE, WRITABLE_SNAPSHOT_STATUS } from '../../domain/index.js';
import type { SnapshotStatus } from '../../domain/index.js';
import type { SnapshotFinish } from '../ports.js';
import { asString, operator } from './filter-value.js';
import { countsOf } from './snapshot-schema.js';
import type { SnapshotDoc } from './snapshot-schema.js';

/** finish(): only a running snapshot records an outcome (see the domain's snapshot lifecycle). */
export function finishFilter(snapshotId: string) {
  return { _id: asString(snapshotId, 'snapshotId'), status: WRITABLE_SNAPSHOT_STATUS };
}

export function finishUpdate(outcome: SnapshotFinish) {
  return {
    $set: {
      status: outcome.status,
      finishedAt: outcome.finishedAt,
      durationMs: outcome.durationMs,
      counts: countsOf(outcome.counts),
      problems: [...outcome.problems],
      contentHash: outcome.contentHash,
      contentSum: outcome.contentSum ?? null,
      previousSnapshotId: outcome.previousSnapshotId,
    },
  };
}

/** finish(): the snapshot as finished, or null when it was not running (nothing changed). */
export function finishQuery(snapshots: Model<SnapshotDoc>, snapshotId: string, outcome: SnapshotFinish, session: ClientSession | null = null) {
  return snapshots.findOneAndUpdate(finishFilter(snapshotId), finishUpdate(outcome), { new: true, runValidators: true, session });
}

/** promote() (or finish() with promote): the snapshot is marked applied (see SnapshotDoc). */
export function appliedUpdate(snapshotId: string) {
  return [{ _id: asString(snapshotId, 'snapshotId') }, { $set: { applied: true } }] as const;
}

/** promote() (or finish() with promote): the snapshot becomes its system's current state. */
export function currentUpdate(snapshot: { id: string; systemId: string }) {
  return [{ _id: asString(snapshot.systemId, 'systemId') }, { $set: { snapshotId: asString(snapshot.id, 'snapshotId') } }] as const;
}

/** promote() of a quarantined snapshot: accepted once, by a named person, becoming complete. */
export function acceptFilter(snapshotId: string) {
  return { _id: asString(snapshotId, 'snapshotId'), status: ACCEPTANCE.from };
}

export function acceptUpdate(acceptedBy: string) {
  return { $set: { status: ACCEPTANCE.to, acceptedBy: asString(acceptedBy, 'acceptedBy') } };
}

export function snapshotListFilter(filter: { systemId?: string; status?: SnapshotStatus }) {
  return {
    ...(filter.systemId === undefined ? {} : { systemId: asString(filter.systemId, 'systemId') }),
    ...(filter.status === undefined ? {} : { status: asString(filter.status, 'status') as SnapshotStatus }),
  };
}

/** Newest first; the id breaks ties between snapshots started in the same millisecond. */
export const NEWEST_FIRST = { startedAt: -1, _id: -1 } as const;

/** One keyset page of a snapshot's grants (or changes): grant ids after `after`. */
export function grantPageFilter(snapshotId: string, after: string | null) {
  const base = { snapshotId: asString(snapshotId, 'snapshotId') };
  return after === null ? base : { ...base, grantId: operator({ $gt: asString(after, 'grantId') }) };
}

/**
 * Snapshots of the current one's system whose grants pruneGrants may delete: never applied
 * (an applied snapshot stays readable for evidence), not running (a
 * sync is writing it) and older than the current one (by start time, then id, the list
 * order), which excludes the current snapshot itself and any newer one (a quarantined
 * snapshot awaiting acceptance keeps its grants).
 */
export function supersededFilter(current: { id: string; systemId: string; startedAt: string }) {
  const startedAt = asString(current.startedAt, 'startedAt');
  return {
    systemId: asString(current.systemId, 'systemId'),
    status: operator({ $ne: 'running' }),
    applied: operator({ $ne: true }),
    $or: [{ startedAt: operator({ $lt: startedAt }) }, { startedAt, _id: operator({ $lt: asString(current.id, 'snapshotId') }) }],
  };
}

/** Documents of any of the given snapshots (grants to prune, identities of current snapshots). */
export function inSnapshots(snapshotIds: readonly string[]) {
  return { snapshotId: operator({ $in: snapshotIds.map((id) => asString(id, 'snapshotId')) }) };
}

/** Snapshots among `snapshotIds` whose changes are derived from their grants (see SnapshotDoc.changesDerived). */
export function derivedChangesFilter(snapshotIds: readonly string[]) {
  return { ...idsFilter(snapshotIds), changesDerived: true };
}

/** pruneGrants(): once its derived changes are stored as lines, a snapshot reads them from there. */
export function storedChangesUpdate(snapshotId: string) {
  return [{ _id: asString(snapshotId, 'snapshotId') }, { $unset: { changesDerived: 1 } }] as const;
}

function idsFilter(snapshotIds: readonly string[]) {
  return { _id: operator({ $in: snapshotIds.map((id) => asString(id, 'snapshotId')) }) };
}
