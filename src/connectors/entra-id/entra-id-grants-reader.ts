/**
 * read: app-roles and read: directory-roles — role assignments, with assignments to groups
 * expanded into one grant per (transitive) member user. Each connector page is one Graph
 * page of assignments or of one group's members; see GrantCursor for the two phases.
 */
import { ConnectorError } from '../connector.js';
import type { ConnectorContext, GrantRecord, Page } from '../connector.js';
import { ADVANCED_QUERY, GraphCallError, firstNonEmptyPage } from './entra-id-client.js';
import type { EntraIdClient, GraphPage } from './entra-id-client.js';
import { NEEDS, toConnectorError } from './entra-id-errors.js';
import type { GraphNeed } from './entra-id-errors.js';
import { appRoleNames, mapAppRoleAssignment, mapDirectoryRoleAssignment, mapGroupMemberGrant } from './entra-id-mappers.js';
import type { AssignmentOutcome, GraphAppRoleAssignment, GraphDirectoryObject, GraphRoleAssignment, GraphServicePrincipal, PendingGroup } from './entra-id-mappers.js';
import { decodePageToken, encodePageToken, grantCursor } from './entra-id-page-token.js';
import type { GrantCursor } from './entra-id-page-token.js';

/** Where assignments come from and how one is understood. */
export interface AssignmentSource {
  firstLink: string;
  need: GraphNeed;
  /** The mapping for one assignment (may first load what it needs, e.g. the app's roles). */
  mapper(client: EntraIdClient, ctx: ConnectorContext): Promise<(assignment: unknown) => AssignmentOutcome>;
}

/** Member users of a group, nested groups flattened. */
export function groupMembersPath(groupId: string): string {
  return `/groups/${encodeURIComponent(groupId)}/transitiveMembers/microsoft.graph.user?$select=id,displayName,userPrincipalName,accountEnabled&$top=999&$count=true`;
}

/** App role assignments of one enterprise app; its role names are read once per reader. */
export function appRoleAssignmentsSource(servicePrincipalId: string): AssignmentSource {
  const sp = encodeURIComponent(servicePrincipalId);
  let names: Map<string, string> | null = null;
  return {
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
  };
}

/** Active directory (Entra) role assignments, tenant-wide or scoped to administrative units. */
export function directoryRoleAssignmentsSource(): AssignmentSource {
  return {
    firstLink: '/roleManagement/directory/roleAssignments?$expand=principal,roleDefinition',
    need: NEEDS.directoryRoles,
    mapper: async () => (a) => mapDirectoryRoleAssignment(a as GraphRoleAssignment),
  };
}

interface Step {
  items: GrantRecord[];
  problems: string[];
  next: GrantCursor | null;
}

export class EntraGrantsReader {
  constructor(
    private readonly client: EntraIdClient,
    private readonly source: AssignmentSource,
  ) {}

  /** One non-empty page of grants (or the last one); steps over pages that yield nothing. */
  async page(token: string | null, ctx: ConnectorContext): Promise<Page<GrantRecord>> {
    let cursor: GrantCursor = token === null ? { phase: 'assignments', link: this.source.firstLink } : decodePageToken(token, grantCursor);
    for (;;) {
      const step = cursor.phase === 'assignments' ? await this.assignments(cursor.link, ctx) : await this.members(cursor, ctx);
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

  private async assignments(link: string, ctx: ConnectorContext): Promise<Step> {
    const map = await this.source.mapper(this.client, ctx);
    const page = await this.read<unknown>(link, {}, this.source.need, ctx);
    const items: GrantRecord[] = [];
    const groups: PendingGroup[] = [];
    const problems: string[] = [];
    for (const assignment of page.value) {
      const outcome = map(assignment);
      if ('grant' in outcome) items.push(outcome.grant);
      else if ('group' in outcome) groups.push(outcome.group);
      else problems.push(outcome.problem);
    }
    const next: GrantCursor | null =
      groups.length > 0
        ? { phase: 'members', groups, link: null, next: page.nextLink }
        : page.nextLink === null
          ? null
          : { phase: 'assignments', link: page.nextLink };
    return { items, problems, next };
  }

  private async members(cursor: Extract<GrantCursor, { phase: 'members' }>, ctx: ConnectorContext): Promise<Step> {
    const [group, ...queued] = cursor.groups as [PendingGroup, ...PendingGroup[]];
    const problems: string[] = [];
    let page: GraphPage<GraphDirectoryObject>;
    try {
      page = await this.read<GraphDirectoryObject>(cursor.link ?? groupMembersPath(group.id), ADVANCED_QUERY, NEEDS.groupMembers, ctx);
    } catch (err) {
      if (!(err instanceof ConnectorError && err.status === 404)) throw err;
      // Deleted since the assignment was listed: its members cannot be told, so say so.
      problems.push(`group ${group.name} (${group.id}) holding ${group.role} could not be expanded: it no longer exists`);
      page = { value: [], nextLink: null };
    }
    const items = page.value.map((member) => mapGroupMemberGrant(member, group));
    const next: GrantCursor | null =
      page.nextLink !== null
        ? { ...cursor, link: page.nextLink }
        : queued.length > 0
          ? { phase: 'members', groups: queued, link: null, next: cursor.next }
          : cursor.next === null
            ? null
            : { phase: 'assignments', link: cursor.next };
    return { items, problems, next };
  }

  private async read<T>(link: string, headers: Record<string, string>, need: GraphNeed, ctx: ConnectorContext): Promise<GraphPage<T>> {
    try {
      return await firstNonEmptyPage(this.client.pages<T>(link, { headers, signal: ctx.signal }));
    } catch (err) {
      throw toConnectorError(err, need);
    }
  }
}
