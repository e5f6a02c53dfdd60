/**
 * The Fireblocks REST API over HTTP, with its request signing: nothing here knows what
 * the data means.
 *
 * Every request carries `X-API-Key: <api key>` and `Authorization: Bearer <JWT>`, a JWT
 * signed RS256 with the API user's private key whose payload binds it to one request
 * (developers.fireblocks.com, "Signing a request"):
 *   uri      path and query exactly as sent (`/v1/management/users`)
 *   nonce    unique per request
 *   iat/exp  seconds since epoch; exp must be less than iat + 30 s
 *   sub      the API key
 *   bodyHash hex SHA-256 of the raw body ('' for a GET, as the official ts-sdk hashes it)
 *
 * Failures become FireblocksApiError (status -1 when no answer came); the connector turns
 * them into ConnectorErrors. Neither the key nor a token ever enters a message.
 */
import { createHash, randomUUID, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { parseRetryAfter } from '../connector.js';

/** Token lifetime: under the documented 30 s cap, with room for a slightly slow clock. */
export const FIREBLOCKS_JWT_LIFETIME_SECONDS = 25;

export interface FireblocksJwtInput {
  apiKey: string;
  /** The API user's RSA private key. */
  privateKey: KeyObject;
  /** Path and query exactly as sent: `/v1/management/users?x=1`. */
  uri: string;
  /** The raw request body; '' when there is none. */
  body: string;
  nonce: string;
  now: Date;
}

/** Signs one request's JWT. Pure: the same input gives the same token (RS256 is deterministic). */
export function signFireblocksJwt(input: FireblocksJwtInput): string {
  const iat = Math.floor(input.now.getTime() / 1000);
  const header = { alg: 'RS256', typ: 'JWT' };
  const payload = {
    uri: input.uri,
    nonce: input.nonce,
    iat,
    exp: iat + FIREBLOCKS_JWT_LIFETIME_SECONDS,
    sub: input.apiKey,
    bodyHash: sha256Hex(input.body),
  };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  // RSA keys sign with RSASSA-PKCS1-v1_5 by default: RS256 is exactly that over SHA-256.
  const signature = sign('sha256', Buffer.from(signingInput, 'utf8'), input.privateKey);
  return `${signingInput}.${signature.toString('base64url')}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** Fireblocks answered with an error status (or, status -1, did not answer at all). */
export class FireblocksApiError extends Error {
  readonly status: number;
  /** Fireblocks' error code (`{ message, code }` bodies: -1 invalid signature, -8 insufficient permissions, ...). */
  readonly code: number | string | null;
  readonly retryAfterMs: number | null;
  /** The X-Request-ID of the answer, for Fireblocks support. */
  readonly requestId: string | null;

  constructor(status: number, message: string, opts: { code?: number | string | null; retryAfterMs?: number | null; requestId?: string | null; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'FireblocksApiError';
    this.status = status;
    this.code = opts.code ?? null;
    this.retryAfterMs = opts.retryAfterMs ?? null;
    this.requestId = opts.requestId ?? null;
  }
}

export interface FireblocksClientConfig {
  /** An origin, e.g. https://api.fireblocks.io (paths carry the /v1 prefix). */
  baseUrl: string;
  apiKey: string;
  privateKey: KeyObject;
  timeoutMs: number;
}

export interface FireblocksClientOptions {
  /** Sends every request. Default: the global fetch. */
  fetch?: typeof fetch;
  /** Wall clock for iat/exp. Default: the system clock (Fireblocks rejects skewed tokens). */
  now?: () => Date;
  /** Nonce source. Default: a random UUID per request. */
  nonce?: () => string;
}

const MAX_MESSAGE_CHARS = 300;

export class FireblocksClient {
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => Date;
  private readonly nonce: () => string;

  constructor(
    private readonly config: FireblocksClientConfig,
    options: FireblocksClientOptions = {},
  ) {
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? (() => new Date());
    this.nonce = options.nonce ?? randomUUID;
  }

  /**
   * GETs a path (with optional query) and returns the parsed JSON body. The caller's
   * `signal` aborting rethrows its abort error as is; the per-request timeout and network
   * failures become FireblocksApiError with status -1.
   */
  async getJson(pathAndQuery: string, signal?: AbortSignal): Promise<unknown> {
    const url = new URL(pathAndQuery, this.config.baseUrl);
    const uri = `${url.pathname}${url.search}`;
    const token = signFireblocksJwt({ apiKey: this.config.apiKey, privateKey: this.config.privateKey, uri, body: '', nonce: this.nonce(), now: this.now() });
    const timeout = AbortSignal.timeout(this.config.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;

    let status: number;
    let headers: Headers;
    let text: string;
    try {
      const res = await this.fetchImpl(url, {
        method: 'GET',
        headers: { 'X-API-Key': this.config.apiKey, Authorization: `Bearer ${token}`, Accept: 'application/json' },
        signal: combined,
        // A redirect would resend the token elsewhere and means baseUrl is wrong.
        redirect: 'manual',
      });
      status = res.status;
      headers = res.headers;
      text = await res.text();
    } catch (err) {
      if (signal?.aborted) throw err;
      const detail = timeout.aborted ? `no answer within ${this.config.timeoutMs / 1000} s` : `network error: ${causeMessage(err)}`;
      throw new FireblocksApiError(-1, `GET ${url.pathname}: ${detail}`, { cause: err });
    }

    const requestId = headers.get('x-request-id');
    if (status < 200 || status > 299) {
      const { code, message } = errorBody(text);
      throw new FireblocksApiError(status, `GET ${url.pathname}: ${status}${code !== null ? ` (code ${code})` : ''}${message ? `: ${message}` : ''}`, {
        code,
        retryAfterMs: parseRetryAfter(headers.get('retry-after'), this.now()),
        requestId,
      });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new FireblocksApiError(status, `GET ${url.pathname}: the answer is not JSON`, { requestId, cause: err });
    }
  }
}

/**
 * Fireblocks error bodies come as `{ message, code }` (authentication and most API
 * errors) or `{ error: { type, message } }` (the OpenAPI ErrorSchema); anything else is
 * kept as a short text.
 */
function errorBody(text: string): { code: number | string | null; message: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { code: null, message: clip(text.trim()) };
  }
  if (isRecord(body)) {
    const inner = isRecord(body.error) ? body.error : body;
    const code = typeof body.code === 'number' || typeof body.code === 'string' ? body.code : typeof inner.type === 'string' ? inner.type : null;
    const message = typeof inner.message === 'string' ? inner.message : typeof body.message === 'string' ? body.message : '';
    return { code, message: clip(message) };
  }
  return { code: null, message: clip(text.trim()) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clip(s: string): string {
  return s.length > MAX_MESSAGE_CHARS ? `${s.slice(0, MAX_MESSAGE_CHARS)}...` : s;
}

/** undici reports "fetch failed" and puts the reason (ECONNREFUSED, ...) in `cause`. */
function causeMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${(err.cause as NodeJS.ErrnoException).code ?? err.cause.message}` : '';
  return `${err.message}${cause}`;
}
