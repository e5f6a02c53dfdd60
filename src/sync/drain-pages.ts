/**
 * Drains a connector's paged answers. The core, not the connector, owns the loop:
 * a page token that does not advance is a connector bug and fails the run (it would
 * otherwise loop forever or silently re-read), transient errors are retried with
 * exponential backoff that honours Retry-After, and an abort (timeout) stops at once.
 */
import { ConnectorError } from '../connectors/connector.js';
import type { Page } from '../connectors/connector.js';

export interface RetryPolicy {
  /** Attempts per page, first try included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 60_000 };

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** Delay before retry `attempt` (1-based): Retry-After when given, else capped exponential backoff. */
export function retryDelay(err: ConnectorError, attempt: number, policy: RetryPolicy): number {
  if (err.retryAfterMs !== null) return Math.min(err.retryAfterMs, policy.maxDelayMs);
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
}

export interface DrainOptions {
  signal: AbortSignal;
  retry?: RetryPolicy;
  sleep?: Sleep;
  onRetry?: (info: { attempt: number; delayMs: number; error: ConnectorError }) => void;
}

/** Yields each page (items + problems) in order until `nextToken` is null. */
export async function* drainPages<T>(fetchPage: (token: string | null) => Promise<Page<T>>, opts: DrainOptions): AsyncGenerator<Page<T>> {
  const retry = opts.retry ?? DEFAULT_RETRY;
  const sleep = opts.sleep ?? realSleep;
  const seen = new Set<string>();
  let token: string | null = null;
  for (;;) {
    const page = await fetchWithRetry(() => fetchPage(token), opts.signal, retry, sleep, opts.onRetry);
    yield page;
    if (page.nextToken === null) return;
    if (page.nextToken === token || seen.has(page.nextToken)) {
      throw new ConnectorError(`connector returned page token ${JSON.stringify(page.nextToken.slice(0, 80))} again: the paging does not advance (connector bug)`);
    }
    seen.add(page.nextToken);
    token = page.nextToken;
  }
}

async function fetchWithRetry<T>(
  call: () => Promise<T>,
  signal: AbortSignal,
  policy: RetryPolicy,
  sleep: Sleep,
  onRetry: DrainOptions['onRetry'],
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('sync aborted');
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof ConnectorError) || !err.transient || attempt >= policy.maxAttempts || signal.aborted) throw err;
      const delayMs = retryDelay(err, attempt, policy);
      onRetry?.({ attempt, delayMs, error: err });
      await sleep(delayMs, signal);
    }
  }
}
