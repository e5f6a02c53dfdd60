import type { Remediation } from '../../domain/index.js';
import { canMove } from '../../domain/index.js';
import { BLOCK_KIT_LIMITS, messageBlocksChars } from './block-kit-limits.js';
import type { Block, ButtonElement, MessagePayload, SectionBlock } from './block-types.js';
import { BlockKitLimitError, buttonValue } from './review-actions.js';
import { dayLabel, fitMrkdwn, plural, relativeDue, slackDate, truncateText, userText } from './mrkdwn.js';

/**
 * The contract between the removal blocks and their listener: the button carries the
 * remediation id only; the listener re-reads it and authorises the clicking user on
 * server-side state (the system's owner or the security team), never on the payload.
 */
export const REMEDIATION_ACTION_IDS = {
  /** Button value: the remediation id. A claim, never a verification. */
  markRemoved: 'remediation_mark_removed',
} as const;

/** What a removal shows: the remediation as stored now. */
export type RemovalView = Pick<Remediation, 'id' | 'systemId' | 'accountId' | 'role' | 'scope' | 'dueAt' | 'state' | 'requestedBy' | 'claimedBy' | 'claimedAt' | 'verifiedAt' | 'verifiedSnapshotId'>;

export interface RemovalMessageInput {
  system: { id: string; name: string };
  owner: { name: string };
  /** The removals of this message set, in any order (the builder sorts them by due time, then id). */
  removals: readonly RemovalView[];
  now: string;
  /**
   * Re-rendering one sent page: its removals (at most REMOVALS_PER_PAGE) as page `page` of
   * `pageCount`, so the update keeps its place among the pages it was sent with.
   */
  asPage?: { page: number; pageCount: number };
}

export interface RemovalMessagePage extends MessagePayload {
  /** 1-based. */
  page: number;
  pageCount: number;
  /** The remediations on this page, in display order. */
  remediationIds: string[];
}

/** A removal's text, whatever its state (the status line included). */
const ENTRY_TEXT_MAX = 450;
/** The state line's share of it (claimed by whom, when). */
const STATUS_MAX = 300;
const CONFIRM = {
  title: 'Mark as removed?',
  text: 'This records, under your name, that you removed this access. It is verified only when a sync no longer shows it.',
  confirm: 'Mark removed',
  deny: 'Cancel',
} as const;
const BUTTON_TEXT = 'Mark removed';
/** Worst-case size of one removal's block (overhead + text + button with its confirm dialog). */
const ENTRY_MAX_CHARS = BLOCK_KIT_LIMITS.messageBlockOverheadChars + ENTRY_TEXT_MAX + BUTTON_TEXT.length + CONFIRM.title.length + CONFIRM.text.length + CONFIRM.confirm.length + CONFIRM.deny.length;
const CAP = { header: BLOCK_KIT_LIMITS.headerText, intro: 500, context: 300, footer: 300 } as const;
/** header, intro, context, footer. */
const FIXED_BLOCKS = 4;
const FIXED_MAX_CHARS = FIXED_BLOCKS * BLOCK_KIT_LIMITS.messageBlockOverheadChars + CAP.header + CAP.intro + CAP.context + CAP.footer;
/** A margin below Slack's (modelled) cumulative limit, as for review messages. */
const PAGE_BUDGET_CHARS = BLOCK_KIT_LIMITS.messageBlocksChars - 1_000;
/**
 * Removals per message: as many as fit in the worst case, so a page re-rendered after a claim
 * (different status lines, later relative dates) still fits and can be updated in place.
 */
export const REMOVALS_PER_PAGE = Math.min(BLOCK_KIT_LIMITS.messageBlocks - FIXED_BLOCKS, Math.floor((PAGE_BUDGET_CHARS - FIXED_MAX_CHARS) / ENTRY_MAX_CHARS));

/** Due first, then by id: the order of the DM, the pages and the App Home. */
export function compareRemovals(a: Pick<Remediation, 'dueAt' | 'id'>, b: Pick<Remediation, 'dueAt' | 'id'>): number {
  return a.dueAt.localeCompare(b.dueAt) || a.id.localeCompare(b.id);
}

/** block_id of a removal's section. */
export function removalBlockId(remediationId: string): string {
  const id = `rem:${remediationId}`;
  if (id.length > BLOCK_KIT_LIMITS.blockId) throw new BlockKitLimitError('block_id', id, BLOCK_KIT_LIMITS.blockId);
  return id;
}

/**
 * The system owner's DM asking for removals: one section per removal with its due time and a
 * "Mark removed" button (a claim: attributed and ledgered, verified only by a later sync), paged
 * by Block Kit limits (REMOVALS_PER_PAGE per message). A claimed or verified removal shows its
 * state instead of the button, so a page re-rendered after a click replaces the sent one.
 */
export function removalMessage(input: RemovalMessageInput): RemovalMessagePage[] {
  const sorted = [...input.removals].sort(compareRemovals);
  const groups: RemovalView[][] = [];
  for (let i = 0; i < sorted.length; i += REMOVALS_PER_PAGE) groups.push(sorted.slice(i, i + REMOVALS_PER_PAGE));
  if (input.asPage && groups.length > 1) throw new Error(`${sorted.length} removals do not fit one page (at most ${REMOVALS_PER_PAGE})`);
  const pageCount = input.asPage?.pageCount ?? groups.length;
  const name = userText(input.system.name, 100);
  return groups.map((group, index) => {
    const page = input.asPage?.page ?? index + 1;
    const pageInfo = pageCount > 1 ? ` · *Page ${page} of ${pageCount}*` : '';
    const open = group.filter((r) => canMove(r.state, 'claimed')).length;
    const blocks: Block[] = [
      { type: 'header', text: { type: 'plain_text', text: truncateText(`Access to remove: ${input.system.name}`, CAP.header) } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: fitMrkdwn(
            `Hi ${userText(input.owner.name, 60)}, you own *${name}*. These grants were revoked in an access review: please remove each one in ${name} by its due time, then click *Mark removed*.`,
            CAP.intro,
          ),
        },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: fitMrkdwn(`*Removals:* ${group.length} · *Still to do:* ${open}${pageInfo}`, CAP.context) }] },
      ...group.map((r) => removalBlock(r, input.now)),
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: ':lock: *Mark removed* is recorded in the audit ledger with your name and the time. A removal counts as done only when a sync no longer shows the grant.' }],
      },
    ];
    const suffix = pageCount > 1 ? ` (page ${page} of ${pageCount})` : '';
    const first = group[0]!;
    const text = truncateText(`Access to remove in ${input.system.name}: ${plural(group.length, 'grant')}, the first due ${dayLabel(first.dueAt)}${suffix}`, 300);
    const payload = { text, blocks, page, pageCount, remediationIds: group.map((r) => r.id) };
    if (messageBlocksChars(blocks) > PAGE_BUDGET_CHARS) throw new Error(`removal message page ${page} is over its budget: the page size is wrong`);
    return payload;
  });
}

/** One removal: what, due when, and the button (or its state once claimed, verified or back). */
export function removalBlock(r: RemovalView, now: string): SectionBlock {
  const scope = r.scope ? ` · ${userText(r.scope, 80)}` : '';
  const due = slackDate(r.dueAt, '{date_short_pretty} {time}', dayLabel(r.dueAt));
  const late = r.state === 'overdue' ? ':red_circle: *Overdue* · ' : '';
  const head = `*${userText(r.accountId, 100)}* · ${userText(r.role, 80)}${scope}\n${late}Due ${due} (${relativeDue(r.dueAt, now)}) · ${r.requestedBy === 'policy' ? 'to remove by policy (a leaver or an ended contract, no review)' : `revoked by ${userText(r.requestedBy, 80)}`}`;
  const raw = statusLine(r);
  const status = raw ? fitMrkdwn(raw, STATUS_MAX) : null;
  // The state line is never cut: the description gives way to it.
  const text = status ? `${fitMrkdwn(head, ENTRY_TEXT_MAX - status.length - 1)}\n${status}` : fitMrkdwn(head, ENTRY_TEXT_MAX);
  const block: SectionBlock = { type: 'section', block_id: removalBlockId(r.id), text: { type: 'mrkdwn', text } };
  if (canMove(r.state, 'claimed')) block.accessory = markRemovedButton(r.id);
  return block;
}

function statusLine(r: RemovalView): string | null {
  if (r.state === 'claimed') {
    const when = r.claimedAt ? ` ${slackDate(r.claimedAt, '{date_short_pretty} {time}', dayLabel(r.claimedAt))}` : '';
    return `:hourglass_flowing_sand: Marked removed by ${userText(r.claimedBy ?? 'someone', 80)}${when}: verified when a sync no longer shows it.`;
  }
  if (r.state === 'verified') return `:white_check_mark: Verified removed${r.verifiedAt ? ` ${dayLabel(r.verifiedAt)}` : ''}: a sync no longer shows it.`;
  if (r.state === 'reappeared') return ':warning: Removed, then back in a later sync: the security team follows it up.';
  return null;
}

function markRemovedButton(remediationId: string): ButtonElement {
  return {
    type: 'button',
    action_id: REMEDIATION_ACTION_IDS.markRemoved,
    text: { type: 'plain_text', text: BUTTON_TEXT },
    value: buttonValue(remediationId),
    confirm: {
      title: { type: 'plain_text', text: CONFIRM.title },
      text: { type: 'plain_text', text: CONFIRM.text },
      confirm: { type: 'plain_text', text: CONFIRM.confirm },
      deny: { type: 'plain_text', text: CONFIRM.deny },
    },
  };
}
