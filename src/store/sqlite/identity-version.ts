import type { Identity } from '../../domain/index.js';

/**
 * The columns of an identity_versions row (migration 15) and its content key: the JSON array of
 * those columns in table order, groups and aliases as their JSON text. Two identities with the
 * same key are one version, stored once. The migration computes the key of the rows it moves
 * with SQLite's json_array over the same columns; should the two ever spell a value
 * differently, that identity is only stored twice (as before), never read wrongly.
 */
export type IdentityVersionRow = [
  id: string, email: string | null, displayName: string, department: string | null, jobTitle: string | null,
  managerId: string | null, groups: string, aliases: string, status: string, employmentType: string,
  contractEnd: string | null, lastSignInAt: string | null, sourceSystemId: string,
];

export function identityVersionRow(i: Identity): IdentityVersionRow {
  return [i.id, i.email, i.displayName, i.department, i.jobTitle, i.managerId, JSON.stringify(i.groups), JSON.stringify(i.aliases), i.status, i.employmentType, i.contractEnd, i.lastSignInAt, i.sourceSystemId];
}

export function identityContentKey(row: IdentityVersionRow): string {
  return JSON.stringify(row);
}
