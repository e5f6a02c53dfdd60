/**
 * Slack's per-method rate limits as the fake enforces them (per app and workspace; one of each in
 * the fake). Each limit is a sliding window: at most `limit` calls accepted in any `windowSeconds`
 * of Slack time. These are the fake's own copy of the documented numbers, not the product's
 * pacer table (src/slack/slack-rate-limits.ts): a wrong number there makes the pacer run into
 * the fake's 429s, and test/fakes/slack-documented-limits.test.ts compares the two tables.
 *
 * Sources (docs.slack.dev):
 * - apis/web-api/rate-limits: Tier 1 "1+ per minute", Tier 2 "20+", Tier 3 "50+", Tier 4
 *   "100+"; the fake takes each lower bound. Posting messages: "1 per second" per channel,
 *   "short bursts >1 allowed", plus a workspace-wide limit whose number is not published.
 * - reference/methods/<method>, "Rate limits": users.list Tier 2; users.lookupByEmail,
 *   conversations.open and chat.update Tier 3; users.info, chat.postEphemeral, views.open,
 *   views.publish, views.update, files.getUploadURLExternal and files.completeUploadExternal
 *   Tier 4; auth.test "special: hundreds of requests per minute" (the fake allows 100, as Tier 4);
 *   the retired files.upload Tier 2 (the fake answers it as deprecated).
 */
export type Tier = 1 | 2 | 3 | 4;

export interface RateLimitConfig {
  /** Calls per minute of each tier. */
  tierPerMinute: Record<Tier, number>;
  /** Tier of each method; methods not listed are not limited. */
  methodTier: Record<string, Tier>;
  /** chat.postMessage to one conversation. */
  postMessagePerChannel: { limit: number; windowSeconds: number };
  /** chat.postMessage across the workspace. */
  postMessageWorkspacePerMinute: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  tierPerMinute: { 1: 1, 2: 20, 3: 50, 4: 100 },
  methodTier: {
    'auth.test': 4,
    'users.list': 2,
    'users.info': 4,
    'users.lookupByEmail': 3,
    'conversations.open': 3,
    'chat.update': 3,
    'chat.postEphemeral': 4,
    'views.open': 4,
    'views.publish': 4,
    'views.update': 4,
    'files.getUploadURLExternal': 4,
    'files.completeUploadExternal': 4,
    'files.upload': 2,
  },
  // "About one per second, short bursts allowed": five in any five seconds.
  postMessagePerChannel: { limit: 5, windowSeconds: 5 },
  // Unpublished ("several hundred per minute"): a model, configurable per fake.
  postMessageWorkspacePerMinute: 600,
};

export interface RateRule {
  key: string;
  limit: number;
  windowSeconds: number;
}

/** The rules a call is subject to; `channelKey` is the conversation a chat.postMessage goes to. */
export function rulesFor(config: RateLimitConfig, method: string, channelKey: string | null): RateRule[] {
  if (method === 'chat.postMessage') {
    const rules: RateRule[] = [{ key: 'chat.postMessage', limit: config.postMessageWorkspacePerMinute, windowSeconds: 60 }];
    if (channelKey) rules.push({ key: `chat.postMessage:${channelKey}`, ...config.postMessagePerChannel });
    return rules;
  }
  const tier = config.methodTier[method];
  return tier === undefined ? [] : [{ key: method, limit: config.tierPerMinute[tier], windowSeconds: 60 }];
}

/** Sliding-window counters over Slack time (milliseconds from `now`). */
export class SlidingWindowLimiter {
  private readonly accepted = new Map<string, number[]>();

  constructor(private readonly now: () => number) {}

  /**
   * Accepts the call when every rule has room (and records it against all of them), else returns
   * how long, in Slack milliseconds, until the fullest rule has room again.
   */
  take(rules: readonly RateRule[]): { ok: true } | { ok: false; waitMs: number; rule: RateRule } {
    const t = this.now();
    let worst: { waitMs: number; rule: RateRule } | null = null;
    for (const rule of rules) {
      const log = this.prune(rule, t);
      if (log.length >= rule.limit) {
        const oldestInWindow = log[log.length - rule.limit] ?? t;
        const waitMs = oldestInWindow + rule.windowSeconds * 1000 - t;
        if (!worst || waitMs > worst.waitMs) worst = { waitMs, rule };
      }
    }
    if (worst) return { ok: false, ...worst };
    for (const rule of rules) this.log(rule.key).push(t);
    return { ok: true };
  }

  private log(key: string): number[] {
    let log = this.accepted.get(key);
    if (!log) this.accepted.set(key, (log = []));
    return log;
  }

  private prune(rule: RateRule, t: number): number[] {
    const log = this.log(rule.key);
    const from = t - rule.windowSeconds * 1000;
    let drop = 0;
    while (drop < log.length && (log[drop] ?? Infinity) <= from) drop += 1;
    if (drop > 0) log.splice(0, drop);
    return log;
  }
}
