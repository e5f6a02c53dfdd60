import type { Logger, types } from '@slack/bolt';
import { LogLevel, WebClient } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { SLACK_BLOCK_KIT_LIMITS as BLOCK_KIT_LIMITS, slackMessageBlocksChars as messageBlocksChars } from '../../fakes/slack-block-kit-limits.js';
import type { ActionsBlock, Block, ContextBlock, SectionBlock } from '../../../src/slack/blocks/block-types.js';
import { BlockKitLimitError, parseOverflowValue, REVIEW_ACTION_IDS } from '../../../src/slack/blocks/review-actions.js';
import type { ReviewMessagePage } from '../../../src/slack/blocks/review-message.js';
import { REVIEW_PAGE_BUDGET_CHARS, reviewMessage } from '../../../src/slack/blocks/review-message.js';
import { validateBlocks } from '../../fakes/fake-slack-blocks.js';
import { FakeSlack } from '../../fakes/fake-slack.js';
import { campaign, decided, entries, entry, finding, NOW } from './review-fixtures.js';

function expectWithinLimits(page: ReviewMessagePage): void {
  expect(validateBlocks(page.blocks, 'message')).toEqual([]);
  expect(page.blocks.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.messageBlocks);
  expect(messageBlocksChars(page.blocks)).toBeLessThanOrEqual(REVIEW_PAGE_BUDGET_CHARS);
  expect(REVIEW_PAGE_BUDGET_CHARS).toBeLessThan(BLOCK_KIT_LIMITS.messageBlocksChars);
  expect(page.text.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.messageText);
}

function sectionsOf(blocks: Block[]): SectionBlock[] {
  return blocks.filter((b): b is SectionBlock => b.type === 'section');
}

function itemIdsShown(page: ReviewMessagePage): string[] {
  return page.blocks.flatMap((b) => (b.type === 'section' && b.block_id?.startsWith('item:') ? [b.block_id.slice('item:'.length)] : []));
}

describe('reviewMessage paging', () => {
  // Each item carries its recommendation line (since #16): 200 items take 11 pages, 2,000 take 101.
  it.each([
    [1, 1],
    [20, 1],
    [200, 11],
    [2_000, 101],
  ])('keeps %i items within Block Kit limits, each exactly once', (n, expectedPages) => {
    const items = entries(n);
    const { pages } = reviewMessage({ campaign, reviewer: { name: 'Maria Manager' }, items, now: NOW });
    expect(pages).toHaveLength(expectedPages);
    const seen = pages.flatMap(itemIdsShown);
    expect(seen).toHaveLength(n);
    expect(new Set(seen)).toEqual(new Set(items.map((e) => e.item.id)));
    expect(pages.flatMap((p) => p.itemIds)).toEqual(seen);
    pages.forEach((page, i) => {
      expectWithinLimits(page);
      expect(page).toMatchObject({ page: i + 1, pageCount: expectedPages });
      if (expectedPages > 1) {
        expect(page.text).toContain(`(page ${i + 1} of ${expectedPages})`);
        const context = page.blocks[2] as ContextBlock;
        expect(context.elements[0]?.text).toContain(`*Page ${i + 1} of ${expectedPages}*`);
      }
    });
  });

  it('fills pages reasonably (not one item per message)', () => {
    const { pages } = reviewMessage({ campaign, reviewer: { name: 'M' }, items: entries(200), now: NOW });
    for (const page of pages.slice(0, -1)) expect(page.itemIds.length).toBeGreaterThanOrEqual(12);
  });

  it('keeps every item on its page when decisions with long reasons replace the buttons', () => {
    const items = entries(120);
    const before = reviewMessage({ campaign, reviewer: { name: 'M' }, items, now: NOW });
    const long = 'Because ' + 'the custody policy & the <!here> audit say so. '.repeat(80);
    const after = reviewMessage({
      campaign,
      reviewer: { name: 'M' },
      items: items.map((e, i) => decided(e, i % 2 === 0 ? 'approve' : 'revoke', { justification: long, deciderName: 'D'.repeat(300) })),
      now: NOW,
    });
    expect(after.pages.map((p) => p.itemIds)).toEqual(before.pages.map((p) => p.itemIds));
    after.pages.forEach(expectWithinLimits);
  });

  it('stays within limits with pathological free text, truncating it with an ellipsis', () => {
    const huge = (c: string) => c.repeat(5_000);
    const items = Array.from({ length: 60 }, (_, i) =>
      entry(
        i,
        {
          systemId: huge('&'),
          role: huge('`'),
          scope: huge('<'),
          accountId: huge('a'),
          findings: [finding('sod-conflict', 'high', huge('>')), finding('dormant', 'medium', 'x'), finding('leaver-access', 'high', 'y')],
        },
        { name: huge('N'), email: huge('e') + '@x' },
      ),
    );
    const { pages } = reviewMessage({ campaign: { ...campaign, name: huge('C') }, reviewer: { name: huge('R') }, items, now: NOW });
    expect(pages.flatMap((p) => p.itemIds)).toHaveLength(60);
    pages.forEach(expectWithinLimits);
    const text = sectionsOf(pages[0]!.blocks).find((s) => s.block_id?.startsWith('item:'))?.text?.text ?? '';
    expect(text).toContain('N'.repeat(59) + '…');
    expect(text).not.toContain('N'.repeat(61));
    const header = pages[0]!.blocks[0]!;
    expect(header.type === 'header' && header.text.text.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.headerText);
    expect(header.type === 'header' && header.text.text.endsWith('…')).toBe(true);
  });

  it('posts every page of a 2,000-item review to the fake Slack through the real WebClient', async () => {
    const fake = await FakeSlack.start({ users: [{ id: 'U00000042', name: 'maria', realName: 'Maria Manager', email: 'maria@firm.example' }], rateLimits: false });
    try {
      const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };
      const client = new WebClient(fake.token, { slackApiUrl: fake.apiUrl, logger: silent, retryConfig: { retries: 0 } });
      const { pages } = reviewMessage({ campaign, reviewer: { name: 'Maria' }, items: entries(2_000), now: NOW });
      for (const page of pages) {
        // The builders' types are assignable to the SDK's block types.
        const blocks: types.KnownBlock[] = page.blocks;
        await client.chat.postMessage({ channel: 'U00000042', text: page.text, blocks });
      }
      expect(fake.messagesIn('U00000042')).toHaveLength(pages.length);
    } finally {
      await fake.stop();
    }
  });
});

describe('reviewMessage content', () => {
  it('escapes user text for mrkdwn so <!channel> and & are shown, not interpreted', () => {
    const e = entry(1, { role: 'admin <!here>' }, { name: '<!channel> Smith & Co', email: 'x@y.z' });
    const { pages } = reviewMessage({ campaign: { ...campaign, name: 'Review <!everyone>' }, reviewer: { name: '<@U123> & friends' }, items: [e], now: NOW });
    const all = JSON.stringify(pages[0]!.blocks);
    expect(all).toContain('&lt;!channel&gt; Smith &amp; Co');
    expect(all).toContain('&lt;@U123&gt; &amp; friends');
    expect(all).not.toMatch(/<!channel>|<!here>|<@U123>/);
    // Plain-text header: not parsed by Slack, kept literally.
    expect(pages[0]!.blocks[0]).toMatchObject({ type: 'header', text: { text: 'Access review: Review <!everyone>' } });
  });

  it('shows the person, system, role, scope, last activity and findings as badges', () => {
    const e = entry(3, { lastActivityAt: '2026-07-01T00:00:00.000Z', findings: [finding('dormant', 'medium'), finding('sod-conflict', 'high', 'Initiator & approver'), finding('dormant', 'low')] });
    const never = entry(10);
    const { pages } = reviewMessage({ campaign, reviewer: { name: 'M' }, items: [e, never], now: NOW });
    const [first, second] = sectionsOf(pages[0]!.blocks).filter((s) => s.block_id?.startsWith('item:')).map((s) => s.text?.text ?? '');
    expect(first).toContain('*Person 3* · person3@firm.example');
    expect(first).toContain('*kms* · role `key-admin`');
    expect(first).toContain('Last activity: 3 months ago (2026-07-01)');
    expect(first).toContain(':warning: SoD conflict (high) · :zzz: dormant ×2');
    expect(first).toContain('> Initiator &amp; approver');
    expect(second).toContain('Last activity: never used');
    expect(second).toContain('scope `vault-hot-1`');
  });

  it('renders an unowned account without a person', () => {
    const e = entry(7, { identityId: null, accountId: 'svc-hot-wallet' }, null);
    const { pages } = reviewMessage({ campaign, reviewer: { name: 'M' }, items: [e], now: NOW });
    expect(JSON.stringify(pages[0]!.blocks)).toContain('*Unowned account* `svc-hot-wallet`');
  });

  it('gives pending items Approve / Revoke / overflow carrying only the item id', () => {
    const e = entry(3);
    const { pages } = reviewMessage({ campaign, reviewer: { name: 'M' }, items: [e], now: NOW });
    const actions = pages[0]!.blocks.find((b): b is ActionsBlock => b.type === 'actions' && b.block_id === `act:${e.item.id}`)!;
    const [approve, revoke, more] = actions.elements;
    expect(approve).toMatchObject({ type: 'button', action_id: REVIEW_ACTION_IDS.approve, value: e.item.id, style: 'primary', text: { text: 'Approve…' } });
    expect(revoke).toMatchObject({ type: 'button', action_id: REVIEW_ACTION_IDS.revoke, value: e.item.id, style: 'danger' });
    expect(more?.type).toBe('overflow');
    const options = more?.type === 'overflow' ? more.options.map((o) => parseOverflowValue(o.value)) : [];
    expect(options).toEqual([{ choice: 'delegate', itemId: e.item.id }, { choice: 'comment', itemId: e.item.id }]);
    const plain = reviewMessage({ campaign, reviewer: { name: 'M' }, items: [entry(1)], now: NOW, justification: { revoke: false, approveWithFindings: true } });
    expect(JSON.stringify(plain.pages[0]!.blocks)).toContain('"text":"Approve"');
    expect(JSON.stringify(plain.pages[0]!.blocks)).toContain('"text":"Revoke"');
  });

  it('renders decided items without buttons, with who, when and why', () => {
    const approved = decided(entry(1), 'approve');
    const revoked = decided(entry(2), 'revoke', { justification: 'Left the <custody> team & moved to sales' });
    const { pages } = reviewMessage({ campaign, reviewer: { name: 'M' }, items: [approved, revoked, entry(4)], now: NOW });
    const blocks = pages[0]!.blocks;
    for (const e of [approved, revoked]) {
      expect(blocks.some((b) => b.type === 'actions' && b.block_id === `act:${e.item.id}`)).toBe(false);
    }
    const status = (id: string) => (blocks.find((b): b is ContextBlock => b.type === 'context' && b.block_id === `act:${id}`)?.elements[0]?.text ?? '');
    expect(status(approved.item.id)).toMatch(/^:white_check_mark: \*Approved\* by Maria Manager · <!date\^\d+\^\{date_short_pretty\} \{time\}\|2026-10-12 08:30 UTC>$/);
    expect(status(revoked.item.id)).toContain(':no_entry: *Revoked* by Maria Manager');
    expect(status(revoked.item.id)).toContain('— “Left the &lt;custody&gt; team &amp; moved to sales”');
    // Approve-all counts only pending items without findings (item 4 has none, 1 and 2 are decided).
    const bulk = blocks.find((b): b is ActionsBlock => b.type === 'actions' && b.block_id === 'review_bulk');
    expect(bulk?.elements[0]).toMatchObject({ action_id: REVIEW_ACTION_IDS.approveAll, value: campaign.id, text: { text: 'Approve all 1 item without findings' } });
  });

  it('offers approve-all only when there are pending items without findings, only on page 1', () => {
    const flagged = Array.from({ length: 3 }, (_, i) => entry(i * 3 + 3));
    const none = reviewMessage({ campaign, reviewer: { name: 'M' }, items: flagged, now: NOW });
    expect(none.pages[0]!.blocks.some((b) => b.block_id === 'review_bulk')).toBe(false);
    const many = reviewMessage({ campaign, reviewer: { name: 'M' }, items: entries(100), now: NOW });
    expect(many.pages.map((p) => p.blocks.some((b) => b.block_id === 'review_bulk'))).toEqual(many.pages.map((_, i) => i === 0));
  });

  it('shows no buttons at all once the campaign is closed; pending items read as expired', () => {
    const items = [decided(entry(1), 'approve'), entry(2, { state: 'expired' })];
    const { pages } = reviewMessage({ campaign: { ...campaign, state: 'closed' }, reviewer: { name: 'M' }, items, now: NOW });
    expect(pages[0]!.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(pages[0]!.blocks)).toContain('*Expired*: not reviewed before the campaign closed');
    expect(JSON.stringify(pages[0]!.blocks)).toContain('*This review is closed.*');
  });

  it('states what, why, due date and counts', () => {
    const { pages } = reviewMessage({ campaign, reviewer: { name: 'Maria' }, items: entries(9), now: NOW });
    const text = JSON.stringify(pages[0]!.blocks);
    expect(text).toContain('Hi Maria, please confirm');
    expect(text).toContain('DORA RTS 2024/1774 Art. 21, MiCAR');
    expect(text).toContain('|2026-10-15> (in 3 days)');
    expect(text).toContain('*Your items:* 9, 3 with findings · *Pending:* 9');
    expect(pages[0]!.text).toBe('Access review: Quarterly review of privileged access: 9 items to review by 2026-10-15');
    // Items with findings come first.
    expect(pages[0]!.itemIds.slice(0, 3)).toEqual([3, 6, 9].map((i) => entry(i).item.id));
  });

  it('gives no pages for no items, and refuses ids too long for Slack instead of truncating them', () => {
    expect(reviewMessage({ campaign, reviewer: { name: 'M' }, items: [], now: NOW }).pages).toEqual([]);
    const longId = entry(1, { id: `${'r'.repeat(300)}:2026-Q4/g_1` });
    expect(() => reviewMessage({ campaign, reviewer: { name: 'M' }, items: [longId], now: NOW })).toThrow(BlockKitLimitError);
  });
});
