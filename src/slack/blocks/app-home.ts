import type { Campaign } from '../../domain/campaign.js';
import type { Block, HomeView } from './block-types.js';
import { boundedList } from './bounded-list.js';
import type { CoverageLine } from './coverage-home.js';
import { coverageHomeBlocks } from './coverage-home.js';
import type { JustificationRule, ReviewEntry } from './review-item-blocks.js';
import { compareEntries, reviewItemBlocks } from './review-item-blocks.js';
import { dayLabel, fitMrkdwn, plural, relativeDue, slackDate, userText } from './mrkdwn.js';
import type { RemovalView } from './removal-message.js';
import { compareRemovals, removalBlock } from './removal-message.js';

type CampaignView = Pick<Campaign, 'id' | 'name' | 'dueAt'>;

export interface ReviewerProgress {
  name: string;
  done: number;
  pending: number;
}

export interface AppHomeInput {
  user: { name: string };
  now: string;
  /** The user's pending items, per open campaign. */
  pending: ReadonlyArray<{ campaign: CampaignView; items: readonly ReviewEntry[] }>;
  /**
   * Progress of every open campaign per reviewer, and for a multi-stage campaign its pending items
   * per stage (absent: single-stage); only for security-team users (else null).
   */
  progress: ReadonlyArray<{ campaign: CampaignView; reviewers: readonly ReviewerProgress[]; stages?: readonly StagePending[] }> | null;
  justification?: JustificationRule;
  /**
   * For a system owner: the removals of their systems not verified yet, with due times and the
   * "Mark removed" button (absent or empty: the part is not shown).
   */
  removals?: ReadonlyArray<{ system: { id: string; name: string }; removals: readonly RemovalView[] }>;
  /** For security-team users: every system's review cadence (DORA coverage; absent or null: not shown). */
  coverage?: readonly CoverageLine[] | null;
}

/** Pending items of a multi-stage campaign at one of its stages. */
export interface StagePending {
  number: number;
  name: string;
  pending: number;
}

/** Blocks the Home tab uses at most (Slack allows 100; the rest is headroom). */
export const APP_HOME_MAX_BLOCKS = 90;
/** Removals listed (one block each); more are counted in one line. */
const MAX_REMOVALS = 25;
/** Campaigns listed in the security-team part; more are summarised in one line. */
const MAX_PROGRESS_CAMPAIGNS = 10;

/**
 * The App Home: the user's pending items across campaigns (with the same buttons as the review
 * message), then, for the security team, progress of every open campaign (done / pending / overdue
 * per reviewer) and every system's review cadence (next due, overdue). Beyond the block budget it says how many items are not shown and where they are.
 */
export function appHome(input: AppHomeInput): HomeView {
  const security = [...(input.progress ? progressBlocks(input.progress, input.now) : []), ...(input.coverage ? coverageHomeBlocks(input.coverage, input.now) : [])];
  const removals = removalBlocks(input.removals ?? [], input.now);
  const blocks: Block[] = [{ type: 'header', text: { type: 'plain_text', text: 'Your access reviews' } }];
  // One block is kept for the "and N more" line.
  const itemBudget = APP_HOME_MAX_BLOCKS - blocks.length - security.length - removals.length - 1;
  const total = input.pending.reduce((n, group) => n + group.items.length, 0);
  if (total === 0) {
    const text = removals.length > 0 ? `No review item is waiting for you, ${userText(input.user.name, 60)}.` : `:tada: Nothing is waiting for you, ${userText(input.user.name, 60)}.`;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text } });
  }
  let used = 0;
  let shown = 0;
  for (const group of input.pending) {
    if (group.items.length === 0) continue;
    if (used + 3 > itemBudget) break;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: campaignLine(group.campaign, `${group.items.length} pending`, input.now) } });
    used += 1;
    for (const entry of [...group.items].sort(compareEntries)) {
      if (used + 2 > itemBudget) break;
      blocks.push(...reviewItemBlocks(entry, { now: input.now, interactive: true, justification: input.justification ?? { revoke: true, approveWithFindings: true } }));
      used += 2;
      shown += 1;
    }
  }
  if (shown < total) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `…and ${plural(total - shown, 'more pending item')}: they are all in your review messages from this app, or type \`/access-review status\`.` }],
    });
  }
  return { type: 'home', blocks: [...blocks, ...removals, ...security] };
}

/**
 * The owner's part: their systems' removals not verified yet, due first; each with the same
 * block as the removal request DM (the button while it can be claimed, else its state).
 */
function removalBlocks(groups: NonNullable<AppHomeInput['removals']>, now: string): Block[] {
  const all = groups.flatMap((g) => g.removals.map((r) => ({ system: g.system, r }))).sort((a, b) => compareRemovals(a.r, b.r));
  if (all.length === 0) return [];
  const systems = groups.filter((g) => g.removals.length > 0).map((g) => userText(g.system.name, 60));
  const blocks: Block[] = [
    { type: 'divider' },
    { type: 'header', text: { type: 'plain_text', text: 'Access to remove (systems you own)' } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: fitMrkdwn(`${plural(all.length, 'revoked grant')} not verified removed yet in ${systems.join(', ')}. A removal counts as done when a sync no longer shows it.`, 600) }] },
  ];
  for (const { r } of all.slice(0, MAX_REMOVALS)) blocks.push(removalBlock(r, now));
  if (all.length > MAX_REMOVALS) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${plural(all.length - MAX_REMOVALS, 'more removal')}: \`iam-review remediation list\`.` }] });
  }
  return blocks;
}

function campaignLine(campaign: CampaignView, detail: string, now: string): string {
  const due = slackDate(campaign.dueAt, '{date_short_pretty}', dayLabel(campaign.dueAt));
  return fitMrkdwn(`*${userText(campaign.name, 120)}* · due ${due} (${relativeDue(campaign.dueAt, now)}) · ${detail}`, 600);
}

function progressBlocks(progress: NonNullable<AppHomeInput['progress']>, now: string): Block[] {
  const blocks: Block[] = [
    { type: 'divider' },
    { type: 'header', text: { type: 'plain_text', text: 'Open campaigns (security team)' } },
  ];
  if (progress.length === 0) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: 'No campaign is open.' } });
    return blocks;
  }
  for (const { campaign, reviewers, stages } of progress.slice(0, MAX_PROGRESS_CAMPAIGNS)) {
    const overdue = new Date(now).getTime() > new Date(campaign.dueAt).getTime();
    const done = reviewers.reduce((n, r) => n + r.done, 0);
    const pending = reviewers.reduce((n, r) => n + r.pending, 0);
    const late = overdue ? reviewers.filter((r) => r.pending > 0).length : 0;
    const byStage = stages && stages.length > 0 ? ` (${stages.map((st) => `stage ${st.number} ${userText(st.name, 40)}: ${st.pending}`).join(', ')})` : '';
    const detail = `${done}/${done + pending} decided · ${pending} pending${byStage}${overdue ? ` · :red_circle: ${plural(late, 'reviewer')} overdue` : ''}`;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: campaignLine(campaign, detail, now) } });
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: reviewerList(campaign.id, reviewers, overdue) } });
  }
  const hidden = progress.length - MAX_PROGRESS_CAMPAIGNS;
  if (hidden > 0) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${plural(hidden, 'more open campaign')}: \`iam-review campaign list\`.` }] });
  }
  return blocks;
}

/** One line per reviewer, those with most pending first; what does not fit is counted, not dropped. */
function reviewerList(campaignId: string, reviewers: readonly ReviewerProgress[], overdue: boolean): string {
  const sorted = [...reviewers].sort((a, b) => b.pending - a.pending || a.name.localeCompare(b.name));
  return boundedList(
    sorted.map((r) => `• ${userText(r.name, 60)}: ${r.done} done · ${r.pending} pending${overdue && r.pending > 0 ? ` · *${r.pending} overdue*` : ''}`),
    (rest) => `…and ${plural(rest, 'more reviewer')}: \`/access-review status ${userText(campaignId, 200)}\``,
  );
}
