/**
 * Fireblocks user objects -> grant records. Pure: no I/O.
 *
 * Shapes (Fireblocks OpenAPI 1.6, ConsoleUser / APIUser; every field optional there):
 *   GET /v1/management/users      { users: [{ id, firstName, lastName, email, role, enabled, status, userType }] }
 *   GET /v1/management/api_users  { users: [{ id, name, role, enabled, status, userType }] }
 * Neither endpoint pages. A workspace role is one string per user (OWNER, ADMIN, SIGNER,
 * COLLATERALS_SIGNER, EDITOR, APPROVER, VIEWER, NON_SIGNING_ADMIN, AUDITOR, NCW_ADMIN,
 * NCW_SIGNER, SECURITY_ADMIN, SECURITY_AUDITOR: ts-sdk docs/models/UserRole.md); roles are
 * passed through unchanged, policies decide what they mean.
 * The user objects carry no last-activity time: lastActivityAt is null here, and the
 * connector fills it from the audit logs where it may read them (fireblocks-audit-logs.ts).
 */
import type { GrantRecord } from '../connector.js';
import type { AccountStatus } from '../../domain/index.js';

/** The workspace roles Fireblocks documents (UserRole, ts-sdk docs/models/UserRole.md). Others still pass through. */
export const FIREBLOCKS_ROLES = [
  'OWNER',
  'ADMIN',
  'SIGNER',
  'COLLATERALS_SIGNER',
  'EDITOR',
  'APPROVER',
  'VIEWER',
  'NON_SIGNING_ADMIN',
  'AUDITOR',
  'NCW_ADMIN',
  'NCW_SIGNER',
  'SECURITY_ADMIN',
  'SECURITY_AUDITOR',
] as const;

export type FireblocksUserKind = 'console' | 'api';

export interface MappedUsers {
  items: GrantRecord[];
  problems: string[];
}

/** The `users` array of a list answer, or null when the answer has another shape. */
export function usersOf(body: unknown): unknown[] | null {
  if (isRecord(body) && Array.isArray(body.users)) return body.users;
  return null;
}

/** Maps every user of one list; a user that cannot be read becomes a problem, not an error. */
export function mapUsers(users: readonly unknown[], kind: FireblocksUserKind): MappedUsers {
  const items: GrantRecord[] = [];
  const problems: string[] = [];
  users.forEach((raw, index) => {
    const result = kind === 'console' ? mapConsoleUser(raw, index) : mapApiUser(raw, index);
    if ('problem' in result) problems.push(result.problem);
    else items.push(result.grant);
  });
  return { items, problems };
}

export type MapResult = { grant: GrantRecord } | { problem: string };

/**
 * A console user: a person, correlated by email. A console list entry typed `API` (the
 * shared UserType enum allows it) is reported as a service account like an API user.
 */
export function mapConsoleUser(raw: unknown, index: number): MapResult {
  const base = readBase(raw, index, 'console user');
  if ('problem' in base) return base;
  const user = raw as Record<string, unknown>;
  const service = user.userType === 'API';
  const name = [text(user.firstName), text(user.lastName)].filter((s) => s !== null).join(' ');
  return {
    grant: {
      accountId: base.id,
      role: base.role,
      scope: '',
      identityRef: service ? null : text(user.email),
      accountDisplayName: name === '' ? text(user.email) : name,
      accountType: service ? 'service' : 'human',
      accountStatus: accountStatusOf(user.enabled),
      lastActivityAt: null,
    },
  };
}

/** An API user: a service account. Fireblocks does not know who owns it, so identityRef is null. */
export function mapApiUser(raw: unknown, index: number): MapResult {
  const base = readBase(raw, index, 'API user');
  if ('problem' in base) return base;
  const user = raw as Record<string, unknown>;
  return {
    grant: {
      accountId: base.id,
      role: base.role,
      scope: '',
      identityRef: null,
      accountDisplayName: text(user.name),
      accountType: 'service',
      accountStatus: accountStatusOf(user.enabled),
      lastActivityAt: null,
    },
  };
}

/**
 * `enabled: false` is a disabled account. Anything else is active, including the
 * onboarding states (status PENDING_ACTIVATION, PENDING_DEVICE_PAIRING,
 * PENDING_DEVICE_SETUP): the invitation can be completed at any time and the role then
 * applies at once, so the grant is live and must be reviewed. A missing `enabled` also
 * reads as active: reporting access that is off is safe, hiding access that is on is not.
 */
export function accountStatusOf(enabled: unknown): AccountStatus {
  return enabled === false ? 'disabled' : 'active';
}

function readBase(raw: unknown, index: number, what: string): { id: string; role: string } | { problem: string } {
  if (!isRecord(raw)) return { problem: `${what} #${index}: not an object` };
  const id = text(raw.id);
  const role = text(raw.role);
  const missing = [id === null ? 'id' : null, role === null ? 'role' : null].filter((m) => m !== null);
  if (id === null || role === null) {
    return { problem: `${what} #${index}${id !== null ? ` (id ${id})` : ''}: missing ${missing.join(' and ')}; not read` };
  }
  return { id, role };
}

/** A non-empty string, else null. */
function text(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v : null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
