/**
 * The review pages of a closed campaign: an outcome line, every item's final state (expired ones
 * as not reviewed), nothing to click, and the same packing as the open pages so each sent page
 * can be replaced in place.
 */
import { describe, expect, it } from 'vitest';
import { SLACK_BLOCK_KIT_LIMITS as BLOCK_KIT_LIMITS, slackMessageBlocksChars as messageBlocksChars } from '../../fakes/slack-block-kit-limits.js';
import type { ContextBlock } from '../../../src/slack/blocks/block-types.js';
import type { ReviewMessagePage } from '../../../src/slack/blocks/review-message.js';
import { REVIEW_PAGE_BUDGET_CHARS, reviewMessage } from '../../../src/slack/blocks/review-message.js';
import { textPreview } from '../../../src/slack/blocks/text-preview.js';
import { validateBlocks } from '../../fakes/fake-slack-blocks.js';
import { campaign, decided, entries, entry, NOW } from './review-fixtures.js';

const CLOSED_AT = '2026-10-16T14:30:00.000Z';
const closed = { ...campaign, state: 'closed' as const, closedAt: CLOSED_AT };

/** 60 items: a third approved, a third revoked (one with a reason), a third expired. */
function closedItems() {
  return entries(60).map((e, i) => {
    if (i % 3 === 0) return decided(e, 'approve');
    if (i % 3 === 1) return decided(e, 'revoke', { justification: 'Left the desk', deciderName: 'Rita Reviewer' });
    return { ...e, item: { ...e.item, state: 'expired' as const } };
  });
}

function contextOf(page: ReviewMessagePage): string {
  return (page.blocks[2] as ContextBlock).elements[0]!.text;
}

function interactiveElements(page: ReviewMessagePage): string[] {
  return JSON.stringify(page.blocks).match(/"type":"(button|overflow|static_select|users_select|checkboxes)"/g) ?? [];
}

describe('reviewMessage of a closed campaign', () => {
  it('has no actions block, button, overflow or approve-all on any page, and stays within limits', () => {
    const { pages } = reviewMessage({ campaign: closed, reviewer: { name: 'Maria' }, items: closedItems(), now: NOW });
    expect(pages.length).toBeGreaterThan(1);
    for (const page of pages) {
      expect(page.blocks.filter((b) => b.type === 'actions')).toEqual([]);
      expect(interactiveElements(page)).toEqual([]);
      expect(page.blocks.some((b) => b.block_id === 'review_bulk')).toBe(false);
      expect(validateBlocks(page.blocks, 'message')).toEqual([]);
      expect(page.blocks.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.messageBlocks);
      expect(messageBlocksChars(page.blocks)).toBeLessThanOrEqual(REVIEW_PAGE_BUDGET_CHARS);
    }
  });

  it('keeps every item on the page it was sent on (the open rendering), so pages update in place', () => {
    const open = reviewMessage({ campaign, reviewer: { name: 'Maria' }, items: entries(60), now: NOW });
    const shut = reviewMessage({ campaign: closed, reviewer: { name: 'Maria' }, items: closedItems(), now: NOW });
    expect(shut.pages.map((p) => p.itemIds)).toEqual(open.pages.map((p) => p.itemIds));
  });

  it('states the outcome with the closing date on every page, and in the notification text', () => {
    const { pages } = reviewMessage({ campaign: closed, reviewer: { name: 'Maria' }, items: closedItems(), now: NOW });
    const unix = Math.floor(Date.parse(CLOSED_AT) / 1000);
    pages.forEach((page, i) => {
      expect(contextOf(page)).toBe(`*Closed* <!date^${unix}^{date_long_pretty}|2026-10-16>: 20 approved, 20 revoked, 20 expired (not reviewed) · *Page ${i + 1} of ${pages.length}*`);
      expect(page.text).toBe(`Access review: Quarterly review of privileged access: closed 2026-10-16: 20 approved, 20 revoked, 20 expired (not reviewed) (page ${i + 1} of ${pages.length})`);
    });
    const intro = JSON.stringify(pages[0]!.blocks[1]);
    expect(intro).toContain('*This review is closed.* Nothing is left to decide');
    expect(intro).not.toContain('please confirm');
    // The open rendering's due and pending line is gone.
    expect(pages.map(contextOf).join('\n')).not.toMatch(/Pending|Due/);
  });

  it('shows each item’s final state: who approved or revoked it and why, and expired items as not reviewed', () => {
    const items = [decided(entry(1), 'approve'), decided(entry(2), 'revoke', { justification: 'Left the desk', deciderName: 'Rita Reviewer' }), entry(4, { state: 'expired' })];
    const [page] = reviewMessage({ campaign: closed, reviewer: { name: 'Maria' }, items, now: NOW }).pages;
    const status = (i: number) => (page!.blocks.find((b) => b.block_id === `act:${items[i]!.item.id}`) as ContextBlock).elements[0]!.text;
    expect(status(0)).toMatch(/^:white_check_mark: \*Approved\* by Maria Manager · <!date\^/);
    expect(status(1)).toMatch(/^:no_entry: \*Revoked\* by Rita Reviewer · <!date\^.* — “Left the desk”$/);
    expect(status(2)).toBe(':hourglass_flowing_sand: *Expired*: not reviewed before the campaign closed');
    expect(contextOf(page!)).toMatch(/: 1 approved, 1 revoked, 1 expired \(not reviewed\)$/);
    expect(textPreview(page!.blocks)).not.toMatch(/\[[^\]]+\]/);
  });

  it('names items a closed campaign left pending (not expected from closeCampaign), without buttons', () => {
    const { pages } = reviewMessage({ campaign: closed, reviewer: { name: 'Maria' }, items: [entry(1), decided(entry(2), 'approve')], now: NOW });
    expect(contextOf(pages[0]!)).toMatch(/: 1 approved, 0 revoked, 0 expired \(not reviewed\), 1 not decided$/);
    expect(interactiveElements(pages[0]!)).toEqual([]);
  });

  it('leaves out the date when the campaign carries none', () => {
    const { pages } = reviewMessage({ campaign: { ...campaign, state: 'closed' }, reviewer: { name: 'Maria' }, items: [entry(4, { state: 'expired' })], now: NOW });
    expect(contextOf(pages[0]!)).toBe('*Closed*: 0 approved, 0 revoked, 1 expired (not reviewed)');
    expect(pages[0]!.text).toBe('Access review: Quarterly review of privileged access: closed: 0 approved, 0 revoked, 1 expired (not reviewed)');
  });

  it('an open campaign still shows due date, pending count and buttons', () => {
    const [page] = reviewMessage({ campaign, reviewer: { name: 'Maria' }, items: [entry(1)], now: NOW }).pages;
    expect(contextOf(page!)).toMatch(/^\*Due:\*.*\*Pending:\* 1$/);
    expect(interactiveElements(page!).length).toBeGreaterThan(0);
  });
});
