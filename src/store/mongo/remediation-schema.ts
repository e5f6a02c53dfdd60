import mongoose from 'mongoose';
import { REMEDIATION_REASONS, REMEDIATION_STATES } from '../../domain/index.js';
import type { Remediation } from '../../domain/index.js';
import { collectionOptions, embeddedOptions, nullableString, nullableTimestamp, oneOf, presentString, requiredString, stringId, timestamp } from './schema-fields.js';

/** `remediations`: `_id` is the derived remediation id (`rem:${itemId}`). */
export interface RemediationDoc extends Omit<Remediation, 'id'> {
  _id: string;
}

const reasonSchema = new mongoose.Schema({ kind: oneOf(REMEDIATION_REASONS), ref: requiredString }, embeddedOptions);

export const remediationSchema = new mongoose.Schema<RemediationDoc>(
  {
    _id: stringId,
    itemId: nullableString,
    campaignId: nullableString,
    grantId: requiredString,
    systemId: requiredString,
    accountId: presentString('accountId'),
    role: presentString('role'),
    scope: presentString('scope'),
    reason: { type: reasonSchema, required: true },
    requestedBy: requiredString,
    openedAt: timestamp,
    dueAt: timestamp,
    state: oneOf(REMEDIATION_STATES),
    requestedAt: nullableTimestamp,
    claimedAt: nullableTimestamp,
    claimedBy: nullableString,
    claimNote: nullableString,
    overdueAt: nullableTimestamp,
    verifiedAt: nullableTimestamp,
    verifiedSnapshotId: nullableString,
    verifiedSnapshotHash: nullableString,
    reappearedAt: nullableTimestamp,
    reappearedSnapshotId: nullableString,
    failure: nullableString,
    updatedAt: timestamp,
  },
  collectionOptions('remediations'),
);
// One remediation per revoked item (finding remediations have no item: the index skips them).
remediationSchema.index({ itemId: 1 }, { unique: true, partialFilterExpression: { itemId: { $type: 'string' } } });
// checkAgainst(): a system's remediations in some states, in id pages; list() by system.
remediationSchema.index({ systemId: 1, state: 1, _id: 1 });
// list() and pastDue(): by due time.
remediationSchema.index({ state: 1, dueAt: 1, _id: 1 });
// Finding remediations: a grant's unverified remediations (one removal per grant at a time).
remediationSchema.index({ grantId: 1, state: 1 });

export function remediationDoc(r: Remediation): RemediationDoc {
  const { id, ...rest } = toRemediation({ ...r, _id: r.id });
  return { _id: id, ...rest };
}

export function toRemediation(d: RemediationDoc): Remediation {
  return {
    id: d._id,
    itemId: d.itemId,
    campaignId: d.campaignId,
    grantId: d.grantId,
    systemId: d.systemId,
    accountId: d.accountId,
    role: d.role,
    scope: d.scope,
    reason: { kind: d.reason.kind, ref: d.reason.ref },
    requestedBy: d.requestedBy,
    openedAt: d.openedAt,
    dueAt: d.dueAt,
    state: d.state,
    requestedAt: d.requestedAt,
    claimedAt: d.claimedAt,
    claimedBy: d.claimedBy,
    claimNote: d.claimNote,
    overdueAt: d.overdueAt,
    verifiedAt: d.verifiedAt,
    verifiedSnapshotId: d.verifiedSnapshotId,
    verifiedSnapshotHash: d.verifiedSnapshotHash,
    reappearedAt: d.reappearedAt,
    reappearedSnapshotId: d.reappearedSnapshotId,
    failure: d.failure,
    updatedAt: d.updatedAt,
  };
}
