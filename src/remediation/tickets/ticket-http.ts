/**
 * HTTP for the ticket requesters (plain fetch): one request with a timeout and its answer read
 * up to a size cap (a huge answer never fills memory), the Retry-After of an answer, and a
 * retry budget (attempts and total waiting) with exponential backoff. Waiting goes through an
 * injected sleep, so tests never wait.
 */
import { setTimeout as delay } from 'node:timers/promises';

export interface RetryPolicy {
  /** Requests at most, the first included. */
  attempts: number;
  /** The first backoff; doubled on every further retry, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Total waiting allowed per call: a Retry-After beyond what is left ends the retries. */
  budgetMs: number;
  /** Per request. */
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 1_000, maxDelayMs: 30_000, budgetMs: 120_000, timeoutMs: 30_000 };

/** Answers are read up to this many bytes (ticket ids, error messages): the rest is dropped. */
export const ANSWER_CAP_BYTES = 64 * 1024;

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;
export const realSleep: Sleep = (ms, signal) => delay(ms, undefined, { signal });

export interface HttpDeps {
  fetch: typeof fetch;
  sleep: Sleep;
  retry: RetryPolicy;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** The body as text, at most ANSWER_CAP_BYTES of it. */
  text: string;
  truncated: boolean;
}

/** The request never got an answer (refused, reset, timed out). */
export class NetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkError';
  }
}

/** Worth another try: the request was throttled, timed out or met a server fault. */
export const retriableStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/** One request; throws NetworkError when no answer came, or the caller's abort reason. */
export async function send(deps: HttpDeps, url: string, init: RequestInit, signal?: AbortSignal): Promise<HttpAnswer> {
  const timeout = AbortSignal.timeout(deps.retry.timeoutMs);
  let response: Response;
  try {
    response = await deps.fetch(url, { ...init, redirect: 'manual', signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  } catch (err) {
    signal?.throwIfAborted();
    throw new NetworkError(timeout.aborted ? `no answer within ${deps.retry.timeoutMs / 1000} s` : causeOf(err));
  }
  try {
    const { text, truncated } = await readCapped(response, ANSWER_CAP_BYTES);
    return { status: response.status, headers: response.headers, text, truncated };
  } catch (err) {
    signal?.throwIfAborted();
    throw new NetworkError(`the answer (${response.status}) broke off: ${causeOf(err)}`);
  }
}

/** Reads at most `cap` bytes of the body and cancels the rest. */
export async function readCapped(response: Response, cap: number): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > cap) {
      chunks.push(value.subarray(0, cap - size));
      truncated = true;
      await reader.cancel();
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated };
}

/** The answer as JSON, or null when it is not JSON (or was cut at the cap). */
export function jsonOf(answer: HttpAnswer): unknown {
  if (answer.truncated) return null;
  try {
    return JSON.parse(answer.text) as unknown;
  } catch {
    return null;
  }
}

/** Retry-After in ms (delay-seconds or an HTTP date), or null when absent or unreadable. */
export function retryAfterMs(headers: Headers, now: Date): number | null {
  const value = headers.get('retry-after')?.trim();
  if (!value) return null;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}

/** A short, single-line excerpt of an answer for a failure reason. */
export function excerpt(text: string, max = 200): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}...` : line;
}

/**
 * The retries of one call: wait() before each retry says how long it slept, or why it gives up
 * (attempts used up, or the wait asked for exceeds what is left of the budget).
 */
export class RetryBudget {
  private attempt = 1;
  private waited = 0;

  constructor(
    private readonly deps: HttpDeps,
    private readonly signal?: AbortSignal,
  ) {}

  /** Sleeps before the next attempt (Retry-After when given, else exponential backoff); returns a reason to stop instead, or null. */
  async wait(retryAfter: number | null): Promise<string | null> {
    const { attempts, baseDelayMs, maxDelayMs, budgetMs } = this.deps.retry;
    if (this.attempt >= attempts) return `gave up after ${attempts} attempts`;
    const ms = retryAfter ?? Math.min(maxDelayMs, baseDelayMs * 2 ** (this.attempt - 1));
    if (this.waited + ms > budgetMs) return `gave up: waiting ${Math.ceil(ms / 1000)} s more would exceed the retry budget of ${budgetMs / 1000} s`;
    await this.deps.sleep(ms, this.signal);
    this.waited += ms;
    this.attempt++;
    return null;
  }
}

function causeOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  const code = cause && typeof cause === 'object' && 'code' in cause ? String((cause as { code: unknown }).code) : null;
  return code ? `${err.message} (${code})` : err.message;
}
