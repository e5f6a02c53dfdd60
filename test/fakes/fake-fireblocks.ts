/**
 * A fake of the far side of the fireblocks connector: the Fireblocks REST API's user
 * management lists, on a local node:http server (plain http on 127.0.0.1).
 *
 * It authenticates every request the way Fireblocks documents it ("Signing a request"):
 * `X-API-Key` names a registered API user; `Authorization: Bearer <JWT>` must be RS256
 * and verify against that API user's public key; `sub` must equal the API key, `uri` the
 * requested path and query, `bodyHash` the hex SHA-256 of the raw body; `iat` must not be
 * in the future and `exp` not passed, less than iat + 30 s; a nonce is accepted once.
 * A failing check answers 401 with Fireblocks' `{ message, code }` body and its documented
 * code (-1 invalid signature, -3 JWT missing, -4 wrong URL, -5 invalid token format,
 * -6 wrong user, -7 token not accepted, -10 expired, -12 future iat). Fireblocks documents
 * no separate codes for a body-hash mismatch or a reused nonce: the fake answers -7 there.
 * `rejections` records why, so tests can tell which check fired.
 *
 * Endpoints and the roles they admit (fireblocks/ts-sdk docs/apis/*.md, "Endpoint Permission");
 * any other role gets 401 code -8 "Insufficient permissions", as in the error-code table:
 *   GET /v1/management/users, /v1/management/api_users  Admin, Non-Signing Admin (UsersApi.md,
 *       ApiUserApi.md); `{ users: [...] }`, no paging.
 *   GET /v1/management/user_groups  Admin, Non-Signing Admin (UserGroupsBetaApi.md); a bare
 *       array of UserGroupResponse `{ id, name, status, memberIds }`.
 *   GET /v1/policy/active_policy?policyType=T[&policyType=U]  Owner, Admin, Non-Signing Admin
 *       (PolicyEditorV2Api.md); PolicyAndValidationResponse `{ policy: { rules, metadata },
 *       validation }` holding the rules of the requested types (policyType is required: 400
 *       without it).
 *   GET /v1/management/audit_logs?startTime&userId&order&pageSize&pageCursor  Admin,
 *       Non-Signing Admin, Auditor, Security Admin, Security Auditor (AuditLogsApi.md);
 *       GetAuditLogsResponse `{ data: AuditLogData[], next }`, newest first unless order=ASC,
 *       pageSize at most 500 (default 200); startTime more than a year back is refused (400).
 * `failNext` injects answers (429 with Retry-After, 5xx, 403) or a stall after
 * authentication; `failOn` answers every request of one path with a failure until cleared.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createHash, randomUUID, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export type RejectReason =
  | 'missing-api-key'
  | 'missing-jwt'
  | 'malformed-jwt'
  | 'unknown-api-key'
  | 'bad-signature'
  | 'wrong-sub'
  | 'wrong-uri'
  | 'body-hash'
  | 'expired'
  | 'future-iat'
  | 'lifetime-too-long'
  | 'nonce-missing'
  | 'nonce-replayed'
  | 'insufficient-permissions';

const REJECTIONS: Record<RejectReason, { code: number; message: string }> = {
  'missing-api-key': { code: -2, message: 'Missing API Key' },
  'missing-jwt': { code: -3, message: 'Unauthorized: JWT is missing' },
  'malformed-jwt': { code: -5, message: 'Unauthorized: Invalid token format' },
  'unknown-api-key': { code: -7, message: 'Unauthorized: Token was not accepted.' },
  'bad-signature': { code: -1, message: 'invalid signature' },
  'wrong-sub': { code: -6, message: 'Wrong User in the JWT' },
  'wrong-uri': { code: -4, message: 'Wrong URL in the JWT' },
  'body-hash': { code: -7, message: 'Unauthorized: Token was not accepted.' },
  expired: { code: -10, message: 'The request has expired.' },
  'future-iat': { code: -12, message: 'The request is with a future issuance timestamp (iat).' },
  'lifetime-too-long': { code: -7, message: 'Unauthorized: Token was not accepted.' },
  'nonce-missing': { code: -7, message: 'Unauthorized: Token was not accepted.' },
  'nonce-replayed': { code: -7, message: 'Unauthorized: Token was not accepted.' },
  'insufficient-permissions': { code: -8, message: 'Insufficient permissions' },
};

/** Documented: exp must be less than iat + 30 s. */
const MAX_LIFETIME_S = 30;
/** Tolerated clock skew for iat in the future. */
const SKEW_S = 5;
const MANAGEMENT_ROLES = new Set(['ADMIN', 'NON_SIGNING_ADMIN']);
const POLICY_ROLES = new Set(['OWNER', 'ADMIN', 'NON_SIGNING_ADMIN']);
const AUDIT_LOG_ROLES = new Set(['ADMIN', 'NON_SIGNING_ADMIN', 'AUDITOR', 'SECURITY_ADMIN', 'SECURITY_AUDITOR']);
const YEAR_MS = 365 * 86_400_000;

/** An audit log event as served (AuditLogData); `timestamp` is epoch ms. */
export interface FakeAuditLog {
  id: string;
  timestamp: number;
  userId: string;
  user?: string;
  event?: string;
  category?: string;
  subject?: string;
}

export type FakeFailure =
  | { status: number; retryAfter?: string; body?: unknown }
  /** Hold the answer this long before answering normally (for client timeouts). */
  | { stallMs: number };

export interface FakeFireblocksRequest {
  method: string;
  /** Path and query as received. */
  uri: string;
  apiKey: string | null;
  status: number;
  nonce: string | null;
}

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export class FakeFireblocks {
  /** Answers of GET /v1/management/users and /v1/management/api_users (objects as served). */
  consoleUsers: unknown[] = [];
  apiUsers: unknown[] = [];
  /** Answer of GET /v1/management/user_groups (objects as served). */
  userGroups: unknown[] = [];
  /** The active policy's rules (PolicyRule objects as served); filtered by their `type`. */
  policyRules: unknown[] = [];
  /** The workspace audit log, any order. */
  auditLogs: FakeAuditLog[] = [];
  /** Server clock in ms; tests may move it. */
  now: () => number = Date.now;
  readonly requests: FakeFireblocksRequest[] = [];
  readonly rejections: RejectReason[] = [];
  private readonly credentials = new Map<string, { publicKey: KeyObject; role: string }>();
  private readonly seenNonces = new Set<string>();
  private readonly failures: FakeFailure[] = [];
  private readonly pathFailures = new Map<string, FakeFailure & { status: number }>();
  private baseUrlValue = '';

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeFireblocks> {
    const server = createServer();
    const fake = new FakeFireblocks(server);
    server.on('request', (req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.baseUrlValue = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return fake;
  }

  /** http://127.0.0.1:PORT (no /v1: paths carry it). */
  get baseUrl(): string {
    return this.baseUrlValue;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Registers an API user: its key, the public key of its CSR, and its workspace role. */
  registerApiUser(apiKey: string, publicKey: KeyObject, role = 'NON_SIGNING_ADMIN'): void {
    this.credentials.set(apiKey, { publicKey, role });
  }

  /** The next authenticated requests get these answers, one each, in order. */
  failNext(...failures: FakeFailure[]): void {
    this.failures.push(...failures);
  }

  /** Every authenticated request of `path` gets this answer until `clearFailOn`. */
  failOn(path: string, failure: FakeFailure & { status: number }): void {
    this.pathFailures.set(path, failure);
  }

  clearFailOn(): void {
    this.pathFailures.clear();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const uri = req.url ?? '/';
    const method = req.method ?? 'GET';
    const apiKey = header(req, 'x-api-key');
    const auth = this.authenticate(req, uri, body);
    let answer: Answer;
    let nonce: string | null = null;
    if ('reason' in auth) {
      this.rejections.push(auth.reason);
      answer = { status: 401, body: REJECTIONS[auth.reason] };
    } else {
      nonce = auth.nonce;
      const failure = this.failures.shift() ?? this.pathFailures.get(new URL(uri, 'http://fake').pathname);
      if (failure && 'stallMs' in failure) await new Promise((resolve) => setTimeout(resolve, failure.stallMs));
      answer =
        failure && 'status' in failure
          ? { status: failure.status, body: failure.body ?? { error: { type: 'INTERNAL', message: `injected ${failure.status}` } }, headers: failure.retryAfter !== undefined ? { 'Retry-After': failure.retryAfter } : {} }
          : this.route(method, uri, auth.role);
    }
    this.requests.push({ method, uri, apiKey, status: answer.status, nonce });
    if (res.destroyed) return;
    res.writeHead(answer.status, { 'Content-Type': 'application/json', 'X-Request-ID': randomUUID(), ...answer.headers });
    res.end(JSON.stringify(answer.body));
  }

  private authenticate(req: IncomingMessage, uri: string, body: Buffer): { role: string; nonce: string } | { reason: RejectReason } {
    const apiKey = header(req, 'x-api-key');
    if (!apiKey) return { reason: 'missing-api-key' };
    const authorization = header(req, 'authorization');
    const match = /^Bearer (.+)$/.exec(authorization ?? '');
    if (!match?.[1]) return { reason: 'missing-jwt' };
    const parts = match[1].split('.');
    if (parts.length !== 3) return { reason: 'malformed-jwt' };
    const [h, p, s] = parts as [string, string, string];
    const jwtHeader = decodeJson(h);
    const payload = decodeJson(p);
    if (!jwtHeader || !payload || jwtHeader.alg !== 'RS256') return { reason: 'malformed-jwt' };
    const credential = this.credentials.get(apiKey);
    if (!credential) return { reason: 'unknown-api-key' };
    if (!verify('sha256', Buffer.from(`${h}.${p}`, 'utf8'), credential.publicKey, Buffer.from(s, 'base64url'))) return { reason: 'bad-signature' };
    if (payload.sub !== apiKey) return { reason: 'wrong-sub' };
    if (payload.uri !== uri) return { reason: 'wrong-uri' };
    if (payload.bodyHash !== createHash('sha256').update(body).digest('hex')) return { reason: 'body-hash' };
    const nowS = Math.floor(this.now() / 1000);
    if (typeof payload.iat !== 'number' || typeof payload.exp !== 'number') return { reason: 'malformed-jwt' };
    if (payload.iat > nowS + SKEW_S) return { reason: 'future-iat' };
    if (payload.exp <= nowS) return { reason: 'expired' };
    if (payload.exp >= payload.iat + MAX_LIFETIME_S) return { reason: 'lifetime-too-long' };
    const nonce = typeof payload.nonce === 'string' || typeof payload.nonce === 'number' ? String(payload.nonce) : '';
    if (nonce === '') return { reason: 'nonce-missing' };
    if (this.seenNonces.has(nonce)) return { reason: 'nonce-replayed' };
    this.seenNonces.add(nonce);
    return { role: credential.role, nonce };
  }

  private route(method: string, uri: string, role: string): Answer {
    const url = new URL(uri, 'http://fake');
    const path = url.pathname;
    const denied = (roles: Set<string>): Answer | null => {
      if (roles.has(role)) return null;
      this.rejections.push('insufficient-permissions');
      return { status: 401, body: REJECTIONS['insufficient-permissions'] };
    };
    if (method !== 'GET') return notFound(method, path);
    switch (path) {
      case '/v1/management/users':
        return denied(MANAGEMENT_ROLES) ?? { status: 200, body: { users: this.consoleUsers } };
      case '/v1/management/api_users':
        return denied(MANAGEMENT_ROLES) ?? { status: 200, body: { users: this.apiUsers } };
      case '/v1/management/user_groups':
        return denied(MANAGEMENT_ROLES) ?? { status: 200, body: this.userGroups };
      case '/v1/policy/active_policy':
        return denied(POLICY_ROLES) ?? this.activePolicy(url.searchParams);
      case '/v1/management/audit_logs':
        return denied(AUDIT_LOG_ROLES) ?? this.auditLogPage(url.searchParams);
      default:
        return notFound(method, path);
    }
  }

  private activePolicy(q: URLSearchParams): Answer {
    const types = q.getAll('policyType');
    if (types.length === 0) return badRequest('policyType is required');
    const rules = this.policyRules.filter((r) => types.includes(String((r as { type?: unknown }).type)));
    const metadata = Object.fromEntries(types.map((t) => [t, { editedBy: 'c-owner', editedAt: '2026-11-01T09:00:00.000Z', publishedBy: 'c-owner', publishedAt: '2026-11-01T09:05:00.000Z' }]));
    return { status: 200, body: { policy: { rules, metadata }, validation: { status: 'VALID', checkResult: { errors: 0, results: [] } } } };
  }

  private auditLogPage(q: URLSearchParams): Answer {
    const now = this.now();
    const startTime = q.has('startTime') ? Number(q.get('startTime')) : now - 86_400_000;
    if (!Number.isFinite(startTime) || startTime < now - YEAR_MS) return badRequest('startTime must be no more than 1 year before the current time');
    const endTime = q.has('endTime') ? Number(q.get('endTime')) : now;
    const pageSize = q.has('pageSize') ? Number(q.get('pageSize')) : 200;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 500) return badRequest('pageSize must be between 1 and 500');
    const userIds = q.getAll('userId');
    const asc = q.get('order') === 'ASC';
    const events = this.auditLogs
      .filter((e) => e.timestamp >= startTime && e.timestamp <= endTime && (userIds.length === 0 || userIds.includes(e.userId)))
      .sort((a, b) => (asc ? a.timestamp - b.timestamp : b.timestamp - a.timestamp));
    const offset = q.has('pageCursor') ? Number(q.get('pageCursor')) : 0;
    const data = events.slice(offset, offset + pageSize).map((e) => ({ ...e, createdAt: e.timestamp, tenantId: 'fake-tenant' }));
    return { status: 200, body: { data, next: offset + pageSize < events.length ? String(offset + pageSize) : null } };
  }
}

function notFound(method: string, path: string): Answer {
  return { status: 404, body: { error: { type: 'NOT_FOUND', message: `no route for ${method} ${path}` } } };
}

function badRequest(message: string): Answer {
  return { status: 400, body: { message, code: 1400 } };
}

function header(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  return typeof v === 'string' && v !== '' ? v : null;
}

function decodeJson(segment: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
