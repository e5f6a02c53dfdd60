/**
 * Block builders for multi-stage campaigns: the stage lines fit the space reserved for them, so
 * passing items on never re-packs a reviewer's pages (each page stays updatable in place), and
 * every page stays within Slack's limits with pathological earlier decisions.
 */
import { describe, expect, it } from 'vitest';
import { BLOCK_KIT_LIMITS } from '../../../src/slack/blocks/block-kit-limits.js';
import type { Block } from '../../../src/slack/blocks/block-types.js';
import type { ReviewEntry, StageDecisionView } from '../../../src/slack/blocks/review-item-blocks.js';
import { itemBudgetChars, itemSectionText } from '../../../src/slack/blocks/review-item-blocks.js';
import { markPassedOn } from '../../../src/slack/blocks/passed-on-item.js';
import { REVIEW_PAGE_BUDGET_CHARS, reviewMessage } from '../../../src/slack/blocks/review-message.js';
import { textPreview } from '../../../src/slack/blocks/text-preview.js';
import { validateBlocks } from '../../fakes/fake-slack-blocks.js';
import { slackMessageBlocksChars } from '../../fakes/slack-block-kit-limits.js';
import { campaign, entry, NOW } from './review-fixtures.js';

const LONG = 'x'.repeat(3_000);
const earlier = (stage: number): StageDecisionView => ({ stage, stageName: `${LONG} stage`, outcome: 'revoke', decidedAt: NOW, deciderName: `${LONG} name`, justification: `${LONG} <!channel> & why` });

/** Item i at stage 1 of 3, as opened. */
const atStage1 = (i: number): ReviewEntry => ({ ...entry(i), stage: { number: 1, count: 3, name: 'Manager review', dueAt: campaign.dueAt } });
/** The same item at stage 3, passed on twice with pathological decisions. */
const atStage3 = (i: number): ReviewEntry => ({ ...entry(i, { stage: 3 }), stage: { number: 3, count: 3, name: LONG, dueAt: campaign.dueAt }, earlierStages: [earlier(1), earlier(2)] });

describe('multi-stage item blocks', () => {
  it('reserve the stage lines in the item budget: passing items on keeps every page holding the same items, within limits', () => {
    const before = Array.from({ length: 120 }, (_, i) => atStage1(i));
    const after = before.map((e, i) => (i % 2 === 0 ? atStage3(i) : e));
    for (const [i, e] of before.entries()) expect(itemBudgetChars(after[i]!, NOW)).toBe(itemBudgetChars(e, NOW));
    const input = { campaign, reviewer: { name: 'Manager' }, now: NOW };
    const pagesBefore = reviewMessage({ ...input, items: before }).pages;
    const pagesAfter = reviewMessage({ ...input, items: after }).pages;
    expect(pagesAfter.map((p) => p.itemIds)).toEqual(pagesBefore.map((p) => p.itemIds));
    expect(pagesAfter.length).toBeGreaterThan(1);
    for (const page of pagesAfter) {
      expect(validateBlocks(page.blocks, 'message')).toEqual([]);
      expect(slackMessageBlocksChars(page.blocks)).toBeLessThanOrEqual(REVIEW_PAGE_BUDGET_CHARS);
    }
    // The stage line and the decisions are escaped and cut to the reserved space, never a broken token.
    const text = itemSectionText(atStage3(0), NOW);
    const statusReserve = 200;
    expect(text.length).toBeLessThanOrEqual(itemBudgetChars(atStage3(0), NOW) - 2 * BLOCK_KIT_LIMITS.messageBlockOverheadChars - statusReserve);
    expect(text.endsWith('…')).toBe(true);
    expect(text).not.toContain('<!channel>');
    expect(text).toMatch(/:busts_in_silhouette: \*Stage 3 of 3: x+…\* · due <!date\^\d+\^\{date_short_pretty\}\|2026-10-15>\n> Stage 1 \(x+…\): :no_entry: \*Revoked\* by x+…/);
  });

  it('a single-stage item carries no stage line; the passed-on status replaces the buttons within the status space', () => {
    expect(itemSectionText(entry(1), NOW)).not.toMatch(/Stage/);
    const [page] = reviewMessage({ campaign, reviewer: { name: 'Manager' }, items: [atStage1(1)], now: NOW }).pages;
    const marked = markPassedOn(page!, atStage1(1).item.id, { outcome: 'approve', toName: LONG, stage: { number: 2, name: LONG } });
    const status = marked.blocks.find((b: Block) => b.block_id === `act:${atStage1(1).item.id}`)!;
    expect(status.type).toBe('context');
    const line = textPreview([status]).trim();
    expect(line.length).toBeLessThanOrEqual(200);
    expect(line).toMatch(/^:white_check_mark: \*Approved\* by you: now with x+…/);
  });

  it('a hand-off message names the stage, is due at the item’s stage due, and has no campaign-wide approve-all', () => {
    const handOff = { number: 2, count: 3, name: 'Owner confirmation', dueAt: '2026-10-14T09:00:00.000Z' };
    const [page] = reviewMessage({ campaign, reviewer: { name: 'Owner' }, items: [{ ...entry(1, { stage: 2 }), stage: handOff, earlierStages: [] }], now: NOW, handOff }).pages;
    expect(page!.text).toBe('Access review: Quarterly review of privileged access: Stage 2 of 3: Owner confirmation: 1 item to review by 2026-10-14');
    const text = textPreview(page!.blocks);
    expect(text).toContain('this item has reached *Stage 2 of 3: Owner confirmation* of the review');
    expect(text).toContain('*Due:* 2026-10-14 (in 2 days)');
    expect(page!.blocks.some((b) => b.block_id === 'review_bulk')).toBe(false);
  });
});
