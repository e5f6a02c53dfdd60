import type { Identity } from '../../domain/index.js';
import { parseJson } from './parse-json.js';

/** Identity columns, aliased to the domain's field names (table alias `i`). */
export const IDENTITY_COLUMNS = `i.id, i.email, i.display_name AS displayName, i.department, i.job_title AS jobTitle,
  i.manager_id AS managerId, i.groups, i.aliases, i.status, i.employment_type AS employmentType,
  i.contract_end AS contractEnd, i.last_sign_in_at AS lastSignInAt, i.source_system_id AS sourceSystemId`;

export type IdentityRow = Omit<Identity, 'groups' | 'aliases'> & { groups: string; aliases: string };

export function toIdentity(row: IdentityRow): Identity {
  return { ...row, groups: parseJson(row.groups, 'identities.groups'), aliases: parseJson(row.aliases, 'identities.aliases') };
}
