/**
 * Turns a failed Graph call into a ConnectorError the sync core understands, naming what
 * was being read and which application permission it needs.
 */
import { ConnectorError } from '../connector.js';
import { GraphCallError } from './entra-id-graph.js';

/** What a call reads, and the least-privileged application permission it needs. */
export interface GraphNeed {
  what: string;
  permission: string;
}

export const NEEDS = {
  users: { what: 'users', permission: 'User.Read.All' },
  usersWithSignIn: { what: 'users with signInActivity', permission: 'User.Read.All and AuditLog.Read.All (sign-in activity also needs an Entra ID P1 licence)' },
  userGroups: { what: 'group memberships of users', permission: 'GroupMember.Read.All' },
  groupMembers: { what: 'members of a group holding a role', permission: 'GroupMember.Read.All' },
  servicePrincipal: { what: 'the enterprise app (service principal) and its app role assignments', permission: 'Application.Read.All' },
  directoryRoles: { what: 'directory role assignments', permission: 'RoleManagement.Read.Directory' },
  eligibleDirectoryRoles: { what: 'eligible (PIM) directory role assignments', permission: 'RoleManagement.Read.Directory' },
} as const satisfies Record<string, GraphNeed>;

const TRANSIENT = new Set([408, 429, 500, 502, 503, 504]);

export function toConnectorError(err: unknown, need: GraphNeed): ConnectorError {
  if (err instanceof ConnectorError) return err;
  if (!(err instanceof GraphCallError)) {
    return new ConnectorError(`reading ${need.what} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const what = `${err.status > 0 ? err.status : 'no response'}${err.code ? ` ${err.code}` : ''}: ${err.message}`;
  if (err.status === -1 || TRANSIENT.has(err.status)) {
    return new ConnectorError(`Graph could not serve ${need.what} (${what})`, { transient: true, retryAfterMs: err.retryAfterMs, status: err.status > 0 ? err.status : null, cause: err });
  }
  if (err.status === 401) {
    return new ConnectorError(`Graph rejected the access token while reading ${need.what} (${what}); check tenantId, cloud and graphHost`, { status: 401, cause: err });
  }
  if (err.status === 403) {
    return new ConnectorError(`Graph denied reading ${need.what} (${what}): grant the app registration the ${need.permission} application permission, with admin consent`, { status: 403, cause: err });
  }
  return new ConnectorError(`Graph refused reading ${need.what} (${what})`, { status: err.status, cause: err });
}

/** Sign-in activity is unavailable: permission missing (403) or no Entra ID P1 licence. */
export function isSignInActivityUnavailable(err: unknown): boolean {
  if (!(err instanceof GraphCallError)) return false;
  if (err.status === 403) return true;
  return err.status === 400 && /premium licen[cs]e|B2C|signInActivity/i.test(`${err.code ?? ''} ${err.message}`);
}
