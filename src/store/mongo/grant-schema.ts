import mongoose from 'mongoose';
import { ACCOUNT_STATUSES, ACCOUNT_TYPES, grantDetailText, parseGrantDetail } from '../../domain/index.js';
import type { Grant } from '../../domain/index.js';
import { compositeId } from './composite-id.js';
import { collectionOptions, nullableString, nullableTimestamp, oneOf, presentString, requiredString, stringId } from './schema-fields.js';

/**
 * `grants`: one document per grant per snapshot; the grant's id is `grantId`. The detail is
 * kept as its canonical JSON text, as in SQLite: a connector's keys may hold `$` or `.`, which
 * MongoDB field names must not, and the text is what the fingerprint hashes.
 */
export interface GrantDoc extends Omit<Grant, 'id' | 'detail'> {
  _id: string;
  snapshotId: string;
  grantId: string;
  /** Absent on documents written before details existed. */
  detail?: string | null;
}

export const grantSchema = new mongoose.Schema<GrantDoc>(
  {
    _id: stringId,
    snapshotId: requiredString,
    grantId: requiredString,
    systemId: requiredString,
    accountId: presentString('accountId'),
    role: presentString('role'),
    scope: presentString('scope'),
    identityId: nullableString,
    identityRef: nullableString,
    accountDisplayName: nullableString,
    accountType: oneOf(ACCOUNT_TYPES),
    accountStatus: oneOf(ACCOUNT_STATUSES),
    lastActivityAt: nullableString,
    firstSeenAt: nullableTimestamp,
    detail: nullableString,
  },
  collectionOptions('grants'),
);
// A grant id once per snapshot; also the keyset order grants() pages by.
grantSchema.index({ snapshotId: 1, grantId: 1 }, { unique: true });

export function grantDocId(snapshotId: string, grantId: string): string {
  return compositeId(snapshotId, grantId);
}

export function grantDoc(snapshotId: string, g: Grant): GrantDoc {
  return {
    _id: grantDocId(snapshotId, g.id),
    snapshotId,
    grantId: g.id,
    systemId: g.systemId,
    accountId: g.accountId,
    role: g.role,
    scope: g.scope,
    identityId: g.identityId,
    identityRef: g.identityRef,
    accountDisplayName: g.accountDisplayName,
    accountType: g.accountType,
    accountStatus: g.accountStatus,
    lastActivityAt: g.lastActivityAt,
    firstSeenAt: g.firstSeenAt,
    detail: grantDetailText(g.detail),
  };
}

export function toGrant(d: GrantDoc): Grant {
  const g: Grant = {
    id: d.grantId,
    systemId: d.systemId,
    accountId: d.accountId,
    role: d.role,
    scope: d.scope,
    identityId: d.identityId,
    identityRef: d.identityRef,
    accountDisplayName: d.accountDisplayName,
    accountType: d.accountType,
    accountStatus: d.accountStatus,
    lastActivityAt: d.lastActivityAt,
    firstSeenAt: d.firstSeenAt,
  };
  // Absent when there is none, as the SQLite store reads it.
  if (d.detail !== null && d.detail !== undefined) g.detail = parseGrantDetail(d.detail);
  return g;
}
