/**
 * read: app-roles and read: directory-roles — role assignments, with assignments to groups
 * expanded into one grant per direct member that holds the role. Each connector page is one
 * Graph page of assignments or of one group's members; see GrantCursor for the two phases.
 */
import { ConnectorError } from '../connector.js';
import type { ConnectorContext, GrantRecord, Page } from '../connector.js';
import { GraphCallError, firstNonEmptyPage } from './entra-id-graph.js';
import type { GraphApi, GraphPage } from './entra-id-graph.js';
import { NEEDS, toConnectorError } from './entra-id-errors.js';
import type { GraphNeed } from './entra-id-errors.js';
import { appRoleNames, mapAppRoleAssignment, mapAppRoleGroupMember, mapDirectoryRoleAssignment, mapDirectoryRoleGroupMember } from './entra-id-mappers.js';
import type { AssignmentOutcome, GraphAppRoleAssignment, GraphDirectoryObject, GraphRoleAssignment, GraphServicePrincipal, MemberOutcome, PendingGroup } from './entra-id-mappers.js';
import { decodePageToken, encodePageToken, grantCursor } from './entra-id-page-token.js';
import type { CollectionLink, GrantCursor } from './entra-id-page-token.js';

/** One Graph collection of assignments and how one of them is understood. */
export interface AssignmentCollection {
  firstLink: string;
  need: GraphNeed;
  /** The mapping for one assignment (may first load what it needs, e.g. the app's roles). */
  mapper(client: GraphApi, ctx: ConnectorContext): Promise<(assignment: unknown) => AssignmentOutcome>;
  /**
   * A refusal that means "this collection cannot be read in this tenant" (e.g. no licence):
   * the problem to report instead of failing the run; null for any other error.
   */
  unavailable?(err: unknown): string | null;
}

/** Where assignments come from (read in order) and who in a holding group holds the role. */
export interface AssignmentSource {
  collections: readonly [AssignmentCollection, ...AssignmentCollection[]];
  /** What one direct member of a group holding a role turns into. */
  member(member: GraphDirectoryObject, group: PendingGroup): MemberOutcome;
}

/**
 * The DIRECT members of a group that holds a role, not its transitive members: an app role
 * assigned to a group reaches its direct member users only (Entra does not cascade it to
 * nested groups), and a role-assignable group holding a directory role cannot contain
 * groups, so its direct members are all its members. Members come with their @odata.type.
 */
export function groupMembersPath(groupId: string): string {
  return `/groups/${encodeURIComponent(groupId)}/members?$select=id,displayName,userPrincipalName,accountEnabled&$top=999`;
}

/** App role assignments of one enterprise app; its role names are read once per reader. */
export function appRoleAssignmentsSource(servicePrincipalId: string): AssignmentSource {
  const sp = encodeURIComponent(servicePrincipalId);
  let names: Map<string, string> | null = null;
  return {
    collections: [
      {
        firstLink: `/servicePrincipals/${sp}/appRoleAssignedTo?$top=999`,
        need: NEEDS.servicePrincipal,
        async mapper(client, ctx) {
          if (names === null) {
            try {
              names = appRoleNames(await client.get<GraphServicePrincipal>(`/servicePrincipals/${sp}?$select=id,appDisplayName,appRoles`, { signal: ctx.signal }));
            } catch (err) {
              if (err instanceof GraphCallError && err.status === 404) {
                throw new ConnectorError(`service principal ${servicePrincipalId} not found: servicePrincipalId is the object id of the enterprise app (not its application/client id)`, { status: 404, cause: err });
              }
              throw toConnectorError(err, NEEDS.servicePrincipal);
            }
          }
          const roleNames = names;
          return (a) => mapAppRoleAssignment(a as GraphAppRoleAssignment, roleNames);
        },
      },
    ],
    member: mapAppRoleGroupMember,
  };
}

/**
 * Directory (Entra) roles, tenant-wide or scoped to administrative units: the active
 * assignments, then (unless `eligible` is false) the PIM eligible ones, which are access
 * too: their holder can activate them at will.
 */
export function directoryRoleAssignmentsSource(options: { eligible: boolean } = { eligible: true }): AssignmentSource {
  const active: AssignmentCollection = {
    firstLink: '/roleManagement/directory/roleAssignments?$expand=principal,roleDefinition',
    need: NEEDS.directoryRoles,
    mapper: async () => (a) => mapDirectoryRoleAssignment(a as GraphRoleAssignment, 'active'),
  };
  const eligible: AssignmentCollection = {
    // learn.microsoft.com/graph/api/rbacapplication-list-roleeligibilityscheduleinstances:
    // supports $select, $filter and $expand (principal, roleDefinition are relationships).
    firstLink: '/roleManagement/directory/roleEligibilityScheduleInstances?$expand=principal,roleDefinition',
    need: NEEDS.eligibleDirectoryRoles,
    mapper: async () => (a) => mapDirectoryRoleAssignment(a as GraphRoleAssignment, 'eligible'),
    unavailable: pimUnavailable,
  };
  return { collections: options.eligible ? [active, eligible] : [active], member: mapDirectoryRoleGroupMember };
}

/**
 * Graph refuses PIM reads in a tenant without Entra ID P2 / ID Governance with 400
 * AadPremiumLicenseRequired ("The tenant needs to have Microsoft Entra ID P2 or Microsoft
 * Entra ID Governance license."). The eligible roles are then unknown, not absent (a lapsed
 * licence does not prove there are none), so this is a problem of the pull: the snapshot is
 * partial and never reads as "no eligible admins". A tenant that has no PIM sets
 * `eligibleRoles: false` and the connector does not ask.
 */
function pimUnavailable(err: unknown): string | null {
  if (!(err instanceof GraphCallError) || err.status !== 400 || err.code !== 'AadPremiumLicenseRequired') return null;
  return `eligible (PIM) directory roles could not be read: Graph answered ${err.status} ${err.code}: ${err.message} If this tenant has no PIM, set eligibleRoles: false for this system.`;
}

interface Step {
  items: GrantRecord[];
  problems: string[];
  next: GrantCursor | null;
}

export class EntraGrantsReader {
  constructor(
    private readonly client: GraphApi,
    private readonly source: AssignmentSource,
  ) {}

  /** One non-empty page of grants (or the last one); steps over pages that yield nothing. */
  async page(token: string | null, ctx: ConnectorContext): Promise<Page<GrantRecord>> {
    let cursor: GrantCursor = token === null ? { phase: 'assignments', collection: 0, link: this.source.collections[0].firstLink } : decodePageToken(token, grantCursor);
    for (;;) {
      const step = cursor.phase === 'assignments' ? await this.assignments(cursor, ctx) : await this.members(cursor, ctx);
      if (step.items.length > 0 || step.problems.length > 0 || step.next === null) {
        return {
          items: step.items,
          nextToken: step.next === null ? null : encodePageToken(step.next),
          ...(step.problems.length > 0 ? { problems: step.problems } : {}),
        };
      }
      cursor = step.next;
    }
  }

  private async assignments(cursor: Extract<GrantCursor, { phase: 'assignments' }>, ctx: ConnectorContext): Promise<Step> {
    const collection = this.collection(cursor.collection);
    const map = await collection.mapper(this.client, ctx);
    let page: GraphPage<unknown>;
    try {
      page = await firstNonEmptyPage(this.client.pages<unknown>(cursor.link, { signal: ctx.signal }));
    } catch (err) {
      const problem = collection.unavailable?.(err) ?? null;
      if (problem === null) throw toConnectorError(err, collection.need);
      return { items: [], problems: [problem], next: this.resume(this.after(cursor.collection)) };
    }
    const items: GrantRecord[] = [];
    const groups: PendingGroup[] = [];
    const problems: string[] = [];
    for (const assignment of page.value) {
      const outcome = map(assignment);
      if ('grant' in outcome) items.push(outcome.grant);
      else if ('group' in outcome) groups.push(outcome.group);
      else problems.push(outcome.problem);
    }
    const next: CollectionLink | null = page.nextLink !== null ? { collection: cursor.collection, link: page.nextLink } : this.after(cursor.collection);
    return { items, problems, next: groups.length > 0 ? { phase: 'members', groups, link: null, next } : this.resume(next) };
  }

  private async members(cursor: Extract<GrantCursor, { phase: 'members' }>, ctx: ConnectorContext): Promise<Step> {
    const [group, ...queued] = cursor.groups as [PendingGroup, ...PendingGroup[]];
    const problems: string[] = [];
    let page: GraphPage<GraphDirectoryObject>;
    try {
      page = await firstNonEmptyPage(this.client.pages<GraphDirectoryObject>(cursor.link ?? groupMembersPath(group.id), { signal: ctx.signal }));
    } catch (err) {
      if (!(err instanceof GraphCallError && err.status === 404)) throw toConnectorError(err, NEEDS.groupMembers);
      // Deleted since the assignment was listed: its members cannot be told, so say so.
      problems.push(`group ${group.name} (${group.id}) holding ${group.role} could not be expanded: it no longer exists`);
      page = { value: [], nextLink: null };
    }
    const items: GrantRecord[] = [];
    for (const member of page.value) {
      const outcome = this.source.member(member, group);
      if ('grant' in outcome) items.push(outcome.grant);
      else if ('problem' in outcome) problems.push(outcome.problem);
      else ctx.log.info(`entra-id: ${outcome.none}`, { systemId: ctx.systemId, groupId: group.id });
    }
    const next: GrantCursor | null =
      page.nextLink !== null
        ? { ...cursor, link: page.nextLink }
        : queued.length > 0
          ? { phase: 'members', groups: queued, link: null, next: cursor.next }
          : this.resume(cursor.next);
    return { items, problems, next };
  }

  private collection(index: number): AssignmentCollection {
    const collection = this.source.collections[index];
    if (!collection) throw new ConnectorError('entra-id: page token not understood (not issued by this connector type?)');
    return collection;
  }

  /** The first page of the collection after `index`, or null after the last. */
  private after(index: number): CollectionLink | null {
    const following = this.source.collections[index + 1];
    return following ? { collection: index + 1, link: following.firstLink } : null;
  }

  private resume(link: CollectionLink | null): GrantCursor | null {
    return link === null ? null : { phase: 'assignments', ...link };
  }
}
