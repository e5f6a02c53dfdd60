/**
 * read: identities — the tenant's users, one Graph page per connector page (memory stays
 * bounded by a page), each page's group memberships fetched through `$batch`.
 */
import { ConnectorError } from '../connector.js';
import type { ConnectorContext, IdentityRecord, Page } from '../connector.js';
import { ADVANCED_QUERY, GraphCallError, batchAnswerError, firstNonEmptyPage } from './entra-id-graph.js';
import type { BatchAnswer, GraphApi, GraphPage } from './entra-id-graph.js';
import { NEEDS, isSignInActivityUnavailable, toConnectorError } from './entra-id-errors.js';
import type { GraphNeed } from './entra-id-errors.js';
import { mapUser } from './entra-id-mappers.js';
import type { GraphUser } from './entra-id-mappers.js';
import { decodePageToken, encodePageToken, identityCursor } from './entra-id-page-token.js';

export interface IdentitiesReaderSettings {
  groups: boolean;
  signInActivity: 'auto' | 'on' | 'off';
}

const USER_FIELDS = ['id', 'displayName', 'userPrincipalName', 'mail', 'department', 'jobTitle', 'accountEnabled', 'employeeType', 'employeeLeaveDateTime', 'userType'];

/**
 * `$top` is 999 at most, and 500 at most once signInActivity is selected (Graph's list-users
 * documentation). `accountEnabled` and `employee*` come back only when selected.
 */
export function usersPath(withSignIn: boolean): string {
  const select = withSignIn ? [...USER_FIELDS, 'signInActivity'] : USER_FIELDS;
  return `/users?$select=${select.join(',')}&$expand=manager($select=id,userPrincipalName)&$top=${withSignIn ? 500 : 999}`;
}

/**
 * Why per-user `$batch` and not "list groups, then their transitive members": the batch
 * costs ceil(users / 20) requests per page of users whatever the number of groups, keeps
 * each connector page self-contained, and transitiveMemberOf already flattens nesting. The
 * group-first way is cheaper only in tenants with few groups, and would need a tenant-wide
 * user -> groups map in memory before the first page could be returned.
 */
export function userGroupsPath(userId: string): string {
  return `/users/${encodeURIComponent(userId)}/transitiveMemberOf/microsoft.graph.group?$select=id,displayName&$top=999&$count=true`;
}

interface GraphGroupRef {
  id: string;
  displayName?: string | null;
}

export class EntraIdentitiesReader {
  /** Set once Graph has refused signInActivity (mode auto): later runs skip the attempt. */
  private signInUnavailable = false;

  constructor(
    private readonly client: GraphApi,
    private readonly settings: IdentitiesReaderSettings,
  ) {}

  async page(token: string | null, ctx: ConnectorContext): Promise<Page<IdentityRecord>> {
    const page = token === null ? await this.firstPage(ctx) : await this.usersPage(decodePageToken(token, identityCursor).link, ctx);
    const memberships = this.settings.groups ? await this.groupsOf(page.value, ctx) : { byUser: new Map<string, string[]>(), problems: [] };
    const now = ctx.now();
    return {
      items: page.value.map((u) => mapUser(u, memberships.byUser.get(u.id) ?? [], now)),
      nextToken: page.nextLink === null ? null : encodePageToken({ phase: 'users', link: page.nextLink }),
      ...(memberships.problems.length > 0 ? { problems: memberships.problems } : {}),
    };
  }

  /**
   * The first page decides whether sign-in activity is read: `on` always (a refusal is an
   * error), `off` never, `auto` tries and on a refusal (permission or licence) warns once
   * and reads without it. Later pages follow Graph's links, which keep the same $select.
   */
  private async firstPage(ctx: ConnectorContext): Promise<GraphPage<GraphUser>> {
    const mode = this.settings.signInActivity;
    if (mode === 'off' || (mode === 'auto' && this.signInUnavailable)) return this.usersPage(usersPath(false), ctx);
    try {
      return await this.fetchUsers(usersPath(true), ctx);
    } catch (err) {
      if (mode === 'auto' && isSignInActivityUnavailable(err)) {
        this.signInUnavailable = true;
        const reason = err instanceof GraphCallError ? `${err.status} ${err.code ?? ''}`.trim() : 'refused';
        ctx.log.warn('entra-id: sign-in activity unavailable (needs AuditLog.Read.All and Entra ID P1); reading users without last sign-in', { systemId: ctx.systemId, reason });
        return this.usersPage(usersPath(false), ctx);
      }
      throw toConnectorError(err, NEEDS.usersWithSignIn);
    }
  }

  private async usersPage(link: string, ctx: ConnectorContext): Promise<GraphPage<GraphUser>> {
    const need: GraphNeed = link.includes('signInActivity') ? NEEDS.usersWithSignIn : NEEDS.users;
    try {
      return await this.fetchUsers(link, ctx);
    } catch (err) {
      throw toConnectorError(err, need);
    }
  }

  private fetchUsers(link: string, ctx: ConnectorContext): Promise<GraphPage<GraphUser>> {
    return firstNonEmptyPage(this.client.pages<GraphUser>(link, { signal: ctx.signal }));
  }

  /** Group display names per user id; users Graph could not answer for become problems. */
  private async groupsOf(users: readonly GraphUser[], ctx: ConnectorContext): Promise<{ byUser: Map<string, string[]>; problems: string[] }> {
    const byUser = new Map<string, string[]>();
    const problems: string[] = [];
    if (users.length === 0) return { byUser, problems };
    let answers: Map<string, BatchAnswer>;
    try {
      answers = await this.client.batchGet(
        users.map((u) => ({ id: u.id, url: userGroupsPath(u.id), headers: ADVANCED_QUERY })),
        ctx.signal,
      );
    } catch (err) {
      throw toConnectorError(err, NEEDS.userGroups);
    }
    for (const user of users) {
      const label = user.userPrincipalName ?? user.id;
      const answer = answers.get(user.id);
      if (answer === undefined) {
        problems.push(`groups of ${label}: no answer from Graph`);
      } else if (answer.status === 200) {
        byUser.set(user.id, await this.groupNames(answer.body as { value?: GraphGroupRef[]; '@odata.nextLink'?: string }, ctx));
      } else if (answer.status === 404) {
        // Deleted between the users page and the batch: it has no groups any more.
        byUser.set(user.id, []);
      } else {
        const err = batchAnswerError(answer);
        if (err.status === 401 || err.status === 403) throw toConnectorError(err, NEEDS.userGroups);
        problems.push(`groups of ${label}: Graph answered ${err.status}${err.code ? ` ${err.code}` : ''}: ${err.message}`);
      }
    }
    return { byUser, problems };
  }

  private async groupNames(body: { value?: GraphGroupRef[]; '@odata.nextLink'?: string }, ctx: ConnectorContext): Promise<string[]> {
    const groups = [...(body.value ?? [])];
    const link = body['@odata.nextLink'];
    if (link) {
      try {
        for await (const g of this.client.items<GraphGroupRef>(link, { headers: ADVANCED_QUERY, signal: ctx.signal })) groups.push(g);
      } catch (err) {
        throw toConnectorError(err, NEEDS.userGroups);
      }
    }
    return groups.map((g) => {
      // Graph returns objects the app may not read with their id only ("limited information").
      if (!g.displayName) throw new ConnectorError(`Graph returned group ${g.id} without its name: grant the app registration the ${NEEDS.userGroups.permission} application permission, with admin consent`, { status: 403 });
      return g.displayName;
    });
  }
}
