/**
 * Pure mapping from Microsoft Graph objects (as the connector selects them) to connector
 * records. No I/O: the readers fetch, these decide what the objects mean.
 */
import { normalizeEmail } from '../../domain/index.js';
import type { EmploymentType, IdentityStatus } from '../../domain/index.js';
import type { GrantRecord, IdentityRecord } from '../connector.js';

/** The id Entra gives the implicit role of an app without app roles ("Default Access"). */
export const DEFAULT_APP_ROLE_ID = '00000000-0000-0000-0000-000000000000';

export interface GraphSignInActivity {
  lastSignInDateTime?: string | null;
  lastNonInteractiveSignInDateTime?: string | null;
  lastSuccessfulSignInDateTime?: string | null;
}

export interface GraphUser {
  id: string;
  displayName?: string | null;
  userPrincipalName?: string | null;
  mail?: string | null;
  department?: string | null;
  jobTitle?: string | null;
  accountEnabled?: boolean | null;
  employeeType?: string | null;
  employeeLeaveDateTime?: string | null;
  userType?: string | null;
  signInActivity?: GraphSignInActivity | null;
  manager?: { id: string; userPrincipalName?: string | null } | null;
}

export interface GraphAppRole {
  id: string;
  value?: string | null;
  displayName?: string | null;
}

export interface GraphServicePrincipal {
  id: string;
  appDisplayName?: string | null;
  appRoles?: GraphAppRole[] | null;
}

export interface GraphAppRoleAssignment {
  id: string;
  appRoleId: string;
  principalId: string;
  principalType: string;
  principalDisplayName?: string | null;
}

export interface GraphDirectoryObject {
  '@odata.type'?: string;
  id: string;
  displayName?: string | null;
  userPrincipalName?: string | null;
  accountEnabled?: boolean | null;
}

export interface GraphRoleAssignment {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId?: string | null;
  roleDefinition?: { id: string; displayName?: string | null } | null;
  principal?: GraphDirectoryObject | null;
}

/**
 * A group that holds a role: its members (transitively) each get the grant. The group's
 * name goes into the scope so a direct and a group-derived assignment stay distinct grants.
 */
export interface PendingGroup {
  id: string;
  name: string;
  role: string;
  /** Scope of the assignment itself ('' when none); the group is appended to it. */
  scope: string;
}

/** What one assignment turns into: a grant now, a group to expand, or a problem to report. */
export type AssignmentOutcome = { grant: GrantRecord } | { group: PendingGroup } | { problem: string };

/**
 * Graph user -> identity. Status: a leave date in the past means the person has left
 * (terminated) even if the account is still enabled — exactly the case a review must catch;
 * otherwise a disabled account means disabled. The leave date is also the contract end.
 */
export function mapUser(user: GraphUser, groups: readonly string[], now: Date): IdentityRecord {
  const upn = user.userPrincipalName ?? null;
  const leave = user.employeeLeaveDateTime ?? null;
  return {
    id: user.id,
    email: normalizeEmail(user.mail ?? upn),
    displayName: user.displayName ?? upn ?? user.id,
    department: user.department ?? null,
    jobTitle: user.jobTitle ?? null,
    managerRef: user.manager?.id ?? null,
    groups: [...new Set(groups)].sort(),
    aliases: upn ? [upn] : [],
    status: identityStatusOf(user.accountEnabled, leave, now),
    employmentType: employmentTypeOf(user.employeeType, user.userType),
    contractEnd: leave ? leave.slice(0, 10) : null,
    lastSignInAt: lastSignInOf(user.signInActivity),
  };
}

export function identityStatusOf(accountEnabled: boolean | null | undefined, leaveDateTime: string | null, now: Date): IdentityStatus {
  if (leaveDateTime !== null) {
    const leftAt = Date.parse(leaveDateTime);
    if (!Number.isNaN(leftAt) && leftAt <= now.getTime()) return 'terminated';
  }
  return accountEnabled === false ? 'disabled' : 'active';
}

/**
 * employeeType is free text in Entra. Employee -> employee, Contractor -> contractor,
 * Vendor/Guest/External -> third-party; without a value, B2B guests (userType Guest) are
 * third parties; anything else counts as an employee.
 */
export function employmentTypeOf(employeeType: string | null | undefined, userType: string | null | undefined): EmploymentType {
  const t = (employeeType ?? '').trim().toLowerCase();
  if (t === 'contractor') return 'contractor';
  if (t === 'vendor' || t === 'guest' || t === 'external') return 'third-party';
  if (t === '' && (userType ?? '').toLowerCase() === 'guest') return 'third-party';
  return 'employee';
}

/**
 * Last sign-in: the last successful one (interactive or not) where Entra knows it
 * (recorded since December 2023); otherwise the later of the last interactive and
 * non-interactive attempts.
 */
export function lastSignInOf(activity: GraphSignInActivity | null | undefined): string | null {
  if (!activity) return null;
  if (activity.lastSuccessfulSignInDateTime) return activity.lastSuccessfulSignInDateTime;
  const candidates = [activity.lastSignInDateTime, activity.lastNonInteractiveSignInDateTime].filter((v): v is string => !!v);
  if (candidates.length === 0) return null;
  return candidates.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));
}

/** App role id -> the name reviewers and policies see: the role's value, else its display name. */
export function appRoleNames(sp: GraphServicePrincipal): Map<string, string> {
  const names = new Map<string, string>([[DEFAULT_APP_ROLE_ID, 'Default Access']]);
  for (const role of sp.appRoles ?? []) {
    const name = role.value || role.displayName;
    if (name) names.set(role.id, name);
  }
  return names;
}

/**
 * An app role assignment of an enterprise app (appRoleAssignedTo). The assignment carries
 * no account state, so direct principals read as active: a disabled or departed user shows
 * through the directory system's identity, which sync correlates by identityRef (the id).
 */
export function mapAppRoleAssignment(a: GraphAppRoleAssignment, roleNames: ReadonlyMap<string, string>): AssignmentOutcome {
  // A role deleted from the app while still assigned keeps its id as the name.
  const role = roleNames.get(a.appRoleId) ?? `appRole:${a.appRoleId}`;
  const name = a.principalDisplayName ?? null;
  switch (a.principalType) {
    case 'User':
      return { grant: grant(a.principalId, role, '', a.principalId, name, 'human', 'active') };
    case 'ServicePrincipal':
      return { grant: grant(a.principalId, role, '', null, name, 'service', 'active') };
    case 'Group':
      return { group: { id: a.principalId, name: name ?? a.principalId, role, scope: '' } };
    default:
      return { problem: `app role assignment ${a.id}: principal type "${a.principalType}" of ${a.principalId} is not understood` };
  }
}

/** A directory (Entra) role assignment with its principal and role definition expanded. */
export function mapDirectoryRoleAssignment(a: GraphRoleAssignment): AssignmentOutcome {
  const role = a.roleDefinition?.displayName || a.roleDefinitionId;
  const scope = !a.directoryScopeId || a.directoryScopeId === '/' ? '' : a.directoryScopeId;
  const p = a.principal;
  if (!p) return { problem: `role assignment ${a.id} (${role}): Graph returned no principal for ${a.principalId} (deleted object?)` };
  const name = p.displayName ?? p.userPrincipalName ?? null;
  switch (p['@odata.type']) {
    case '#microsoft.graph.user':
      return { grant: grant(p.id, role, scope, p.id, name, 'human', p.accountEnabled === false ? 'disabled' : 'active') };
    case '#microsoft.graph.servicePrincipal':
      return { grant: grant(p.id, role, scope, null, name, 'service', p.accountEnabled === false ? 'disabled' : 'active') };
    case '#microsoft.graph.group':
      return { group: { id: p.id, name: name ?? p.id, role, scope } };
    default:
      return { problem: `role assignment ${a.id} (${role}): principal type "${p['@odata.type'] ?? 'unknown'}" of ${p.id} is not understood` };
  }
}

/** One member user of a group that holds a role. */
export function mapGroupMemberGrant(member: GraphDirectoryObject, group: PendingGroup): GrantRecord {
  const scope = [group.scope, `group:${group.name}`].filter((s) => s !== '').join(';');
  return grant(member.id, group.role, scope, member.id, member.displayName ?? member.userPrincipalName ?? null, 'human', member.accountEnabled === false ? 'disabled' : 'active');
}

function grant(
  accountId: string,
  role: string,
  scope: string,
  identityRef: string | null,
  accountDisplayName: string | null,
  accountType: GrantRecord['accountType'],
  accountStatus: GrantRecord['accountStatus'],
): GrantRecord {
  return { accountId, role, scope, identityRef, accountDisplayName, accountType, accountStatus, lastActivityAt: null };
}
