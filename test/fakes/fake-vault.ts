/**
 * A fake of the far side of the vault connector: the Vault HTTP API's identity store
 * (entities and groups) on a local node:http server, behaving like the documented API
 * where the connector depends on it:
 * - `X-Vault-Token` required (403 `{"errors":["permission denied"]}` otherwise), and
 *   paths can be denied to model a policy without some capability;
 * - `X-Vault-Namespace` selects the namespace's data; an unknown namespace is denied;
 * - LIST as the `LIST` method or `GET ?list=true` (trailing slash optional); an empty
 *   list answers 404 `{"errors":[]}`. Node's HTTP parser rejects the non-standard LIST
 *   method, so those requests are read from the parser error's raw packet; a read of a missing id answers 404 `{"errors":[]}`;
 *   a plain GET of a list path answers 405; an unknown route answers 404 "no handler";
 * - entity reads carry `direct_group_ids` computed from group membership, like Vault;
 * - identity groups may hold entities and groups of other namespaces ("Vault allows you to add
 *   entities and groups from any namespace into an identity group",
 *   api-docs/system/config-group-policy-application): a read of such a member answers 404
 *   `{"errors":[]}` except with that member's namespace in X-Vault-Namespace;
 * - `GET sys/auth` answers the enabled auth mounts keyed by path with a trailing slash, each with
 *   `type` and `accessor`, always including `token/` (api-docs/system/auth, "List auth methods");
 * - auth-method collections as their API pages document them: `LIST auth/<mount>/role` and
 *   `GET .../role/:name` for jwt/oidc (api-docs/auth/jwt: `policies`, `token_policies`, claims) and
 *   approle (api-docs/auth/approle: `token_policies`, plus `GET .../role/:name/role-id` →
 *   `{ role_id }`); `LIST/GET auth/<mount>/users[/:name]` for userpass (`token_policies`) and
 *   ldap (api-docs/auth/ldap: `policies`, `groups` as a comma-separated string);
 *   `LIST/GET auth/<mount>/groups[/:name]` for ldap (`policies`);
 * - `GET sys/policies/acl/:name` answers `data: { name, policy }` with the policy text, 404
 *   `{"errors":[]}` for a policy that does not exist (api-docs/system/policies);
 * - throttling/sealing on cue: the next N calls answer 429 or 503 with Retry-After;
 * - writes for auto remediation, as documented: `POST identity/entity/id/:id` updates only the
 *   fields sent (api-docs/secret/identity/entity, "Update entity by ID": name, metadata,
 *   policies, disabled); `POST identity/group/id/:id` likewise (api-docs/secret/identity/group,
 *   "Update group by ID": policies, member_entity_ids, member_group_ids; member_entity_ids of an
 *   external group cannot be set: 400); `GET identity/group/name/:name` reads a group by name
 *   ("Read group by name"); auth roles take `token_policies` (approle/jwt/oidc `role/:name`,
 *   userpass `users/:name/policies`; sending the legacy `policies` too is a 400, sending only
 *   token_policies clears the legacy field, as tokenutil's UpgradeValue does); ldap groups take
 *   `policies`; an ldap user write replaces BOTH `policies` and `groups` (a field not sent
 *   becomes empty: the entry is rebuilt from the request). Writes answer 204 (auth) or 200 with
 *   the object's id (identity). `deniedWritePrefixes` models a token with read but without
 *   `update` on a path (403 on POST only).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeVaultAlias {
  name: string;
  mount_accessor: string;
  mount_type: string;
}

export interface FakeVaultEntity {
  id: string;
  name: string;
  policies?: string[] | null;
  disabled?: boolean;
  metadata?: Record<string, string> | null;
  aliases?: FakeVaultAlias[];
}

export interface FakeVaultGroup {
  id: string;
  name: string;
  type?: 'internal' | 'external';
  policies?: string[] | null;
  member_entity_ids?: string[];
  member_group_ids?: string[] | null;
}

/** A role, user or group of an auth mount: the fields Vault returns on read. */
export interface FakeAuthEntry {
  token_policies?: string[];
  /** Legacy field (jwt/oidc, ldap); ldap users' `groups` is a comma-separated string. */
  policies?: string[];
  groups?: string;
  /** AppRole only: answered by `GET .../role/:name/role-id`. */
  role_id?: string;
}

export interface FakeAuthMount {
  /** With a trailing slash, as in sys/auth: `approle/`. */
  path: string;
  type: string;
  accessor: string;
  /** Keyed by collection (`role`, `users`, `groups`), then by name. */
  collections?: Partial<Record<'role' | 'users' | 'groups', Record<string, FakeAuthEntry>>>;
}

export interface FakeVaultNamespace {
  entities: FakeVaultEntity[];
  groups: FakeVaultGroup[];
  authMounts?: FakeAuthMount[];
  /** ACL policy bodies by name. */
  policies?: Record<string, string>;
}

/** The collections each auth type has (the routes its API page documents). */
const AUTH_ROUTES: Record<string, Array<'role' | 'users' | 'groups'>> = { jwt: ['role'], oidc: ['role'], approle: ['role'], userpass: ['users'], ldap: ['groups', 'users'], kubernetes: ['role'] };

export interface FakeVaultRequest {
  method: string;
  path: string;
  list: boolean;
  namespace: string | null;
  token: string | null;
}

/** A request as the fake sees it, whichever way it arrived. */
interface RawRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

type Answer = [status: number, body: unknown, headers?: Record<string, string>];

interface Failure {
  remaining: number;
  status: number;
  retryAfter: string | null;
  errors: string[];
}

const ROOT = '';

export class FakeVault {
  readonly requests: FakeVaultRequest[] = [];
  /** Highest number of requests answered at the same time. */
  maxInFlight = 0;
  private inFlight = 0;
  /** See holdAnswers(). */
  private gate: { count: number; pathPrefix: string; held: Array<() => void> } | null = null;
  private failure: Failure | null = null;
  /** Paths starting with one of these answer 403, like a policy without that capability. */
  readonly deniedPrefixes: string[] = [];
  /** Paths starting with one of these answer 403 to writes only (read allowed, no "update"). */
  readonly deniedWritePrefixes: string[] = [];

  private constructor(
    private readonly server: Server,
    readonly address: string,
    private readonly token: string,
    /** Keyed by namespace path ('' is the root namespace). */
    readonly namespaces: Map<string, FakeVaultNamespace>,
  ) {}

  static async start(opts: { token: string; namespaces: Record<string, FakeVaultNamespace> }): Promise<FakeVault> {
    let fake: FakeVault | null = null;
    const server = createServer((req, res) => void fake?.handle(req, res));
    server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket) => {
      const raw = err.code === 'HPE_INVALID_METHOD' ? parseRawRequest(err.rawPacket) : null;
      if (fake && raw?.method === 'LIST') void fake.handleRaw(raw, socket);
      else socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeVault(server, `http://127.0.0.1:${port}`, opts.token, new Map(Object.entries(opts.namespaces)));
    return fake;
  }

  /** The next `count` calls answer `status` (429 rate limit, 503 sealed, ...) with Retry-After. */
  failNext(count: number, status: number, retryAfter: string | null = null): void {
    const errors = status === 503 ? ['Vault is sealed'] : status === 429 ? ['request path "identity/entity/id": rate limit quota exceeded'] : ['internal error'];
    this.failure = { remaining: count, status, retryAfter, errors };
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const [status, body, extra] = await this.delayed({ method: req.method ?? '', url: req.url ?? '/', headers, body: Buffer.concat(chunks).toString('utf8') });
    if (status === 204) {
      res.writeHead(204, { 'Cache-Control': 'no-store', ...extra });
      res.end();
      return;
    }
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...extra });
    res.end(JSON.stringify(body));
  }

  /** Answers a LIST request on the raw socket, then closes the connection. */
  private async handleRaw(req: RawRequest, socket: Socket): Promise<void> {
    const [status, body, extra] = await this.delayed(req);
    const text = JSON.stringify(body);
    const head = [`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Status'}`, 'Content-Type: application/json', 'Cache-Control: no-store', `Content-Length: ${Buffer.byteLength(text)}`, 'Connection: close'];
    for (const [name, value] of Object.entries(extra ?? {})) head.push(`${name}: ${value}`);
    socket.end(`${head.join('\r\n')}\r\n\r\n${text}`);
  }

  /**
   * Holds the answers to requests under `pathPrefix` (e.g. `identity/entity/id/`) until `count`
   * of them are waiting at once, then answers them and every later request at once: shows that a
   * client keeps that many requests going, on a machine of any speed (a client that never does
   * waits forever, and its test times out). `count` 0 removes the gate.
   */
  holdAnswers(count: number, pathPrefix = ''): void {
    for (const go of this.gate?.held.splice(0) ?? []) go();
    this.gate = count > 0 ? { count, pathPrefix, held: [] } : null;
  }

  private async delayed(req: RawRequest): Promise<Answer> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const gate = this.gate;
      if (gate && pathOf(req.url).startsWith(gate.pathPrefix)) {
        const opened = new Promise<void>((go) => gate.held.push(go));
        if (gate.held.length >= gate.count) this.holdAnswers(0);
        await opened;
      }
      return this.answer(req);
    } finally {
      this.inFlight--;
    }
  }

  private answer(req: RawRequest): Answer {
    const url = new URL(req.url, 'http://fake');
    const list = req.method === 'LIST' || (req.method === 'GET' && url.searchParams.get('list') === 'true');
    const path = pathOf(req.url);
    const namespaceHeader = req.headers['x-vault-namespace'] ?? null;
    const token = req.headers['x-vault-token'] ?? null;
    this.requests.push({ method: req.method, path, list, namespace: namespaceHeader, token });

    if (this.failure && this.failure.remaining > 0) {
      this.failure.remaining--;
      const { status, retryAfter, errors } = this.failure;
      return [status, { errors }, retryAfter === null ? {} : { 'Retry-After': retryAfter }];
    }
    const data = this.namespaces.get((namespaceHeader ?? ROOT).replace(/^\/+|\/+$/g, ''));
    if (token !== this.token || data === undefined || this.deniedPrefixes.some((p) => path.startsWith(p))) {
      return [403, { errors: ['permission denied'] }];
    }

    if (req.method === 'POST') {
      if (this.deniedWritePrefixes.some((p) => path.startsWith(p))) return [403, { errors: ['1 error occurred:\n\t* permission denied\n\n'] }];
      return writeAnswer(data, path, req.body ?? '');
    }
    const byName = /^identity\/group\/name\/([^/]+)$/.exec(path);
    if (byName && !list) {
      const group = data.groups.find((g) => g.name === decodeURIComponent(byName[1] as string));
      return group ? [200, envelope(groupBody(group, data))] : [404, { errors: [] }];
    }
    if (req.method !== 'GET' && req.method !== 'LIST') return [405, { errors: ['1 error occurred:\n\t* unsupported operation\n\n'] }];
    if (path === 'sys/auth' && !list) return [200, envelope(authMountsBody(data))];
    const policyRoute = /^sys\/policies\/acl\/([^/]+)$/.exec(path);
    if (policyRoute && !list) {
      const name = decodeURIComponent(policyRoute[1] as string);
      const policy = data.policies?.[name];
      return policy === undefined ? [404, { errors: [] }] : [200, envelope({ name, policy })];
    }
    if (path.startsWith('auth/')) return authAnswer(data, path.slice('auth/'.length), list);
    const route = /^identity\/(entity|group)\/id(?:\/([^/]+))?$/.exec(path);
    if (!route) {
      return [404, { errors: [`no handler for route "${path}". route entry not found.`] }];
    }
    const [, kind, id] = route;
    const records: { id: string; name: string }[] = kind === 'entity' ? data.entities : data.groups;
    if (id === undefined) {
      if (!list) return [405, { errors: ['1 error occurred:\n\t* unsupported operation\n\n'] }];
      if (records.length === 0) return [404, { errors: [] }];
      return [200, envelope({ keys: records.map((r) => r.id), key_info: Object.fromEntries(records.map((r) => [r.id, { name: r.name }])) })];
    }
    if (list) return [404, { errors: [] }];
    const found = records.find((r) => r.id === decodeURIComponent(id));
    if (!found) return [404, { errors: [] }];
    return [200, envelope(kind === 'entity' ? this.entityBody(found as FakeVaultEntity, data) : groupBody(found as FakeVaultGroup, data))];
  }

  private entityBody(e: FakeVaultEntity, data: FakeVaultNamespace): Record<string, unknown> {
    const direct = data.groups.filter((g) => g.member_entity_ids?.includes(e.id)).map((g) => g.id);
    return {
      id: e.id,
      name: e.name,
      policies: e.policies === undefined ? [] : e.policies,
      disabled: e.disabled ?? false,
      metadata: e.metadata === undefined ? null : e.metadata,
      aliases: (e.aliases ?? []).map((a, i) => ({ ...a, id: `${e.id}-alias-${i}`, canonical_id: e.id, metadata: null, creation_time: '2026-01-05T09:00:00Z' })),
      direct_group_ids: direct,
      group_ids: direct,
      inherited_group_ids: [],
      merged_entity_ids: null,
      namespace_id: 'root',
      bucket_key_hash: 'c0ffee',
      creation_time: '2026-01-05T09:00:00Z',
      last_update_time: '2026-03-01T12:00:00Z',
    };
  }
}

/** The documented writes (see the header); anything else answers 405 like a path without that operation. */
function writeAnswer(data: FakeVaultNamespace, path: string, text: string): Answer {
  let body: Record<string, unknown>;
  try {
    body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    return [400, { errors: ['failed to parse JSON input'] }];
  }
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter(Boolean) : []);
  const identity = /^identity\/(entity|group)\/id\/([^/]+)$/.exec(path);
  if (identity) {
    const id = decodeURIComponent(identity[2] as string);
    if (identity[1] === 'entity') {
      const entity = data.entities.find((e) => e.id === id);
      if (!entity) return [400, { errors: ['entity not found from id'] }];
      if ('policies' in body) entity.policies = strings(body.policies);
      if ('name' in body) entity.name = String(body.name);
      if ('disabled' in body) entity.disabled = Boolean(body.disabled);
      if ('metadata' in body) entity.metadata = body.metadata as Record<string, string>;
      return [200, envelope({ id: entity.id, name: entity.name })];
    }
    const group = data.groups.find((g) => g.id === id);
    if (!group) return [400, { errors: ['group not found from id'] }];
    if ('member_entity_ids' in body && group.type === 'external') return [400, { errors: ["member entities can't be set manually for external groups"] }];
    if ('policies' in body) group.policies = strings(body.policies);
    if ('member_entity_ids' in body) group.member_entity_ids = strings(body.member_entity_ids);
    if ('member_group_ids' in body) group.member_group_ids = strings(body.member_group_ids);
    return [200, envelope({ id: group.id, name: group.name })];
  }
  if (!path.startsWith('auth/')) return [405, { errors: ['1 error occurred:\n\t* unsupported operation\n\n'] }];
  const rest = path.slice('auth/'.length);
  const mount = (data.authMounts ?? []).find((m) => rest.startsWith(m.path));
  const [collection, rawName, sub, ...more] = mount ? rest.slice(mount.path.length).split('/') : [];
  const entry = mount && rawName ? mount.collections?.[collection as 'role' | 'users' | 'groups']?.[decodeURIComponent(rawName)] : undefined;
  if (!mount || !entry || more.length > 0) return [404, { errors: [`no handler for route "${path}". route entry not found.`] }];
  const tokenPolicies = (): Answer | null => {
    if ('policies' in body && 'token_policies' in body) return [400, { errors: ['"policies" and "token_policies" cannot both be specified, use only "token_policies"'] }];
    if ('token_policies' in body) {
      entry.token_policies = strings(body.token_policies);
      if (entry.policies !== undefined) entry.policies = [];
    }
    if ('policies' in body) entry.token_policies = entry.policies = strings(body.policies);
    return null;
  };
  if ((mount.type === 'approle' || mount.type === 'jwt' || mount.type === 'oidc') && collection === 'role' && sub === undefined) return tokenPolicies() ?? [204, null];
  if (mount.type === 'userpass' && collection === 'users' && sub === 'policies') return tokenPolicies() ?? [204, null];
  if (mount.type === 'ldap' && collection === 'groups' && sub === undefined) {
    entry.policies = strings(body.policies);
    return [204, null];
  }
  if (mount.type === 'ldap' && collection === 'users' && sub === undefined) {
    entry.policies = strings(body.policies);
    entry.groups = strings(body.groups).join(',');
    return [204, null];
  }
  return [405, { errors: ['1 error occurred:\n\t* unsupported operation\n\n'] }];
}

function authMountsBody(data: FakeVaultNamespace): Record<string, unknown> {
  const mounts = [{ path: 'token/', type: 'token', accessor: 'auth_token_bd90f507' }, ...(data.authMounts ?? [])];
  return Object.fromEntries(
    mounts.map((m) => [
      m.path,
      { accessor: m.accessor, config: { default_lease_ttl: 0, force_no_cache: false, max_lease_ttl: 0, token_type: 'default-service' }, description: '', external_entropy_access: false, local: false, options: null, plugin_version: '', running_plugin_version: `v1.19.0+builtin.vault`, running_sha256: '', seal_wrap: false, type: m.type, uuid: `uuid-${m.accessor}` },
    ]),
  );
}

/** `auth/<mount path><collection>[/<name>[/role-id]]` of the namespace's auth mounts. */
function authAnswer(data: FakeVaultNamespace, rest: string, list: boolean): Answer {
  const noRoute: Answer = [404, { errors: [`no handler for route "auth/${rest}". route entry not found.`] }];
  const mount = (data.authMounts ?? []).find((m) => rest.startsWith(m.path));
  if (!mount) return noRoute;
  const [collection, rawName, sub, ...more] = rest.slice(mount.path.length).split('/');
  const kind = collection as 'role' | 'users' | 'groups';
  if (!AUTH_ROUTES[mount.type]?.includes(kind) || more.length > 0) return noRoute;
  const entries = mount.collections?.[kind] ?? {};
  if (rawName === undefined) {
    if (!list) return [405, { errors: ['1 error occurred:\n\t* unsupported operation\n\n'] }];
    const keys = Object.keys(entries);
    return keys.length === 0 ? [404, { errors: [] }] : [200, envelope({ keys })];
  }
  const entry = entries[decodeURIComponent(rawName)];
  if (list || !entry) return [404, { errors: [] }];
  if (sub !== undefined) {
    if (sub !== 'role-id' || mount.type !== 'approle') return noRoute;
    return [200, envelope({ role_id: entry.role_id ?? '' })];
  }
  const tokenFields = { token_bound_cidrs: [], token_explicit_max_ttl: 0, token_max_ttl: 0, token_no_default_policy: false, token_num_uses: 0, token_period: 0, token_policies: entry.token_policies ?? [], token_ttl: 0, token_type: 'default' };
  switch (mount.type) {
    case 'jwt':
    case 'oidc':
      return [200, envelope({ role_type: mount.type, bound_audiences: ['iam-review-test'], user_claim: 'email', groups_claim: 'groups', policies: entry.policies ?? entry.token_policies ?? [], ...tokenFields })];
    case 'approle':
      return [200, envelope({ bind_secret_id: true, secret_id_bound_cidrs: [], secret_id_num_uses: 0, secret_id_ttl: 0, local_secret_ids: false, policies: entry.token_policies ?? [], ...tokenFields })];
    case 'ldap':
      return [200, envelope(kind === 'users' ? { policies: entry.policies ?? [], groups: entry.groups ?? '', ...tokenFields } : { policies: entry.policies ?? [], ...tokenFields })];
    default:
      return [200, envelope(tokenFields)];
  }
}

function groupBody(g: FakeVaultGroup, data: FakeVaultNamespace): Record<string, unknown> {
  return {
    id: g.id,
    name: g.name,
    type: g.type ?? 'internal',
    policies: g.policies === undefined ? [] : g.policies,
    member_entity_ids: g.member_entity_ids ?? [],
    member_group_ids: g.member_group_ids === undefined ? null : g.member_group_ids,
    parent_group_ids: data.groups.filter((p) => p.member_group_ids?.includes(g.id)).map((p) => p.id),
    metadata: null,
    alias: {},
    modify_index: 1,
    namespace_id: 'root',
    creation_time: '2026-01-05T09:00:00Z',
    last_update_time: '2026-03-01T12:00:00Z',
  };
}

function envelope(data: unknown): Record<string, unknown> {
  return { request_id: '8d3f1c2a-0000-4000-8000-000000000000', lease_id: '', renewable: false, lease_duration: 0, data, wrap_info: null, warnings: null, auth: null };
}

const STATUS_TEXT: Record<number, string> = { 200: 'OK', 204: 'No Content', 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };

/** Request line and headers of a raw HTTP/1.1 request (no body: LIST carries none). */
function parseRawRequest(packet: Buffer | undefined): RawRequest | null {
  const text = packet?.toString('latin1') ?? '';
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [requestLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const [method = '', url = '/'] = requestLine.split(' ');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { method, url, headers };
}

/** A request's path below /v1/, without a trailing slash (`identity/entity/id/e-001`). */
function pathOf(url: string): string {
  return new URL(url, 'http://fake').pathname.replace(/^\/v1\//, '').replace(/\/+$/, '');
}
