import mongoose from 'mongoose';
import type { GrantChange, GrantChangeKind } from '../../domain/index.js';
import { compositeId } from './composite-id.js';
import { collectionOptions, nullableString, oneOf, presentString, requiredString, stringId } from './schema-fields.js';

export const GRANT_CHANGE_KINDS = ['added', 'removed', 'changed'] as const satisfies readonly GrantChangeKind[];

/** `grant_changes`: diff lines of a snapshot against its predecessor, one per grant. */
export interface GrantChangeDoc extends GrantChange {
  _id: string;
}

export const grantChangeSchema = new mongoose.Schema<GrantChangeDoc>(
  {
    _id: stringId,
    snapshotId: requiredString,
    grantId: requiredString,
    kind: oneOf(GRANT_CHANGE_KINDS),
    systemId: requiredString,
    accountId: presentString('accountId'),
    role: presentString('role'),
    scope: presentString('scope'),
    before: nullableString,
    after: nullableString,
  },
  collectionOptions('grant_changes'),
);
// One line per (snapshot, grant): appendChanges is idempotent on it; changes() pages by it.
grantChangeSchema.index({ snapshotId: 1, grantId: 1 }, { unique: true });

export function grantChangeDoc(c: GrantChange): GrantChangeDoc {
  return { _id: compositeId(c.snapshotId, c.grantId), ...toGrantChange(c) };
}

export function toGrantChange(d: GrantChange): GrantChange {
  return {
    snapshotId: d.snapshotId,
    grantId: d.grantId,
    kind: d.kind,
    systemId: d.systemId,
    accountId: d.accountId,
    role: d.role,
    scope: d.scope,
    before: d.before,
    after: d.after,
  };
}
