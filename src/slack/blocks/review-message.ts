import type { Campaign } from '../../domain/campaign.js';
import { BLOCK_KIT_LIMITS } from './block-kit-limits.js';
import type { ActionsBlock, Block, MessagePayload } from './block-types.js';
import { buttonValue, REVIEW_ACTION_IDS } from './review-actions.js';
import type { JustificationRule, ReviewEntry, StageView } from './review-item-blocks.js';
import { compareEntries, itemBudgetChars, reviewItemBlocks, stageLabel } from './review-item-blocks.js';
import { dayLabel, fitMrkdwn, plural, relativeDue, slackDate, truncateText, userText } from './mrkdwn.js';

export interface ReviewMessageInput {
  /** `closedAt` dates the outcome line of a closed campaign (shown without a date when absent). */
  campaign: Pick<Campaign, 'id' | 'name' | 'dueAt' | 'state'> & Partial<Pick<Campaign, 'closedAt'>>;
  reviewer: { name: string };
  /** Every item of this reviewer in this campaign, in any order (the builder sorts them). */
  items: readonly ReviewEntry[];
  /** ISO time used for relative dates ("12 days ago", "in 3 days"). */
  now: string;
  /** Default: both true (the sample review definitions require both). */
  justification?: JustificationRule;
  /**
   * Set for the message that hands a reviewer an item passed on to a later stage of a multi-stage
   * review: the intro names the stage, and the due date is the item's in that stage.
   */
  handOff?: StageView;
}

export interface ReviewMessagePage extends MessagePayload {
  /** 1-based. */
  page: number;
  pageCount: number;
  /** The items on this page, in display order: which message to update after a decision. */
  itemIds: string[];
}

export interface ReviewMessage {
  pages: ReviewMessagePage[];
}

/** Cumulative size a page may use: a margin below Slack's (modelled) limit. */
export const REVIEW_PAGE_BUDGET_CHARS = BLOCK_KIT_LIMITS.messageBlocksChars - 1_000;
/** Blocks every page carries besides its items: header, intro, context, approve-all slot, footer. */
const FIXED_BLOCKS = 5;
const CAP = { header: BLOCK_KIT_LIMITS.headerText, intro: 400, context: 400, footer: 200 } as const;
const CONFIRM = { title: 60, text: 300, button: 30 } as const;
/** Upper bound of the fixed blocks' size, reserved on every page whatever their current text. */
const FIXED_RESERVE_CHARS =
  FIXED_BLOCKS * BLOCK_KIT_LIMITS.messageBlockOverheadChars +
  CAP.header + CAP.intro + CAP.context + CAP.footer +
  BLOCK_KIT_LIMITS.buttonText + CONFIRM.title + CONFIRM.text + 2 * CONFIRM.button;
const MAX_ITEMS_PER_PAGE = Math.floor((BLOCK_KIT_LIMITS.messageBlocks - FIXED_BLOCKS) / 2);

const DEFAULT_RULE: JustificationRule = { revoke: true, approveWithFindings: true };

/**
 * A reviewer's DM for one campaign, split over as many messages as Block Kit limits require
 * (50 blocks and a size budget per message). Every item appears on exactly one page; pages are
 * packed from the items' worst-case size, so re-rendering after decisions keeps each item on its
 * page and each page can be updated in place with chat.update. An empty item list gives no pages.
 *
 * Once the campaign is closed the pages are a record, not a form: the context line gives the
 * outcome ("Closed <date>: N approved, N revoked, N expired (not reviewed)"), every item shows its
 * final state, and there is nothing to click (no buttons, overflow or approve-all). The packing is
 * the same, so a closed rendering replaces each sent page in place.
 */
export function reviewMessage(input: ReviewMessageInput): ReviewMessage {
  const entries = [...input.items].sort(compareEntries);
  const groups = packPages(entries, input.now);
  const stats = countItems(entries);
  const pageCount = groups.length;
  return {
    pages: groups.map((group, index) => {
      const page = index + 1;
      const closed = input.campaign.state === 'closed';
      const interactive = !closed;
      const blocks: Block[] = [
        { type: 'header', text: { type: 'plain_text', text: truncateText(`Access review: ${input.campaign.name}`, CAP.header) } },
        { type: 'section', text: { type: 'mrkdwn', text: introText(input) } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: closed ? closedContextText(input, stats, page, pageCount) : contextText(input, stats, page, pageCount) }] },
      ];
      // A hand-off is about its one item: no campaign-wide approve-all there (the reviewer's own pages have it).
      if (page === 1 && interactive && !input.handOff && stats.pendingWithoutFindings > 0) blocks.push(approveAllBlock(input.campaign.id, stats.pendingWithoutFindings));
      for (const entry of group) {
        blocks.push(...reviewItemBlocks(entry, { now: input.now, interactive, justification: input.justification ?? DEFAULT_RULE }));
      }
      blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: footerText() }] });
      const suffix = pageCount > 1 ? ` (page ${page} of ${pageCount})` : '';
      const stage = input.handOff ? `${truncateText(stageLabel(input.handOff), 100)}: ` : '';
      const what = closed ? `closed${input.campaign.closedAt ? ` ${dayLabel(input.campaign.closedAt)}` : ''}: ${outcomeText(stats)}` : `${stage}${plural(stats.total, 'item')} to review by ${dayLabel(dueOf(input))}`;
      const text = `Access review: ${truncateText(input.campaign.name, 100)}: ${what}${suffix}`;
      return { text, blocks, page, pageCount, itemIds: group.map((e) => e.item.id) };
    }),
  };
}

function packPages(entries: readonly ReviewEntry[], now: string): ReviewEntry[][] {
  const pages: ReviewEntry[][] = [];
  let current: ReviewEntry[] = [];
  let used = FIXED_RESERVE_CHARS;
  for (const entry of entries) {
    const cost = itemBudgetChars(entry, now);
    if (current.length > 0 && (current.length === MAX_ITEMS_PER_PAGE || used + cost > REVIEW_PAGE_BUDGET_CHARS)) {
      pages.push(current);
      current = [];
      used = FIXED_RESERVE_CHARS;
    }
    current.push(entry);
    used += cost;
  }
  if (current.length > 0) pages.push(current);
  return pages;
}

interface ItemStats {
  total: number;
  withFindings: number;
  pending: number;
  pendingWithoutFindings: number;
  approved: number;
  revoked: number;
  expired: number;
}

function countItems(entries: readonly ReviewEntry[]): ItemStats {
  const stats: ItemStats = { total: entries.length, withFindings: 0, pending: 0, pendingWithoutFindings: 0, approved: 0, revoked: 0, expired: 0 };
  for (const { item } of entries) {
    const flagged = item.findings.length > 0;
    if (flagged) stats.withFindings += 1;
    if (item.state === 'pending') {
      stats.pending += 1;
      if (!flagged) stats.pendingWithoutFindings += 1;
    } else stats[item.state] += 1;
  }
  return stats;
}

const WHY = '_Why:_ periodic recertification of access rights (DORA RTS 2024/1774 Art. 21, MiCAR).';

/** The due date the message asks for: the item's in its stage for a hand-off, else the campaign's. */
function dueOf(input: ReviewMessageInput): string {
  return input.handOff?.dueAt ?? input.campaign.dueAt;
}

function introText(input: ReviewMessageInput): string {
  const name = userText(input.reviewer.name, 60);
  const ask =
    input.campaign.state === 'closed'
      ? `Hi ${name}. *This review is closed.* Nothing is left to decide: each item below shows its final state; items not decided in time expired and are reported as *not reviewed*.`
      : input.handOff
        ? `Hi ${name}, this item has reached *${stageLabel(input.handOff)}* of the review: the earlier stage's decision is shown with it. *Approve* keeps the access; *Revoke* asks for it to be removed.`
        : `Hi ${name}, please confirm that each person below still needs this access. *Approve* keeps it; *Revoke* asks for it to be removed. Items with findings come first.`;
  return fitMrkdwn(`${ask}\n${WHY}`, CAP.intro);
}

function contextText(input: ReviewMessageInput, stats: ItemStats, page: number, pageCount: number): string {
  const dueAt = dueOf(input);
  const due = slackDate(dueAt, '{date_long_pretty}', dayLabel(dueAt));
  const pageInfo = pageCount > 1 ? ` · *Page ${page} of ${pageCount}*` : '';
  return fitMrkdwn(
    `*Due:* ${due} (${relativeDue(dueAt, input.now)}) · *Your items:* ${stats.total}, ` +
      `${stats.withFindings} with findings · *Pending:* ${stats.pending}${pageInfo}`,
    CAP.context,
  );
}

/** `2 approved, 1 revoked, 3 expired (not reviewed)`; items still pending (only if a closed campaign kept some) are named too. */
function outcomeText(stats: ItemStats): string {
  const left = stats.pending > 0 ? `, ${stats.pending} not decided` : '';
  return `${stats.approved} approved, ${stats.revoked} revoked, ${stats.expired} expired (not reviewed)${left}`;
}

/** The outcome line of a closed campaign: `*Closed* <date>: 2 approved, 1 revoked, 3 expired (not reviewed)`. */
function closedContextText(input: ReviewMessageInput, stats: ItemStats, page: number, pageCount: number): string {
  const closedAt = input.campaign.closedAt;
  const when = closedAt ? ` ${slackDate(closedAt, '{date_long_pretty}', dayLabel(closedAt))}` : '';
  const pageInfo = pageCount > 1 ? ` · *Page ${page} of ${pageCount}*` : '';
  return fitMrkdwn(`*Closed*${when}: ${outcomeText(stats)}${pageInfo}`, CAP.context);
}

function approveAllBlock(campaignId: string, count: number): ActionsBlock {
  return {
    type: 'actions',
    block_id: 'review_bulk',
    elements: [
      {
        type: 'button',
        action_id: REVIEW_ACTION_IDS.approveAll,
        text: { type: 'plain_text', text: truncateText(`Approve all ${plural(count, 'item')} without findings`, BLOCK_KIT_LIMITS.buttonText) },
        value: buttonValue(campaignId),
        confirm: {
          title: { type: 'plain_text', text: `Approve ${plural(count, 'item')}?` },
          text: {
            type: 'plain_text',
            text: `This approves every pending item without findings in this review (${plural(count, 'item')}). Items with findings still need your decision one by one.`,
          },
          confirm: { type: 'plain_text', text: 'Approve all' },
          deny: { type: 'plain_text', text: 'Cancel' },
        },
      },
    ],
  };
}

function footerText(): string {
  return ':lock: Decisions are recorded in the audit ledger with your name and the time. Only you or your delegate can decide these items, and nobody can decide their own access.';
}
