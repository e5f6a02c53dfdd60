/**
 * The product's Slack tables against the fake's own copies of Slack's documented numbers
 * (fake-slack-rate-limits.ts, slack-block-kit-limits.ts). The fake enforces its copies, so a
 * product table that is wrong shows up here by name, and in every test that runs against the fake.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BLOCK_KIT_LIMITS, messageBlocksChars } from '../../src/slack/blocks/block-kit-limits.js';
import { rateRules, SLACK_RATE_LIMITS } from '../../src/slack/slack-rate-limits.js';
import { DEFAULT_RATE_LIMITS, rulesFor } from './fake-slack-rate-limits.js';
import { SLACK_BLOCK_KIT_LIMITS, slackMessageBlocksChars } from './slack-block-kit-limits.js';

/** Web API methods named in src/slack: `client.x.y(`, `paginate('x.y'`, `pacer.run('x.y'`; filesUploadV2 calls two. */
function methodsTheProductCalls(): string[] {
  const dir = join(import.meta.dirname, '../../src/slack');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const found = new Set<string>();
  for (const file of files) {
    const source = readFileSync(join(dir, file), 'utf8');
    for (const m of source.matchAll(/\bclient\.([a-z]+)\.([a-zA-Z]+(?:\.[a-zA-Z]+)?)\(/g)) found.add(`${m[1]}.${m[2]}`);
    for (const m of source.matchAll(/\b(?:paginate|run)\('([a-z]+\.[a-zA-Z.]+)'/g)) found.add(m[1]!);
    if (/\bfilesUploadV2\(/.test(source)) ['files.getUploadURLExternal', 'files.completeUploadExternal'].forEach((m) => found.add(m));
  }
  return [...found].sort();
}

describe("the product's Slack tables match Slack's documented numbers", () => {
  const called = methodsTheProductCalls();

  it('finds the methods the product calls', () => {
    expect(called).toEqual(expect.arrayContaining(['auth.test', 'chat.postMessage', 'chat.update', 'users.list', 'views.open', 'files.completeUploadExternal']));
  });

  it('every method the product calls or paces has the documented rate limit in the pacer', () => {
    const methods = new Set([...called, ...Object.keys(SLACK_RATE_LIMITS.methodTier)]);
    for (const method of methods) {
      const documented = rulesFor(DEFAULT_RATE_LIMITS, method, 'D0CHANNEL');
      expect(documented, `${method}: no documented limit in the fake's table`).not.toEqual([]);
      expect(rateRules(SLACK_RATE_LIMITS, method, 'D0CHANNEL'), method).toEqual(documented);
    }
  });

  it('the pacer does not list the retired files.upload', () => {
    expect(SLACK_RATE_LIMITS.methodTier['files.upload']).toBeUndefined();
    expect(called).not.toContain('files.upload');
  });

  it('every Block Kit limit the builders use is the documented one', () => {
    for (const [key, value] of Object.entries(BLOCK_KIT_LIMITS)) {
      expect(value, key).toBe(SLACK_BLOCK_KIT_LIMITS[key as keyof typeof SLACK_BLOCK_KIT_LIMITS]);
    }
  });

  it('the product measures msg_blocks_too_long as the fake does', () => {
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: 'Access review' } },
      { type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(2_000) }, fields: [{ type: 'mrkdwn', text: '*a*' }] },
      { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Approve' }, value: 'not counted' }] },
      { type: 'divider' },
    ];
    expect(messageBlocksChars(blocks)).toBe(slackMessageBlocksChars(blocks));
    expect(slackMessageBlocksChars(blocks)).toBe(4 * 50 + 'Access review'.length + 2_000 + 3 + 'Approve'.length);
  });
});
