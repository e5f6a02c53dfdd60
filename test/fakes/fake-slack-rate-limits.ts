/**
 * Slack's per-method rate limits as the fake enforces them (per app and workspace; one of each in
 * the fake). Tiers are from Slack's rate-limit guide ("20+ per minute" etc.: the fake takes the
 * lower bound); each limit is a sliding window: at most `limit` calls accepted in any `windowSeconds`
 * of Slack time. chat.postMessage is in Slack's special tier: about one message per second per
 * channel with short bursts allowed, plus an unpublished workspace-wide cap ("several hundred per
 * minute"); both are configurable.
 */
import { SLACK_RATE_LIMITS } from '../../src/slack/slack-rate-limits.js';
import type { SlackRateLimits, SlackTier } from '../../src/slack/slack-rate-limits.js';

export type Tier = SlackTier;
export type RateLimitConfig = SlackRateLimits;

/**
 * The documented table lives with the product's pacer (one source for the numbers, as with
 * Block Kit limits); the fake adds the retired files.upload, which it answers as deprecated.
 */
export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  ...SLACK_RATE_LIMITS,
  methodTier: { ...SLACK_RATE_LIMITS.methodTier, 'files.upload': 2 },
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
