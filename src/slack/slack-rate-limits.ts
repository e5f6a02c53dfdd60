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

/** One rule's window: calls in flight, and answer times (ascending, since stamped on arrival). */
interface RuleWindow {
  rule: RateRule;
  windowMs: number;
  inFlight: number;
  answered: number[];
  /** Index of the oldest answer still inside the window. */
  head: number;
}

interface Waiter {
  windows: RuleWindow[];
  go: () => void;
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
 * over the limit, whatever the network latency; calls still in flight count as not expired.
 *
 * Waiting calls queue in order; one timer wakes the queue when the earliest blocked call may go,
 * and each answer wakes it too. A call blocked only by its own conversation's limit does not
 * hold up calls to other conversations.
 */
export class SlackRatePacer {
  private readonly windows = new Map<string, RuleWindow>();
  private readonly queue: Waiter[] = [];
  private readonly limits: SlackRateLimits;
  private readonly scale: number;
  private readonly clock: () => number;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(opts: PacerOptions = {}) {
    this.limits = opts.limits ?? SLACK_RATE_LIMITS;
    this.scale = opts.timeScale ?? 1;
    this.clock = opts.clock ?? (() => performance.now());
  }

  /** Runs `call` once every rule of the method has room, and stamps it when it is answered. */
  async run<T>(method: string, channel: string | null, call: () => Promise<T>): Promise<T> {
    const windows = rateRules(this.limits, method, channel).map((r) => this.window(r));
    if (windows.length === 0) return call();
    await new Promise<void>((go) => {
      this.queue.push({ windows, go });
      this.pump();
    });
    try {
      return await call();
    } finally {
      const at = this.clock();
      for (const w of windows) {
        w.inFlight -= 1;
        w.answered.push(at);
      }
      this.pump();
    }
  }

  /** Releases every queued call that has room now; sets one timer for the earliest of the rest. */
  private pump(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const now = this.clock();
    let wake = Infinity;
    for (let i = 0; i < this.queue.length; ) {
      const waiter = this.queue[i]!;
      let wait = 0;
      for (const w of waiter.windows) wait = Math.max(wait, this.waitMs(w, now));
      if (wait > 0) {
        wake = Math.min(wake, wait);
        i += 1;
        continue;
      }
      for (const w of waiter.windows) w.inFlight += 1;
      this.queue.splice(i, 1);
      waiter.go();
    }
    // Infinity: only an answer frees room, and every answer pumps.
    if (wake !== Infinity) this.timer = setTimeout(() => this.pump(), Math.ceil(wake) + 1);
  }

  /** 0 when the rule has room now; else how long until it has (Infinity: until a call in flight is answered). */
  private waitMs(w: RuleWindow, now: number): number {
    const from = now - w.windowMs;
    while (w.head < w.answered.length && w.answered[w.head]! <= from) w.head += 1;
    if (w.head > 1024 && w.head * 2 > w.answered.length) {
      w.answered = w.answered.slice(w.head);
      w.head = 0;
    }
    const answered = w.answered.length - w.head;
    const over = w.inFlight + answered - w.rule.limit + 1;
    if (over <= 0) return 0;
    if (over > answered) return Infinity;
    return w.answered[w.head + over - 1]! + w.windowMs - now;
  }

  private window(rule: RateRule): RuleWindow {
    let w = this.windows.get(rule.key);
    if (!w) this.windows.set(rule.key, (w = { rule, windowMs: (rule.windowSeconds * 1000) / this.scale, inFlight: 0, answered: [], head: 0 }));
    return w;
  }
}
