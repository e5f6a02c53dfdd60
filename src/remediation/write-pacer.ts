/**
 * Paces vendor writes per key (a system): a token bucket that refills at `writes` per `perMs`
 * and holds at most `burst` tokens, so that any window of `perMs` sees at most
 * `burst + writes` writes. Microsoft Graph allows about 3,000 writes per 150 s per app and
 * tenant (docs/connectors.md): the default stays under it. After a throttling answer the
 * caller holds the key off for the vendor's Retry-After; nobody on that key writes before.
 *
 * Time comes from an injected clock, so tests never wait: their `sleep` advances their clock.
 */

export interface PacerClock {
  /** Milliseconds (any origin; only differences matter). */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface WritePace {
  writes: number;
  perMs: number;
  burst: number;
}

/** Under Graph's ~3,000 writes per 150 s per app and tenant: at most 20 + 2,900 in any 150 s. */
export const DEFAULT_WRITE_PACE: WritePace = { writes: 2_900, perMs: 150_000, burst: 20 };

export const realClock: PacerClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

interface Bucket {
  tokens: number;
  at: number;
  notBefore: number;
}

export class WritePacer {
  private readonly buckets = new Map<string, Bucket>();
  /** One taker at a time, so two callers never spend the same token. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly pace: WritePace = DEFAULT_WRITE_PACE,
    private readonly clock: PacerClock = realClock,
  ) {
    if (!(pace.writes > 0 && pace.perMs > 0 && pace.burst >= 1)) throw new Error('WritePacer: writes and perMs must be positive, burst at least 1');
  }

  /** Resolves when one write on `key` may go out (waiting for a token or a hold-off). */
  take(key: string): Promise<void> {
    const turn = this.queue.then(() => this.acquire(key));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** No write on `key` before `ms` from now (a vendor's Retry-After). */
  holdOff(key: string, ms: number): void {
    const bucket = this.bucket(key);
    bucket.notBefore = Math.max(bucket.notBefore, this.clock.now() + Math.max(0, ms));
  }

  private async acquire(key: string): Promise<void> {
    const rate = this.pace.writes / this.pace.perMs;
    for (;;) {
      const bucket = this.bucket(key);
      const now = this.clock.now();
      bucket.tokens = Math.min(this.pace.burst, bucket.tokens + (now - bucket.at) * rate);
      bucket.at = now;
      if (now < bucket.notBefore) {
        await this.clock.sleep(bucket.notBefore - now);
        continue;
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return;
      }
      await this.clock.sleep(Math.ceil((1 - bucket.tokens) / rate));
    }
  }

  private bucket(key: string): Bucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: this.pace.burst, at: this.clock.now(), notBefore: 0 };
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}
