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

/**
 * An active directory role assignment (`roleAssignments`) or a PIM eligibility instance
 * (`roleEligibilityScheduleInstances`), with principal and roleDefinition expanded. Both
 * carry these fields; `memberType` (Direct, Group, Inherited) only the PIM instances.
 */
export interface GraphRoleAssignment {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId?: string | null;
  memberType?: string | null;
  roleDefinition?: { id: string; displayName?: string | null } | null;
  principal?: GraphDirectoryObject | null;
}

/**
 * Whether a directory role is held (active: usable now) or only eligible (PIM: the holder
 * can activate it, usually for a few hours, whenever they choose). Both are access.
 */
export type RoleAssignmentKind = 'active' | 'eligible';

/**
 * The scope marker of an eligible (PIM) directory role. It is the first segment of the
 * grant's scope (`eligible`, `eligible;/administrativeUnits/...`, `eligible;group:Admins`):
 * the role name stays the one policies know, the grant id differs from the active
 * assignment of the same role (two grants), and reviewers read it wherever a scope shows.
 */
export const ELIGIBLE_SCOPE = 'eligible';

/**
 * A group that holds a role. Only its DIRECT members hold it (see groupMembersPath in the
 * grants reader). The group's name goes into the scope so a direct and a group-derived
 * assignment stay distinct grants.
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
 * What one direct member of a holding group turns into: a grant, nothing (with the reason,
 * for the log), or a problem to report.
 */
export type MemberOutcome = { grant: GrantRecord } | { none: string } | { problem: string };

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

/**
 * A directory (Entra) role assignment, active or eligible (PIM), with its principal and role
 * definition expanded. Eligible ones carry the `eligible` scope marker; a PIM instance that
 * reaches a user through a group (memberType Group) says so with `via-group`, since Graph
 * does not name the group on it.
 */
export function mapDirectoryRoleAssignment(a: GraphRoleAssignment, kind: RoleAssignmentKind = 'active'): AssignmentOutcome {
  const role = a.roleDefinition?.displayName || a.roleDefinitionId;
  const directoryScope = !a.directoryScopeId || a.directoryScopeId === '/' ? '' : a.directoryScopeId;
  const scope = joinScope(kind === 'eligible' ? ELIGIBLE_SCOPE : '', directoryScope);
  const what = kind === 'eligible' ? 'eligible role' : 'role assignment';
  const p = a.principal;
  if (!p) return { problem: `${what} ${a.id} (${role}): Graph returned no principal for ${a.principalId} (deleted object?)` };
  const name = p.displayName ?? p.userPrincipalName ?? null;
  const type = p['@odata.type'];
  const viaGroup = a.memberType === 'Group' && type !== GROUP_TYPE ? 'via-group' : '';
  switch (type) {
    case USER_TYPE:
      return { grant: grant(p.id, role, joinScope(scope, viaGroup), p.id, name, 'human', p.accountEnabled === false ? 'disabled' : 'active') };
    case SERVICE_PRINCIPAL_TYPE:
      return { grant: grant(p.id, role, joinScope(scope, viaGroup), null, name, 'service', p.accountEnabled === false ? 'disabled' : 'active') };
    case GROUP_TYPE:
      return { group: { id: p.id, name: name ?? p.id, role, scope } };
    default:
      return { problem: `${what} ${a.id} (${role}): principal type "${type ?? 'unknown'}" of ${p.id} is not understood` };
  }
}

/**
 * One direct member of a group that holds an APP role. Only users hold it: Entra gives an
 * app role assigned to a group to the group's direct member users ("All direct members of
 * the group will be considered assigned", group-post-approleassignments; "only users in the
 * group have access. The assignment doesn't cascade to nested groups", assign-user-or-group-
 * access-portal). A nested group, and so every member of it, holds nothing through it.
 */
export function mapAppRoleGroupMember(member: GraphDirectoryObject, group: PendingGroup): MemberOutcome {
  if (member['@odata.type'] === USER_TYPE) return { grant: memberGrant(member, group, 'human', member.id) };
  if (member['@odata.type'] === GROUP_TYPE) {
    return { none: `nested group ${member.displayName ?? member.id} in ${group.name} gets nothing from ${group.role}: Entra does not cascade app role assignments to nested groups` };
  }
  return { none: `${member['@odata.type'] ?? 'unknown'} ${member.id} in ${group.name} gets nothing from ${group.role}: app roles assigned to a group reach its member users only` };
}

/**
 * One direct member of a role-assignable group that holds a DIRECTORY role: every member
 * gets the role (groups-concept: "creates consistent permissions for all members of the
 * group"), users and service principals alike. Role-assignable groups cannot contain
 * groups ("Group nesting isn't supported"), so a group listed here is not understood and
 * is reported rather than guessed at.
 */
export function mapDirectoryRoleGroupMember(member: GraphDirectoryObject, group: PendingGroup): MemberOutcome {
  switch (member['@odata.type']) {
    case USER_TYPE:
      return { grant: memberGrant(member, group, 'human', member.id) };
    case SERVICE_PRINCIPAL_TYPE:
      return { grant: memberGrant(member, group, 'service', null) };
    case GROUP_TYPE:
      return { problem: `group ${group.name} (${group.id}) holding ${group.role} lists group ${member.displayName ?? member.id} as a member, which role-assignable groups cannot have: its members were not read` };
    default:
      return { none: `${member['@odata.type'] ?? 'unknown'} ${member.id} in ${group.name} cannot use ${group.role}` };
  }
}

function memberGrant(member: GraphDirectoryObject, group: PendingGroup, accountType: GrantRecord['accountType'], identityRef: string | null): GrantRecord {
  const scope = joinScope(group.scope, `group:${group.name}`);
  return grant(member.id, group.role, scope, identityRef, member.displayName ?? member.userPrincipalName ?? null, accountType, member.accountEnabled === false ? 'disabled' : 'active');
}

/** Scope segments joined with ';', empty ones left out. */
function joinScope(...segments: string[]): string {
  return segments.filter((s) => s !== '').join(';');
}

const USER_TYPE = '#microsoft.graph.user';
const GROUP_TYPE = '#microsoft.graph.group';
const SERVICE_PRINCIPAL_TYPE = '#microsoft.graph.servicePrincipal';

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
