/**
 * Auto remediation for Entra ID: removes one grant the grants reader reported, or refuses.
 *
 * The grant carries what the reader stored (accountId = the principal's object id, role = the
 * role's name, scope), not the assignment's id: the revoker reads the principal's current
 * assignments right before deleting, which proves the assignment still exists, gives its
 * current id, and makes a repeat harmless (nothing found: already gone).
 *
 * - app-roles: `GET /servicePrincipals/{sp}/appRoleAssignedTo` (the app's roles by name from
 *   `GET /servicePrincipals/{sp}?$select=appRoles`), then
 *   `DELETE /servicePrincipals/{sp}/appRoleAssignedTo/{assignmentId}`
 *   (learn.microsoft.com/graph/api/serviceprincipal-delete-approleassignedto:
 *   AppRoleAssignment.ReadWrite.All, 204 No Content).
 * - directory-roles: `GET /roleManagement/directory/roleAssignments?$filter=principalId eq '{id}'&$expand=roleDefinition`,
 *   then `DELETE /roleManagement/directory/roleAssignments/{id}`
 *   (learn.microsoft.com/graph/api/unifiedroleassignment-delete: RoleManagement.ReadWrite.Directory, 204).
 *
 * - PIM eligible directory roles (scope `eligible...`):
 *   `GET /roleManagement/directory/roleEligibilityScheduleInstances?$filter=principalId eq '{id}'&$expand=roleDefinition`,
 *   then `POST /roleManagement/directory/roleEligibilityScheduleRequests` with `action: adminRemove`,
 *   principalId, roleDefinitionId, directoryScopeId and a justification
 *   (learn.microsoft.com/graph/api/rbacapplication-post-roleeligibilityschedulerequests:
 *   RoleEligibilitySchedule.ReadWrite.Directory, 201 Created with the request, status `Revoked`).
 *   Graph answers an adminRemove of an eligibility that does not exist with 400
 *   `RoleAssignmentDoesNotExist`; it has also been seen answering that to a removal it carried
 *   out (a POST re-sent by the RetryHandler after a 503/504), so that answer (and a 404) is read
 *   again: gone is "already gone", still there is refused with Graph's answer.
 *
 * Refused, never approximated: a role held through a group (scope `group:...`, or `via-group`
 * on an eligible role whose group Graph does not name: deleting the user's own assignment would
 * not remove it; the group's assignment would remove it from every member).
 * Throttling (429/503/504) is retried by the Graph SDK's RetryHandler honouring Retry-After;
 * what is still throttled after its retries is thrown as a transient ConnectorError.
 */
import { ConnectorError } from '../connector.js';
import type { ConnectorContext, GrantRecord, RevokeResult } from '../connector.js';
import { GraphCallError } from './entra-id-graph.js';
import type { GraphApi } from './entra-id-graph.js';
import { NEEDS, toConnectorError } from './entra-id-errors.js';
import type { GraphNeed } from './entra-id-errors.js';
import { ELIGIBLE_SCOPE, appRoleNames } from './entra-id-mappers.js';
import type { GraphAppRoleAssignment, GraphRoleAssignment, GraphServicePrincipal } from './entra-id-mappers.js';

/** The application permissions the writes need (least privileged, per the pages above). */
export const WRITE_PERMISSIONS = {
  appRoles: 'AppRoleAssignment.ReadWrite.All',
  directoryRoles: 'RoleManagement.ReadWrite.Directory',
  eligibleDirectoryRoles: 'RoleEligibilitySchedule.ReadWrite.Directory',
} as const;

/** The justification sent with an adminRemove (PIM shows it; a role's policy may require one). */
export const ELIGIBILITY_REMOVAL_JUSTIFICATION = 'Removed by iam-review: access revoked in an access review';

export type EntraRevoker = (grant: GrantRecord, ctx: ConnectorContext) => Promise<RevokeResult>;

/** The scope segments the grants reader joins with ';'. */
function scopeSegments(scope: string): string[] {
  return scope === '' ? [] : scope.split(';');
}

/** The group a grant is held through (`group:<name>` segment), or null for a grant of its own. */
function viaGroup(scope: string): string | null {
  const segment = scopeSegments(scope).find((s) => s.startsWith('group:'));
  return segment === undefined ? null : segment.slice('group:'.length);
}

function groupRefusal(grant: GrantRecord, group: string, what: string): RevokeResult {
  return {
    outcome: 'refused',
    reason:
      `${grant.accountDisplayName ?? grant.accountId} holds ${grant.role} through group ${group}, not by an assignment of its own: ` +
      `deleting an assignment of the account would not remove it, and deleting the group's ${what} would remove it from every member. ` +
      `Remove the account from group ${group} (or change the group's assignment) by hand`,
  };
}

/** App role assignments of one enterprise app (service principal object id). */
export function appRoleRevoker(client: GraphApi, servicePrincipalId: string): EntraRevoker {
  const sp = encodeURIComponent(servicePrincipalId);
  return async (grant, ctx) => {
    const group = viaGroup(grant.scope);
    if (group !== null) return groupRefusal(grant, group, 'app role assignment');
    if (grant.scope !== '') return { outcome: 'refused', reason: `app role grant with scope "${grant.scope}" is not one the entra-id connector reports: not removed` };
    const names = appRoleNames(await read(() => client.get<GraphServicePrincipal>(`/servicePrincipals/${sp}?$select=id,appDisplayName,appRoles`, { signal: ctx.signal }), NEEDS.servicePrincipal));
    const matches: GraphAppRoleAssignment[] = [];
    await read(async () => {
      for await (const a of client.items<GraphAppRoleAssignment>(`/servicePrincipals/${sp}/appRoleAssignedTo?$top=999`, { signal: ctx.signal })) {
        // The reader names a role by its value, else display name, else `appRole:<id>`.
        const role = names.get(a.appRoleId) ?? `appRole:${a.appRoleId}`;
        if (a.principalId === grant.accountId && a.principalType !== 'Group' && role === grant.role) matches.push(a);
      }
    }, NEEDS.servicePrincipal);
    const paths = matches.map((a) => `/servicePrincipals/${sp}/appRoleAssignedTo/${encodeURIComponent(a.id)}`);
    return deleteAll(client, paths, WRITE_PERMISSIONS.appRoles, ctx, `app role ${grant.role} of ${grant.accountId} on service principal ${servicePrincipalId}`);
  };
}

/** Directory (Entra) role assignments: active ones, and PIM eligible ones (eligibleRevoker). */
export function directoryRoleRevoker(client: GraphApi): EntraRevoker {
  return async (grant, ctx) => {
    const segments = scopeSegments(grant.scope);
    if (segments[0] === ELIGIBLE_SCOPE) return revokeEligible(client, grant, segments.slice(1), ctx);
    const group = viaGroup(grant.scope);
    if (group !== null) return groupRefusal(grant, group, 'role assignment');
    // What remains of the scope is the directory scope of the assignment ('' = tenant-wide '/').
    if (segments.length > 1) return { outcome: 'refused', reason: `directory role grant with scope "${grant.scope}" is not one the entra-id connector reports: not removed` };
    const directoryScope = segments[0] ?? '';
    const filter = encodeURIComponent(`principalId eq '${grant.accountId.replace(/'/g, "''")}'`);
    const matches: GraphRoleAssignment[] = [];
    await read(async () => {
      for await (const a of client.items<GraphRoleAssignment>(`/roleManagement/directory/roleAssignments?$filter=${filter}&$expand=roleDefinition`, { signal: ctx.signal })) {
        const role = a.roleDefinition?.displayName || a.roleDefinitionId;
        const scope = !a.directoryScopeId || a.directoryScopeId === '/' ? '' : a.directoryScopeId;
        if (a.principalId === grant.accountId && role === grant.role && scope === directoryScope) matches.push(a);
      }
    }, NEEDS.directoryRoles);
    const paths = matches.map((a) => `/roleManagement/directory/roleAssignments/${encodeURIComponent(a.id)}`);
    return deleteAll(client, paths, WRITE_PERMISSIONS.directoryRoles, ctx, `directory role ${grant.role} of ${grant.accountId}${directoryScope ? ` at ${directoryScope}` : ''}`);
  };
}

/** A PIM eligibility instance as read back before the removal. */
type GraphEligibility = GraphRoleAssignment;

/**
 * A PIM eligible directory role (`rest`: the scope after the `eligible` marker): the principal's
 * direct eligibilities of that role and directory scope are read, then each removed by an
 * adminRemove request. None found: already gone.
 */
async function revokeEligible(client: GraphApi, grant: GrantRecord, rest: readonly string[], ctx: ConnectorContext): Promise<RevokeResult> {
  if (rest.includes(VIA_GROUP)) {
    return {
      outcome: 'refused',
      reason:
        `${grant.accountDisplayName ?? grant.accountId} is eligible for ${grant.role} through a group (PIM memberType Group; Graph does not name the group): ` +
        `removing an eligibility of the account would not remove it. Remove the account from the group (or the group's eligibility) by hand`,
    };
  }
  const group = viaGroup(rest.join(';'));
  if (group !== null) return groupRefusal(grant, group, 'eligibility');
  if (rest.length > 1) return { outcome: 'refused', reason: `eligible directory role grant with scope "${grant.scope}" is not one the entra-id connector reports: not removed` };
  const directoryScope = rest[0] ?? '';
  const what = `eligible directory role ${grant.role} of ${grant.accountId}${directoryScope ? ` at ${directoryScope}` : ''}`;
  const found = await eligibilities(client, grant, directoryScope, ctx);
  if (found.length === 0) return { outcome: 'already-gone', ref: `no eligibility of ${what} exists` };
  const refs: string[] = [];
  let removed = 0;
  // One request per role definition and scope: two instances of one eligibility (say, two
  // schedule windows) are removed by one request.
  const targets = new Map(found.map((e) => [`${e.roleDefinitionId}|${e.directoryScopeId || '/'}`, e]));
  for (const e of targets.values()) {
    const body = { action: 'adminRemove', principalId: grant.accountId, roleDefinitionId: e.roleDefinitionId, directoryScopeId: e.directoryScopeId || '/', justification: ELIGIBILITY_REMOVAL_JUSTIFICATION };
    try {
      const request = await client.post<{ id?: string; status?: string }>(ELIGIBILITY_REQUESTS, body, { signal: ctx.signal });
      removed += 1;
      refs.push(`POST ${ELIGIBILITY_REQUESTS} adminRemove ${e.roleDefinitionId} at ${body.directoryScopeId} (request ${request?.id ?? '?'}, ${request?.status ?? 'no status'})`);
    } catch (err) {
      const permission = WRITE_PERMISSIONS.eligibleDirectoryRoles;
      if (err instanceof GraphCallError && (err.status === 404 || (err.status === 400 && err.code === 'RoleAssignmentDoesNotExist'))) {
        // Graph says there is none: believed only once a read agrees (see the header).
        const still = (await eligibilities(client, grant, directoryScope, ctx)).filter((x) => x.roleDefinitionId === e.roleDefinitionId);
        if (still.length > 0) return { outcome: 'refused', reason: `Graph answered the adminRemove of ${what} with ${err.status} ${err.code ?? ''}: ${err.message}, but a read still shows the eligibility: not removed` };
        refs.push(`adminRemove answered ${err.status}${err.code ? ` ${err.code}` : ''} and a read shows no eligibility of ${e.roleDefinitionId}`);
        continue;
      }
      if (err instanceof GraphCallError && err.status === 403) {
        return {
          outcome: 'refused',
          reason: `Graph denied POST ${ELIGIBILITY_REQUESTS} (403${err.code ? ` ${err.code}` : ''}: ${err.message}): grant the app registration the ${permission} application permission (or RoleManagement.ReadWrite.Directory), with admin consent`,
          permission,
        };
      }
      if (err instanceof GraphCallError && err.status === 400) {
        return { outcome: 'refused', reason: `Graph refused the adminRemove of ${what} (400${err.code ? ` ${err.code}` : ''}: ${err.message})` };
      }
      throw toConnectorError(err, { what: `the removal of ${what}`, permission });
    }
  }
  if (removed === 0) return { outcome: 'already-gone', ref: refs.join('; ') };
  return { outcome: 'removed', ref: refs.join('; ') };
}

const ELIGIBILITY_REQUESTS = '/roleManagement/directory/roleEligibilityScheduleRequests';
/** The scope segment of an eligibility Graph reports through a group it does not name (mappers). */
const VIA_GROUP = 'via-group';

/** The principal's DIRECT eligibilities of the grant's role at `directoryScope` ('' = tenant-wide). */
async function eligibilities(client: GraphApi, grant: GrantRecord, directoryScope: string, ctx: ConnectorContext): Promise<GraphEligibility[]> {
  const filter = encodeURIComponent(`principalId eq '${grant.accountId.replace(/'/g, "''")}'`);
  const out: GraphEligibility[] = [];
  await read(async () => {
    for await (const e of client.items<GraphEligibility>(`/roleManagement/directory/roleEligibilityScheduleInstances?$filter=${filter}&$expand=roleDefinition`, { signal: ctx.signal })) {
      const role = e.roleDefinition?.displayName || e.roleDefinitionId;
      const scope = !e.directoryScopeId || e.directoryScopeId === '/' ? '' : e.directoryScopeId;
      const direct = !e.memberType || e.memberType === 'Direct';
      if (e.principalId === grant.accountId && direct && role === grant.role && scope === directoryScope) out.push(e);
    }
  }, NEEDS.eligibleDirectoryRoles);
  return out;
}

/**
 * Deletes the assignments found (normally one). None found: already gone. A 404 on a DELETE:
 * removed meanwhile by someone else, also gone. A 403: refused naming the permission.
 */
async function deleteAll(client: GraphApi, paths: readonly string[], permission: string, ctx: ConnectorContext, what: string): Promise<RevokeResult> {
  if (paths.length === 0) return { outcome: 'already-gone', ref: `no assignment of ${what} exists` };
  const deleted: string[] = [];
  for (const path of paths) {
    try {
      await client.delete(path, { signal: ctx.signal });
      deleted.push(path);
    } catch (err) {
      if (err instanceof GraphCallError && err.status === 404) continue;
      if (err instanceof GraphCallError && err.status === 403) {
        return {
          outcome: 'refused',
          reason: `Graph denied DELETE ${path} (403${err.code ? ` ${err.code}` : ''}: ${err.message}): grant the app registration the ${permission} application permission, with admin consent`,
          permission,
        };
      }
      if (err instanceof GraphCallError && err.status === 400) {
        return { outcome: 'refused', reason: `Graph refused DELETE ${path} (400${err.code ? ` ${err.code}` : ''}: ${err.message})` };
      }
      throw toConnectorError(err, { what: `the removal of ${what}`, permission });
    }
  }
  if (deleted.length === 0) return { outcome: 'already-gone', ref: `DELETE answered 404: ${what} was already removed` };
  return { outcome: 'removed', ref: deleted.map((p) => `DELETE ${p}`).join('; ') };
}

/** A read before a write: failures say what was read and which read permission it needs. */
async function read<T>(call: () => Promise<T>, need: GraphNeed): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ConnectorError) throw err;
    throw toConnectorError(err, need);
  }
}
