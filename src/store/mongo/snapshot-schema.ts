import mongoose from 'mongoose';
import { SNAPSHOT_STATUSES } from '../../domain/index.js';
import type { Snapshot, SnapshotCounts } from '../../domain/index.js';
import {
  collectionOptions,
  embeddedOptions,
  nullableString,
  nullableTimestamp,
  oneOf,
  requiredNumber,
  requiredString,
  stringId,
  stringList,
  timestamp,
} from './schema-fields.js';

/**
 * `snapshots`: one document per pull; `_id` is the snapshot id. `applied`: true once it was made
 * current (pruneGrants never deletes the grants of such a snapshot); absent before. `contentSum`:
 * set by finish() (see SnapshotFinish), never part of the Snapshot read back. `changesDerived`:
 * true for a snapshot created fromPrevious without a previous one (it starts from the empty
 * state): it stores no grant_changes, its changes are derived from its grants (added-changes.ts)
 * until pruneGrants stores them and unsets the flag; absent otherwise.
 */
export interface SnapshotDoc extends Omit<Snapshot, 'id'> {
  _id: string;
  applied?: boolean;
  /** SnapshotFinish.contentSum (the running sum behind contentHash); absent or null: none. */
  contentSum?: string | null;
  changesDerived?: boolean;
}

const countsSchema = new mongoose.Schema<SnapshotCounts>(
  {
    identities: requiredNumber,
    accounts: requiredNumber,
    grants: requiredNumber,
    added: requiredNumber,
    removed: requiredNumber,
    changed: requiredNumber,
  },
  embeddedOptions,
);

export const snapshotSchema = new mongoose.Schema<SnapshotDoc>(
  {
    _id: stringId,
    systemId: requiredString,
    status: oneOf(SNAPSHOT_STATUSES),
    startedAt: timestamp,
    finishedAt: nullableTimestamp,
    durationMs: { type: Number, default: null },
    counts: { type: countsSchema, required: true },
    problems: stringList,
    contentHash: nullableString,
    contentSum: nullableString,
    previousSnapshotId: nullableString,
    acceptedBy: nullableString,
    applied: { type: Boolean },
    changesDerived: { type: Boolean },
  },
  collectionOptions('snapshots'),
);
// list() and pruneGrants(): newest first per system, or across systems; _id breaks ties.
snapshotSchema.index({ systemId: 1, startedAt: -1, _id: -1 });
snapshotSchema.index({ startedAt: -1, _id: -1 });

export function snapshotDoc(s: Snapshot): SnapshotDoc {
  return {
    _id: s.id,
    systemId: s.systemId,
    status: s.status,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    durationMs: s.durationMs,
    counts: countsOf(s.counts),
    problems: [...s.problems],
    contentHash: s.contentHash,
    previousSnapshotId: s.previousSnapshotId,
    acceptedBy: s.acceptedBy,
  };
}

export function toSnapshot(d: SnapshotDoc): Snapshot {
  return {
    id: d._id,
    systemId: d.systemId,
    status: d.status,
    startedAt: d.startedAt,
    finishedAt: d.finishedAt,
    durationMs: d.durationMs,
    counts: countsOf(d.counts),
    problems: [...d.problems],
    contentHash: d.contentHash,
    previousSnapshotId: d.previousSnapshotId,
    acceptedBy: d.acceptedBy,
  };
}

/** Exactly the six counters, whatever else the object carries. */
export function countsOf(c: SnapshotCounts): SnapshotCounts {
  return { identities: c.identities, accounts: c.accounts, grants: c.grants, added: c.added, removed: c.removed, changed: c.changed };
}
