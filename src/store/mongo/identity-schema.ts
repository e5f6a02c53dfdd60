import mongoose from 'mongoose';
import { EMPLOYMENT_TYPES, IDENTITY_STATUSES } from '../../domain/index.js';
import type { Identity } from '../../domain/index.js';
import { compositeId } from './composite-id.js';
import { collectionOptions, nullableString, oneOf, presentString, requiredString, stringId, stringList } from './schema-fields.js';

/**
 * `identities`: one document per identity per snapshot of a directory system. `systemId` is
 * the snapshot's system (which directory reported it); `emailKey` is the lower-cased email
 * that findByEmail matches, so case never decides a lookup.
 */
export interface IdentityDoc extends Omit<Identity, 'id'> {
  _id: string;
  snapshotId: string;
  systemId: string;
  identityId: string;
  emailKey: string | null;
}

export const identitySchema = new mongoose.Schema<IdentityDoc>(
  {
    _id: stringId,
    snapshotId: requiredString,
    systemId: requiredString,
    identityId: requiredString,
    email: nullableString,
    emailKey: nullableString,
    displayName: presentString('displayName'),
    department: nullableString,
    jobTitle: nullableString,
    managerId: nullableString,
    groups: stringList,
    aliases: stringList,
    status: oneOf(IDENTITY_STATUSES),
    employmentType: oneOf(EMPLOYMENT_TYPES),
    contractEnd: nullableString,
    lastSignInAt: nullableString,
    sourceSystemId: requiredString,
  },
  collectionOptions('identities'),
);
// An identity once per snapshot, read in id order; lookups by email within current snapshots.
identitySchema.index({ snapshotId: 1, identityId: 1 }, { unique: true });
identitySchema.index({ snapshotId: 1, emailKey: 1 });

/** The key findByEmail compares: lower-cased (the query is trimmed and lower-cased too). */
export function emailKey(email: string | null): string | null {
  return email === null ? null : email.toLowerCase();
}

export function identityDoc(snapshotId: string, systemId: string, i: Identity): IdentityDoc {
  return {
    _id: compositeId(snapshotId, i.id),
    snapshotId,
    systemId,
    identityId: i.id,
    email: i.email,
    emailKey: emailKey(i.email),
    displayName: i.displayName,
    department: i.department,
    jobTitle: i.jobTitle,
    managerId: i.managerId,
    groups: [...i.groups],
    aliases: [...i.aliases],
    status: i.status,
    employmentType: i.employmentType,
    contractEnd: i.contractEnd,
    lastSignInAt: i.lastSignInAt,
    sourceSystemId: i.sourceSystemId,
  };
}

export function toIdentity(d: IdentityDoc): Identity {
  return {
    id: d.identityId,
    email: d.email,
    displayName: d.displayName,
    department: d.department,
    jobTitle: d.jobTitle,
    managerId: d.managerId,
    groups: [...d.groups],
    aliases: [...d.aliases],
    status: d.status,
    employmentType: d.employmentType,
    contractEnd: d.contractEnd,
    lastSignInAt: d.lastSignInAt,
    sourceSystemId: d.sourceSystemId,
  };
}
