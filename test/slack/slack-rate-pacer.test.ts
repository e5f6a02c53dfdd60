/**
 * The client-side pacer against the fake's enforcement of Slack's documented tiers (the fake's own
 * table; time scaled so a Slack minute lasts one second): bursts far above a tier go through
 * without a single 429, and no faster than the tier allows. One second, not less: a loaded
 * machine must still be able to send faster than the tier, or a pacer table allowing too much
 * would never meet the fake's limit.
 */
import { performance } from 'node:perf_hooks';
import { WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { SlackGateway } from '../../src/slack/slack-gateway.js';
import { rateRules, SLACK_RATE_LIMITS, SlackRatePacer } from '../../src/slack/slack-rate-limits.js';
import { FakeSlack } from '../fakes/fake-slack.js';

const SCALE = 60;
let fake: FakeSlack | null = null;
afterEach(async () => {
  await fake?.stop();
  fake = null;
});

describe('SlackRatePacer', () => {
  it('knows the tiers and the chat.postMessage rules', () => {
    expect(rateRules(SLACK_RATE_LIMITS, 'users.list', null)).toEqual([{ key: 'users.list', limit: 20, windowSeconds: 60 }]);
    expect(rateRules(SLACK_RATE_LIMITS, 'chat.postMessage', 'U1')).toEqual([
      { key: 'chat.postMessage', limit: 600, windowSeconds: 60 },
      { key: 'chat.postMessage:U1', limit: 5, windowSeconds: 5 },
    ]);
    expect(rateRules(SLACK_RATE_LIMITS, 'api.test', null)).toEqual([]);
  });

  it('keeps bursts under the fake’s enforced limits: no 429, and not faster than the tier', async () => {
    const users = Array.from({ length: 8 }, (_, i) => ({ id: `U0P${i}`, name: `p${i}`, realName: `P ${i}`, email: `p${i}@example.com` }));
    fake = await FakeSlack.start({ users, timeScale: SCALE });
    const client = new WebClient(fake.token, { slackApiUrl: fake.apiUrl, rejectRateLimitedCalls: true });
    const slack = new SlackGateway(client, new SlackRatePacer({ timeScale: SCALE }));
    const posted = await slack.postMessage('U0P0', { text: 'hello', blocks: [] });

    const t0 = performance.now();
    // chat.update is Tier 3 (50 per minute): 120 updates need two full windows after the first 50.
    await Promise.all(Array.from({ length: 120 }, (_, i) => slack.update(posted.channel, posted.ts, { text: `v${i}`, blocks: [] })));
    // chat.postMessage: at most 5 per 5 s per conversation: 12 to one person need two more windows.
    await Promise.all(Array.from({ length: 12 }, (_, i) => slack.postMessage('U0P1', { text: `m${i}`, blocks: [] })));
    const elapsed = performance.now() - t0;

    expect(fake.calls.filter((c) => c.status === 429)).toEqual([]);
    expect(fake.callsTo('chat.update').filter((c) => c.ok)).toHaveLength(120);
    const window = 60_000 / SCALE;
    expect(elapsed).toBeGreaterThanOrEqual(2 * window + 2 * ((5_000 / SCALE) * 1) - 5);
  });
});
