/**
 * Slack's documented per-method rate limits (per app and workspace), and a client-side pacer
 * that keeps the bot under them instead of learning them from 429s. A 429 is still handled (the
 * WebClient waits `Retry-After` and retries), but it pauses the client's whole queue, so pacing
 * is what makes a 2,000-reviewer fan-out finish near the rate-limit floor.
 *
 * Tiers take the documented lower bounds ("Tier 2: 20+ per minute"). chat.postMessage has its
 * own rule: about one message per second per conversation (short bursts allowed) and an
 * unpublished workspace cap ("several hundred per minute").
 */
import { performance } from 'node:perf_hooks';

export type SlackTier = 1 | 2 | 3 | 4;

export interface SlackRateLimits {
  /** Calls per minute of each tier. */
  tierPerMinute: Record<SlackTier, number>;
  /** Tier of each method the bot calls; methods not listed are not paced. */
  methodTier: Record<string, SlackTier>;
  postMessagePerChannel: { limit: number; windowSeconds: number };
  postMessageWorkspacePerMinute: number;
}

export const SLACK_RATE_LIMITS: SlackRateLimits = {
  tierPerMinute: { 1: 1, 2: 20, 3: 50, 4: 100 },
  methodTier: {
    'auth.test': 4,
    'chat.update': 3,
    'chat.postEphemeral': 4,
    'conversations.open': 3,
    'users.list': 2,
    'users.info': 4,
    'users.lookupByEmail': 3,
    'views.open': 4,
    'views.publish': 4,
    'views.update': 4,
    'files.getUploadURLExternal': 4,
    'files.completeUploadExternal': 4,
  },
  postMessagePerChannel: { limit: 5, windowSeconds: 5 },
  postMessageWorkspacePerMinute: 600,
};

export interface RateRule {
  key: string;
  limit: number;
  windowSeconds: number;
}

/** The rules one call is subject to; `channel` is the target of a chat.postMessage. */
export function rateRules(limits: SlackRateLimits, method: string, channel: string | null): RateRule[] {
  if (method === 'chat.postMessage') {
    const rules: RateRule[] = [{ key: method, limit: limits.postMessageWorkspacePerMinute, windowSeconds: 60 }];
    if (channel) rules.push({ key: `${method}:${channel}`, ...limits.postMessagePerChannel });
    return rules;
  }
  const tier = limits.methodTier[method];
  return tier === undefined ? [] : [{ key: method, limit: limits.tierPerMinute[tier], windowSeconds: 60 }];
}

interface Slot {
  /** When the call was answered (an upper bound of when Slack counted it); null while in flight. */
  at: number | null;
  done: Promise<void>;
}

export interface PacerOptions {
  limits?: SlackRateLimits;
  /** Slack time runs this many times faster than real time (benchmarks against a scaled fake). */
  timeScale?: number;
  /** Milliseconds, monotonic. */
  clock?: () => number;
}

/**
 * Sliding-window pacing per rule, mirroring how Slack counts: at most `limit` calls in any
 * `windowSeconds`. A call is stamped with the time its answer arrived, which is never earlier
 * than when Slack counted it, so a next call released `window` after that stamp can never be
 * over the limit, whatever the network latency. Calls still in flight count as not yet expired.
 */
export class SlackRatePacer {
  private readonly windows = new Map<string, Slot[]>();
  private readonly limits: SlackRateLimits;
  private readonly scale: number;
  private readonly clock: () => number;

  constructor(opts: PacerOptions = {}) {
    this.limits = opts.limits ?? SLACK_RATE_LIMITS;
    this.scale = opts.timeScale ?? 1;
    this.clock = opts.clock ?? (() => performance.now());
  }

  /** Runs `call` once every rule of the method has room, and stamps it when it is answered. */
  async run<T>(method: string, channel: string | null, call: () => Promise<T>): Promise<T> {
    const rules = rateRules(this.limits, method, channel);
    if (rules.length === 0) return call();
    let finish!: () => void;
    const slot: Slot = { at: null, done: new Promise<void>((resolve) => (finish = resolve)) };
    await this.acquire(rules, slot);
    try {
      return await call();
    } finally {
      slot.at = this.clock();
      finish();
    }
  }

  private async acquire(rules: readonly RateRule[], slot: Slot): Promise<void> {
    for (;;) {
      const now = this.clock();
      let waitMs = 0;
      let inFlight: Promise<void> | null = null;
      for (const rule of rules) {
        const live = this.prune(rule, now);
        if (live.length < rule.limit) continue;
        // The call may go once (live - limit + 1) slots expired: the (live - limit)-th to expire.
        const expiries = live.map((s) => (s.at === null ? Infinity : s.at + this.windowMs(rule))).sort((a, b) => a - b);
        const until = expiries[live.length - rule.limit]!;
        if (until === Infinity) inFlight = Promise.race(live.filter((s) => s.at === null).map((s) => s.done));
        else waitMs = Math.max(waitMs, until - now);
      }
      if (inFlight) await inFlight;
      else if (waitMs > 0) await sleep(waitMs + 1);
      else {
        for (const rule of rules) this.window(rule.key).push(slot);
        return;
      }
    }
  }

  private windowMs(rule: RateRule): number {
    return (rule.windowSeconds * 1000) / this.scale;
  }

  private window(key: string): Slot[] {
    let w = this.windows.get(key);
    if (!w) this.windows.set(key, (w = []));
    return w;
  }

  /** Drops expired slots; returns the live ones (in flight or answered within the window). */
  private prune(rule: RateRule, now: number): Slot[] {
    const w = this.window(rule.key);
    const from = now - this.windowMs(rule);
    const live = w.filter((s) => s.at === null || s.at > from);
    if (live.length !== w.length) this.windows.set(rule.key, live);
    return live;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
