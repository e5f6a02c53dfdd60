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
 * The list endpoints need an Admin or Non-Signing Admin API user (401 code -8
 * "Insufficient permissions" otherwise, as in the error-code table) and do not page.
 * `failNext` injects answers (429 with Retry-After, 5xx, 403) or a stall after
 * authentication.
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
  /** Server clock in ms; tests may move it. */
  now: () => number = Date.now;
  readonly requests: FakeFireblocksRequest[] = [];
  readonly rejections: RejectReason[] = [];
  private readonly credentials = new Map<string, { publicKey: KeyObject; role: string }>();
  private readonly seenNonces = new Set<string>();
  private readonly failures: FakeFailure[] = [];
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
      const failure = this.failures.shift();
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
    const path = new URL(uri, 'http://fake').pathname;
    const list = method === 'GET' && path === '/v1/management/users' ? this.consoleUsers : method === 'GET' && path === '/v1/management/api_users' ? this.apiUsers : null;
    if (list === null) return { status: 404, body: { error: { type: 'NOT_FOUND', message: `no route for ${method} ${path}` } } };
    if (!MANAGEMENT_ROLES.has(role)) {
      this.rejections.push('insufficient-permissions');
      return { status: 401, body: REJECTIONS['insufficient-permissions'] };
    }
    return { status: 200, body: { users: list } };
  }
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
