/**
 * A fake of the far side of the entra-id connector: the Microsoft identity platform's token
 * endpoint (with OpenID metadata) and Microsoft Graph v1.0, on a local node:http server.
 *
 * It behaves like the documented services where the connector depends on it: client
 * credentials (client secret, or a PS256 client assertion verified against the certificate's
 * public key and SHA-256 thumbprint), bearer tokens it issued, application permissions
 * (403 Authorization_RequestDenied without them, "limited information" group objects without
 * GroupMember.Read.All), `$select` projection, `$top` limits, server-driven paging with
 * absolute `@odata.nextLink`s (optionally with an empty page that still has a link),
 * advanced-query rules for OData casts on membership lists, `$batch` (at most 20, answers in
 * any order), and injected throttling (429/503 with Retry-After) on requests or sub-requests.
 *
 * Group membership follows Graph: `/groups/{id}/members` lists DIRECT members only, each with
 * its `@odata.type` (learn.microsoft.com/graph/api/group-list-members: "This operation is not
 * transitive"; service principals are not listed there in v1.0, a documented known issue),
 * while `/groups/{id}/transitiveMembers` and `/users/{id}/transitiveMemberOf` flatten nesting.
 * PIM: `/roleManagement/directory/roleEligibilityScheduleInstances` answers as documented
 * (learn.microsoft.com/graph/api/rbacapplication-list-roleeligibilityscheduleinstances:
 * `$select`, `$filter`, `$expand` of principal/roleDefinition, server-driven paging), and a
 * tenant without Entra ID P2 / ID Governance gets the 400 `AadPremiumLicenseRequired` Graph
 * sends in that case.
 *
 * Writes for auto remediation, as documented: `DELETE /servicePrincipals/{id}/appRoleAssignedTo/{assignmentId}`
 * (learn.microsoft.com/graph/api/serviceprincipal-delete-approleassignedto: application
 * permission AppRoleAssignment.ReadWrite.All) and `DELETE /roleManagement/directory/roleAssignments/{id}`
 * (learn.microsoft.com/graph/api/unifiedroleassignment-delete: RoleManagement.ReadWrite.Directory)
 * answer 204 No Content and remove the object; 404 Request_ResourceNotFound when it does not
 * exist (any more); 403 Authorization_RequestDenied without the write permission; and the
 * injected faults (429 with Retry-After) apply to them like to any request. The list of role
 * assignments takes `$filter=principalId eq '{id}'` (unifiedroleassignment list: `$filter`
 * on principalId), and so does the list of eligibility instances.
 * PIM eligibilities are removed by `POST /roleManagement/directory/roleEligibilityScheduleRequests`
 * with `action: adminRemove` (learn.microsoft.com/graph/api/rbacapplication-post-roleeligibilityschedulerequests):
 * application permission RoleEligibilitySchedule.ReadWrite.Directory (or the higher
 * RoleManagement.ReadWrite.Directory), else 403; principalId, roleDefinitionId and
 * directoryScopeId (or appScopeId) required, else 400; 201 Created with the request
 * (`status: Revoked`) and the direct eligibility gone; 400 `RoleAssignmentDoesNotExist` ("The
 * Role assignment does not exist.", the code Graph's PIM APIs document for a removal or update of
 * an assignment that is not there) when the principal has no direct eligibility of that role
 * at that scope. Only adminRemove is implemented.
 *
 * The SDKs keep their https base URLs: `fake.fetch` routes requests for the Graph and
 * authority hosts to this server, and refuses any other host.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { constants, verify } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { KeyObject } from 'node:crypto';

export const ALL_PERMISSIONS = ['User.Read.All', 'GroupMember.Read.All', 'Application.Read.All', 'RoleManagement.Read.Directory', 'AuditLog.Read.All'] as const;
/** The application permissions auto remediation needs on top of the read ones. */
export const WRITE_PERMISSIONS = ['AppRoleAssignment.ReadWrite.All', 'RoleManagement.ReadWrite.Directory', 'RoleEligibilitySchedule.ReadWrite.Directory'] as const;

export interface FakeUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail?: string | null;
  department?: string | null;
  jobTitle?: string | null;
  accountEnabled: boolean;
  employeeType?: string | null;
  employeeLeaveDateTime?: string | null;
  userType?: 'Member' | 'Guest';
  managerId?: string;
  signInActivity?: { lastSignInDateTime?: string | null; lastNonInteractiveSignInDateTime?: string | null; lastSuccessfulSignInDateTime?: string | null };
}

export interface FakeGroup {
  id: string;
  displayName: string;
  /** Ids of DIRECT members: users, groups (nesting) and service principals. */
  members: string[];
}

export interface FakeServicePrincipal {
  id: string;
  appDisplayName: string;
  accountEnabled?: boolean;
  appRoles: { id: string; value: string | null; displayName: string }[];
  /** appRoleAssignedTo: who holds which of this app's roles. */
  assignments: { id: string; appRoleId: string; principalId: string; principalType: 'User' | 'Group' | 'ServicePrincipal'; principalDisplayName: string }[];
}

export interface FakeRoleAssignment {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
}

/** A PIM eligible directory role (one unifiedRoleEligibilityScheduleInstance). */
export interface FakeRoleEligibility {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  /** Direct, Group or Inherited (Graph's memberType). Default Direct. */
  memberType?: 'Direct' | 'Group' | 'Inherited';
  startDateTime?: string;
  endDateTime?: string | null;
}

export interface FakeFault {
  status: number;
  /** Retry-After header value (seconds); keep it small so tests stay fast. */
  retryAfter?: string;
  code?: string;
  message?: string;
}

export interface FakeRequest {
  method: string;
  /** Path below /v1.0 for Graph, full path for the authority. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  /** Set for sub-requests of a $batch. */
  inBatch: boolean;
  /** The JSON body of a POST (other than $batch), parsed. */
  body?: unknown;
}

export interface FakeGraphOptions {
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  certificate?: { publicKey: KeyObject; thumbprintSha256: string };
  authorityHost?: string;
  graphHost?: string;
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

interface Fault {
  match: (req: FakeRequest) => boolean;
  fault: FakeFault;
  remaining: number;
}

const USER_TYPE = '#microsoft.graph.user';
const GROUP_TYPE = '#microsoft.graph.group';
const SP_TYPE = '#microsoft.graph.servicePrincipal';

export class FakeGraph {
  users: FakeUser[] = [];
  groups: FakeGroup[] = [];
  servicePrincipals: FakeServicePrincipal[] = [];
  roleDefinitions: { id: string; displayName: string }[] = [];
  roleAssignments: FakeRoleAssignment[] = [];
  /** PIM eligible directory roles. */
  roleEligibilities: FakeRoleEligibility[] = [];
  /** adminRemove requests carried out (their ids). */
  private eligibilityRequests = 0;
  /** Entra ID P2 or ID Governance (needed for PIM: eligible roles). */
  pimLicensed = true;
  /** Application permissions consented for the app. */
  permissions = new Set<string>(ALL_PERMISSIONS);
  /** Entra ID P1 (needed for signInActivity). */
  premium = true;
  /** The most objects the server puts on a page, whatever $top asks for. */
  pageSize = 999;
  /** Serve an empty page (with a nextLink) after the first page of every collection. */
  emptyPageAfterFirst = false;

  /** Every Graph request and $batch sub-request, in arrival order. */
  readonly requests: FakeRequest[] = [];
  /** Requests to the authority (method and path), in arrival order. */
  readonly authorityRequests: string[] = [];
  /** Token requests (client credentials) accepted. */
  tokensIssued = 0;
  /** Assertion header of the last certificate-based token request. */
  lastAssertionHeader: Record<string, unknown> | null = null;

  private readonly issued = new Set<string>();
  private readonly faults: Fault[] = [];
  private readonly subFaults: Fault[] = [];
  private readonly authorityHost: string;
  private readonly graphHost: string;
  private baseUrl = '';

  private constructor(
    private readonly server: Server,
    private readonly options: FakeGraphOptions,
  ) {
    this.authorityHost = options.authorityHost ?? 'https://login.microsoftonline.com';
    this.graphHost = options.graphHost ?? 'https://graph.microsoft.com';
  }

  static async start(options: FakeGraphOptions): Promise<FakeGraph> {
    const server = createServer();
    const fake = new FakeGraph(server, options);
    server.on('request', (req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return fake;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** A fetch that sends requests for the Graph and authority hosts here, and refuses others. */
  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    if (url.origin !== new URL(this.graphHost).origin && url.origin !== new URL(this.authorityHost).origin) {
      throw new TypeError(`fake-graph: refusing to send to ${url.origin}`);
    }
    if (typeof input !== 'string' && !(input instanceof URL)) throw new TypeError('fake-graph: Request objects are not supported');
    const headers = new Headers(init?.headers);
    headers.set('x-fake-origin', url.origin);
    return fetch(`${this.baseUrl}${url.pathname}${url.search}`, { ...init, headers });
  };

  /** The next `times` requests matching `match` are answered with `fault`. */
  fail(match: (req: FakeRequest) => boolean, fault: FakeFault, times = 1): void {
    this.faults.push({ match, fault, remaining: times });
  }

  /** The next `times` $batch sub-requests matching `match` are answered with `fault`. */
  failInBatch(match: (req: FakeRequest) => boolean, fault: FakeFault, times = 1): void {
    this.subFaults.push({ match, fault, remaining: times });
  }

  graphRequests(pathPrefix: string): FakeRequest[] {
    return this.requests.filter((r) => r.path.startsWith(pathPrefix));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const origin = String(req.headers['x-fake-origin'] ?? '');
    let answer: Answer;
    if (origin === new URL(this.authorityHost).origin) answer = this.authority(req.method ?? 'GET', url, body);
    else if (origin === new URL(this.graphHost).origin) answer = this.graphEntry(req, url, body);
    else answer = { status: 400, body: { error: 'unknown origin' } };
    if (answer.status === 204) {
      res.writeHead(204, answer.headers);
      res.end();
      return;
    }
    res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
    res.end(JSON.stringify(answer.body));
  }

  // ---- Microsoft identity platform -------------------------------------------------------

  private authority(method: string, url: URL, body: string): Answer {
    this.authorityRequests.push(`${method} ${url.pathname}`);
    const t = this.options.tenantId;
    const base = `${this.authorityHost}/${t}`;
    if (method === 'GET' && url.pathname === `/${t}/v2.0/.well-known/openid-configuration`) {
      return {
        status: 200,
        body: {
          token_endpoint: `${base}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${base}/oauth2/v2.0/logout`,
          issuer: `${base}/v2.0`,
          jwks_uri: `${base}/discovery/v2.0/keys`,
        },
      };
    }
    if (method === 'GET' && url.pathname === '/common/discovery/instance') {
      const host = new URL(this.authorityHost).host;
      return { status: 200, body: { tenant_discovery_endpoint: `${base}/v2.0/.well-known/openid-configuration`, 'api-version': '1.1', metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }] } };
    }
    if (method === 'POST' && url.pathname === `/${t}/oauth2/v2.0/token`) return this.token(new URLSearchParams(body), `${base}/oauth2/v2.0/token`);
    return { status: 404, body: { error: 'not_found', error_description: `fake authority: no ${method} ${url.pathname}` } };
  }

  private token(form: URLSearchParams, audience: string): Answer {
    const reject = (status: number, error: string, description: string): Answer => ({
      status,
      body: { error, error_description: description, error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)], timestamp: new Date().toISOString(), trace_id: 'fake', correlation_id: 'fake' },
    });
    if (form.get('grant_type') !== 'client_credentials') return reject(400, 'unsupported_grant_type', 'AADSTS70003: grant type not supported by the fake');
    if (form.get('client_id') !== this.options.clientId) return reject(400, 'unauthorized_client', `AADSTS700016: Application with identifier '${form.get('client_id')}' was not found in the directory.`);
    if (form.get('scope') !== `${this.graphHost}/.default`) return reject(400, 'invalid_scope', `AADSTS1002012: The provided value for scope ${form.get('scope')} is not valid.`);
    const assertion = form.get('client_assertion');
    if (assertion !== null) {
      const problem = this.checkAssertion(form.get('client_assertion_type'), assertion, audience);
      if (problem) return reject(401, 'invalid_client', `AADSTS700027: Client assertion failed signature validation: ${problem}.`);
    } else if (this.options.clientSecret === undefined || form.get('client_secret') !== this.options.clientSecret) {
      return reject(401, 'invalid_client', `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${this.options.clientId}'.`);
    }
    const accessToken = `fake-at-${++this.tokensIssued}-${Math.random().toString(36).slice(2)}`;
    this.issued.add(accessToken);
    return { status: 200, body: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken } };
  }

  /** Verifies a PS256 client assertion the way Entra does: thumbprint, claims, signature. */
  private checkAssertion(type: string | null, jwt: string, audience: string): string | null {
    const cert = this.options.certificate;
    if (!cert) return 'no certificate registered';
    if (type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return 'wrong client_assertion_type';
    const [h, p, s] = jwt.split('.');
    if (!h || !p || !s) return 'not a JWT';
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>;
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
    this.lastAssertionHeader = header;
    if (header.alg !== 'PS256') return `alg ${String(header.alg)}`;
    if (header['x5t#S256'] !== Buffer.from(cert.thumbprintSha256, 'hex').toString('base64url')) return 'unknown certificate thumbprint';
    if (payload.aud !== audience) return `aud ${String(payload.aud)}`;
    if (payload.iss !== this.options.clientId || payload.sub !== this.options.clientId) return 'iss/sub';
    if (typeof payload.exp !== 'number' || payload.exp * 1000 < Date.now()) return 'expired';
    const ok = verify('sha256', Buffer.from(`${h}.${p}`), { key: cert.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, Buffer.from(s, 'base64url'));
    return ok ? null : 'bad signature';
  }

  // ---- Microsoft Graph ----------------------------------------------------------------------

  private graphEntry(req: IncomingMessage, url: URL, body: string): Answer {
    if (!url.pathname.startsWith('/v1.0/')) return graphError(400, 'BadRequest', `Invalid version: ${url.pathname}`);
    const request: FakeRequest = { method: req.method ?? 'GET', path: url.pathname.slice('/v1.0'.length), query: url.searchParams, headers: flatHeaders(req), inBatch: false };
    this.requests.push(request);
    const auth = request.headers['authorization'] ?? '';
    if (!auth.startsWith('Bearer ') || !this.issued.has(auth.slice('Bearer '.length))) {
      return graphError(401, 'InvalidAuthenticationToken', auth ? 'Access token validation failure. Invalid audience.' : 'Access token is empty.');
    }
    const fault = takeFault(this.faults, request);
    if (fault) return faultAnswer(fault);
    if (request.method === 'POST' && request.path === '/$batch') return this.batch(body);
    if (request.method === 'POST' && request.path === '/roleManagement/directory/roleEligibilityScheduleRequests') return this.eligibilityRequest(request, body);
    return this.route(request, url);
  }

  private batch(body: string): Answer {
    const { requests } = JSON.parse(body) as { requests: { id: string; method: string; url: string; headers?: Record<string, string> }[] };
    if (requests.length > 20) return graphError(400, 'BadRequest', 'Number of requests exceeds the limit of 20.');
    const responses = requests.map((sub) => {
      const url = new URL(`https://fake/v1.0${sub.url}`);
      const headers = Object.fromEntries(Object.entries(sub.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
      const request: FakeRequest = { method: sub.method, path: url.pathname.slice('/v1.0'.length), query: url.searchParams, headers, inBatch: true };
      this.requests.push(request);
      const fault = takeFault(this.subFaults, request);
      const answer = fault ? faultAnswer(fault) : this.route(request, url);
      return { id: sub.id, status: answer.status, headers: { 'Content-Type': 'application/json', ...answer.headers }, body: answer.body };
    });
    // Graph does not promise the order of the answers.
    return { status: 200, body: { responses: responses.reverse() } };
  }

  private route(req: FakeRequest, url: URL): Answer {
    if (req.method === 'DELETE' && !req.inBatch) return this.deleteRoute(req);
    if (req.method !== 'GET') return graphError(405, 'Request_BadRequest', `${req.method} not supported by the fake`);
    const segments = req.path.split('/').filter(Boolean).map(decodeURIComponent);
    const [head, id, rel, cast] = segments;
    if (head === 'users' && segments.length === 1) return this.listUsers(req, url);
    if (head === 'users' && id && rel === 'transitiveMemberOf' && cast === 'microsoft.graph.group') return this.userGroups(req, url, id);
    if (head === 'servicePrincipals' && id && segments.length === 2) return this.servicePrincipal(req, id);
    if (head === 'servicePrincipals' && id && rel === 'appRoleAssignedTo') return this.appRoleAssignedTo(req, url, id);
    if (head === 'groups' && id && rel === 'transitiveMembers' && cast === 'microsoft.graph.user') return this.transitiveGroupMembers(req, url, id);
    if (head === 'groups' && id && rel === 'members' && (segments.length === 3 || (segments.length === 4 && cast === 'microsoft.graph.user'))) return this.directGroupMembers(req, url, id, cast ?? null);
    if (req.path === '/roleManagement/directory/roleAssignments') return this.roleAssignmentsList(req, url);
    if (req.path === '/roleManagement/directory/roleEligibilityScheduleInstances') return this.roleEligibilityInstances(req, url);
    return graphError(400, 'Request_BadRequest', `fake: unsupported ${req.path}`);
  }

  /** The two documented removals; anything else is not supported by the fake. */
  private deleteRoute(req: FakeRequest): Answer {
    const segments = req.path.split('/').filter(Boolean).map(decodeURIComponent);
    const [head, id, rel, assignmentId] = segments;
    if (head === 'servicePrincipals' && id && rel === 'appRoleAssignedTo' && assignmentId && segments.length === 4) {
      if (!this.permissions.has('AppRoleAssignment.ReadWrite.All')) return denied();
      const sp = this.servicePrincipals.find((s) => s.id === id);
      if (!sp) return notFound(id);
      const at = sp.assignments.findIndex((a) => a.id === assignmentId);
      if (at < 0) return notFound(assignmentId);
      sp.assignments.splice(at, 1);
      return { status: 204, body: null };
    }
    const roleAssignment = /^\/roleManagement\/directory\/roleAssignments\/([^/]+)$/.exec(req.path);
    if (roleAssignment) {
      if (!this.permissions.has('RoleManagement.ReadWrite.Directory')) return denied();
      const assignment = decodeURIComponent(roleAssignment[1] as string);
      const at = this.roleAssignments.findIndex((a) => a.id === assignment);
      if (at < 0) return notFound(assignment);
      this.roleAssignments.splice(at, 1);
      return { status: 204, body: null };
    }
    return graphError(405, 'Request_BadRequest', `DELETE ${req.path} not supported by the fake`);
  }

  private listUsers(req: FakeRequest, url: URL): Answer {
    if (!this.permissions.has('User.Read.All')) return denied();
    const select = csv(req.query.get('$select'));
    const withSignIn = select.includes('signInActivity');
    const top = Number(req.query.get('$top') ?? '100');
    if (top > (withSignIn ? 500 : 999)) return graphError(400, 'Request_UnsupportedQuery', `Invalid page size specified: '${top}'. Must be between 1 and ${withSignIn ? 500 : 999} inclusive.`);
    if (withSignIn && !this.permissions.has('AuditLog.Read.All')) return denied();
    if (withSignIn && !this.premium) return graphError(403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', "Neither tenant is B2C or tenant doesn't have premium license");
    const expandManager = (req.query.get('$expand') ?? '').startsWith('manager');
    const rows = this.users.map((u) => {
      const row: Record<string, unknown> = { id: u.id };
      for (const field of select) if (field !== 'id') row[field] = (u as unknown as Record<string, unknown>)[field] ?? null;
      const manager = u.managerId ? this.users.find((m) => m.id === u.managerId) : undefined;
      if (expandManager && manager) row.manager = { '@odata.type': USER_TYPE, id: manager.id, userPrincipalName: manager.userPrincipalName };
      return row;
    });
    return this.page(rows, req, url);
  }

  private userGroups(req: FakeRequest, url: URL, userId: string): Answer {
    if (!this.permissions.has('User.Read.All') && !this.permissions.has('GroupMember.Read.All')) return denied();
    if (!isAdvancedQuery(req)) return castNeedsAdvancedQuery();
    if (!this.users.some((u) => u.id === userId)) return notFound(userId);
    // Without a permission to read groups, Graph returns them with their id only.
    const canRead = this.permissions.has('GroupMember.Read.All');
    const rows = this.groups
      .filter((g) => this.memberUsersOf(g.id).has(userId))
      .map((g) => ({ '@odata.type': GROUP_TYPE, id: g.id, displayName: canRead ? g.displayName : null }));
    return this.page(rows, req, url);
  }

  private servicePrincipal(req: FakeRequest, id: string): Answer {
    if (!this.permissions.has('Application.Read.All')) return denied();
    const sp = this.servicePrincipals.find((s) => s.id === id);
    if (!sp) return notFound(id);
    return { status: 200, body: { '@odata.context': `${this.graphHost}/v1.0/$metadata#servicePrincipals(id,appDisplayName,appRoles)/$entity`, id: sp.id, appDisplayName: sp.appDisplayName, appRoles: sp.appRoles.map((r) => ({ ...r, isEnabled: true, allowedMemberTypes: ['User'] })) } };
  }

  private appRoleAssignedTo(req: FakeRequest, url: URL, id: string): Answer {
    if (!this.permissions.has('Application.Read.All')) return denied();
    const sp = this.servicePrincipals.find((s) => s.id === id);
    if (!sp) return notFound(id);
    const rows = sp.assignments.map((a) => ({ ...a, resourceId: sp.id, resourceDisplayName: sp.appDisplayName, createdDateTime: '2026-01-05T10:00:00Z', deletedDateTime: null }));
    return this.page(rows, req, url);
  }

  /** Member users through nested groups (Graph's transitiveMembers, cast to users). */
  private transitiveGroupMembers(req: FakeRequest, url: URL, groupId: string): Answer {
    if (!this.permissions.has('GroupMember.Read.All')) return denied();
    if (!isAdvancedQuery(req)) return castNeedsAdvancedQuery();
    if (!this.groups.some((g) => g.id === groupId)) return notFound(groupId);
    const ids = this.memberUsersOf(groupId);
    const rows = this.users.filter((u) => ids.has(u.id)).map((u) => this.userRow(u, csv(req.query.get('$select'))));
    return this.page(rows, req, url);
  }

  /**
   * Direct members of a group (`/groups/{id}/members`, or cast to users with
   * `/members/microsoft.graph.user`, an advanced query), each with its `@odata.type`; nested
   * groups are listed as groups, never flattened. `$top` 1..999, default page 100.
   * Service principals are left out: Graph v1.0 does not list them here (documented known
   * issue on the group-list-members page).
   */
  private directGroupMembers(req: FakeRequest, url: URL, groupId: string, cast: string | null): Answer {
    if (!this.permissions.has('GroupMember.Read.All')) return denied();
    if (cast !== null && !isAdvancedQuery(req)) return castNeedsAdvancedQuery();
    const top = Number(req.query.get('$top') ?? '100');
    if (!(top >= 1 && top <= 999)) return graphError(400, 'Request_UnsupportedQuery', `Invalid page size specified: '${top}'. Must be between 1 and 999 inclusive.`);
    const group = this.groups.find((g) => g.id === groupId);
    if (!group) return notFound(groupId);
    const select = csv(req.query.get('$select'));
    const rows: Record<string, unknown>[] = [];
    for (const memberId of group.members) {
      const user = this.users.find((u) => u.id === memberId);
      if (user) {
        rows.push(this.userRow(user, select));
        continue;
      }
      if (cast !== null) continue;
      const nested = this.groups.find((g) => g.id === memberId);
      if (nested) rows.push(project({ '@odata.type': GROUP_TYPE, id: nested.id, displayName: nested.displayName }, select));
    }
    return this.page(rows, req, url);
  }

  private userRow(u: FakeUser, select: string[]): Record<string, unknown> {
    const row: Record<string, unknown> = { '@odata.type': USER_TYPE, id: u.id };
    for (const field of select) if (field !== 'id') row[field] = (u as unknown as Record<string, unknown>)[field] ?? null;
    return row;
  }

  private roleAssignmentsList(req: FakeRequest, url: URL): Answer {
    if (!this.permissions.has('RoleManagement.Read.Directory')) return denied();
    const expand = csv(req.query.get('$expand'));
    const filter = req.query.get('$filter');
    const byPrincipal = filter === null ? null : /^principalId eq '([^']*)'$/.exec(filter.trim());
    if (filter !== null && !byPrincipal) return graphError(400, 'Request_UnsupportedQuery', `fake: unsupported $filter ${filter}`);
    const rows = this.roleAssignments.filter((a) => !byPrincipal || a.principalId === byPrincipal[1]).map((a) => {
      const row: Record<string, unknown> = { ...a, resourceScope: a.directoryScopeId };
      if (expand.includes('roleDefinition')) row.roleDefinition = this.roleDefinitions.find((d) => d.id === a.roleDefinitionId) ?? null;
      if (expand.includes('principal')) row.principal = this.directoryObject(a.principalId);
      return row;
    });
    return this.page(rows, req, url);
  }

  /**
   * PIM eligible directory roles. Permission: RoleEligibilitySchedule.Read.Directory or a
   * higher one (RoleManagement.Read.Directory); the tenant needs Entra ID P2 or ID Governance,
   * else Graph answers 400 AadPremiumLicenseRequired.
   */
  private roleEligibilityInstances(req: FakeRequest, url: URL): Answer {
    if (!this.permissions.has('RoleManagement.Read.Directory') && !this.permissions.has('RoleEligibilitySchedule.Read.Directory')) return denied();
    if (!this.pimLicensed) return graphError(400, 'AadPremiumLicenseRequired', 'The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.');
    const expand = csv(req.query.get('$expand'));
    const filter = req.query.get('$filter');
    const byPrincipal = filter === null ? null : /^principalId eq '([^']*)'$/.exec(filter.trim());
    if (filter !== null && !byPrincipal) return graphError(400, 'Request_UnsupportedQuery', `fake: unsupported $filter ${filter}`);
    const rows = this.roleEligibilities.filter((e) => !byPrincipal || e.principalId === byPrincipal[1]).map((e) => {
      const row: Record<string, unknown> = {
        id: e.id,
        principalId: e.principalId,
        roleDefinitionId: e.roleDefinitionId,
        directoryScopeId: e.directoryScopeId,
        appScopeId: null,
        startDateTime: e.startDateTime ?? '2026-01-05T10:00:00Z',
        endDateTime: e.endDateTime ?? null,
        memberType: e.memberType ?? 'Direct',
        roleEligibilityScheduleId: `schedule-${e.id}`,
      };
      if (expand.includes('roleDefinition')) row.roleDefinition = this.roleDefinitions.find((d) => d.id === e.roleDefinitionId) ?? null;
      if (expand.includes('principal')) row.principal = this.directoryObject(e.principalId);
      return row;
    });
    return this.page(rows, req, url);
  }

  /** A PIM eligibility request; only `adminRemove` (see the header). */
  private eligibilityRequest(req: FakeRequest, raw: string): Answer {
    if (!this.permissions.has('RoleEligibilitySchedule.ReadWrite.Directory') && !this.permissions.has('RoleManagement.ReadWrite.Directory')) return denied();
    if (!this.pimLicensed) return graphError(400, 'AadPremiumLicenseRequired', 'The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return graphError(400, 'BadRequest', 'Unable to read JSON request payload.');
    }
    req.body = body;
    const { action, principalId, roleDefinitionId, directoryScopeId, appScopeId } = body;
    if (action !== 'adminRemove') return graphError(400, 'BadRequest', `fake: action ${String(action)} not supported by the fake`);
    if (typeof principalId !== 'string' || typeof roleDefinitionId !== 'string') return graphError(400, 'BadRequest', 'principalId and roleDefinitionId are required.');
    if (typeof directoryScopeId !== 'string' && typeof appScopeId !== 'string') return graphError(400, 'BadRequest', 'Either directoryScopeId or appScopeId is required.');
    const scope = (s: string) => (s === '' ? '/' : s);
    const at = this.roleEligibilities.findIndex(
      (e) => e.principalId === principalId && e.roleDefinitionId === roleDefinitionId && scope(e.directoryScopeId) === directoryScopeId && (e.memberType ?? 'Direct') === 'Direct',
    );
    if (at < 0) return graphError(400, 'RoleAssignmentDoesNotExist', 'The Role assignment does not exist.');
    this.roleEligibilities.splice(at, 1);
    this.eligibilityRequests += 1;
    const id = `eligibility-request-${this.eligibilityRequests}`;
    return {
      status: 201,
      body: {
        '@odata.context': `${this.graphHost}/v1.0/$metadata#roleManagement/directory/roleEligibilityScheduleRequests/$entity`,
        id, status: 'Revoked', action, principalId, roleDefinitionId, directoryScopeId, appScopeId: null, isValidationOnly: false, targetScheduleId: null,
        justification: typeof body.justification === 'string' ? body.justification : null, scheduleInfo: null, createdDateTime: new Date().toISOString(), completedDateTime: null,
      },
    };
  }

  private directoryObject(id: string): Record<string, unknown> | null {
    const user = this.users.find((u) => u.id === id);
    if (user) return { '@odata.type': USER_TYPE, id, displayName: user.displayName, userPrincipalName: user.userPrincipalName, mail: user.mail ?? null, accountEnabled: user.accountEnabled };
    const group = this.groups.find((g) => g.id === id);
    if (group) return { '@odata.type': GROUP_TYPE, id, displayName: group.displayName, isAssignableToRole: true };
    const sp = this.servicePrincipals.find((s) => s.id === id);
    if (sp) return { '@odata.type': SP_TYPE, id, displayName: sp.appDisplayName, accountEnabled: sp.accountEnabled ?? true };
    return null;
  }

  /** User ids in a group, through nested groups (cycles tolerated). */
  private memberUsersOf(groupId: string, seen = new Set<string>()): Set<string> {
    const out = new Set<string>();
    if (seen.has(groupId)) return out;
    seen.add(groupId);
    for (const member of this.groups.find((g) => g.id === groupId)?.members ?? []) {
      if (this.groups.some((g) => g.id === member)) for (const u of this.memberUsersOf(member, seen)) out.add(u);
      else out.add(member);
    }
    return out;
  }

  /**
   * Server-driven paging: at most min($top, pageSize) objects, and an absolute nextLink that
   * repeats the query with a $skiptoken while more remain.
   */
  private page(rows: unknown[], req: FakeRequest, url: URL): Answer {
    const size = Math.min(Number(req.query.get('$top') ?? '100'), this.pageSize);
    const state = decodeSkipToken(req.query.get('$skiptoken'));
    const rawQuery = url.search.slice(1).split('&').filter((kv) => kv !== '' && !kv.startsWith('$skiptoken=')).join('&');
    const link = (offset: number, emptyServed: boolean) => `${this.graphHost}/v1.0${req.path}?${rawQuery ? `${rawQuery}&` : ''}$skiptoken=${encodeSkipToken(offset, emptyServed)}`;
    if (this.emptyPageAfterFirst && state.offset === size && !state.emptyServed && rows.length > size) {
      return { status: 200, body: { value: [], '@odata.nextLink': link(state.offset, true) } };
    }
    const end = state.offset + size;
    const body: Record<string, unknown> = { '@odata.context': `${this.graphHost}/v1.0/$metadata#${req.path.slice(1)}`, value: rows.slice(state.offset, end) };
    if (end < rows.length) body['@odata.nextLink'] = link(end, state.emptyServed);
    return { status: 200, body };
  }
}

function takeFault(faults: Fault[], req: FakeRequest): FakeFault | null {
  const f = faults.find((x) => x.remaining > 0 && x.match(req));
  if (!f) return null;
  f.remaining--;
  return f.fault;
}

function faultAnswer(fault: FakeFault): Answer {
  const code = fault.code ?? (fault.status === 429 ? 'TooManyRequests' : fault.status === 503 ? 'ServiceUnavailable' : 'UnknownError');
  const answer = graphError(fault.status, code, fault.message ?? (fault.status === 429 ? 'Too many requests' : 'Service unavailable'));
  return fault.retryAfter === undefined ? answer : { ...answer, headers: { 'Retry-After': fault.retryAfter } };
}

function graphError(status: number, code: string, message: string): Answer {
  return { status, body: { error: { code, message, innerError: { date: new Date().toISOString(), 'request-id': 'fake', 'client-request-id': 'fake' } } } };
}

function denied(): Answer {
  return graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
}

function notFound(id: string): Answer {
  return graphError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
}

function castNeedsAdvancedQuery(): Answer {
  return graphError(400, 'Request_UnsupportedQuery', "OData cast on this collection requires the 'ConsistencyLevel: eventual' header and $count=true.");
}

function isAdvancedQuery(req: FakeRequest): boolean {
  return req.headers['consistencylevel'] === 'eventual' && req.query.get('$count') === 'true';
}

/** `$select` projection of a directory object (`@odata.type` and id always come back). */
function project(row: Record<string, unknown>, select: string[]): Record<string, unknown> {
  if (select.length === 0) return row;
  const out: Record<string, unknown> = { '@odata.type': row['@odata.type'], id: row.id };
  for (const field of select) if (field !== 'id') out[field] = row[field] ?? null;
  return out;
}

function csv(value: string | null): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function encodeSkipToken(offset: number, emptyServed: boolean): string {
  return Buffer.from(JSON.stringify({ o: offset, e: emptyServed })).toString('base64url');
}

function decodeSkipToken(token: string | null): { offset: number; emptyServed: boolean } {
  if (!token) return { offset: 0, emptyServed: false };
  const { o, e } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o: number; e: boolean };
  return { offset: o, emptyServed: e };
}
