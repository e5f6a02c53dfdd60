import type { DecisionOutcome, ReviewItem } from '../../domain/campaign.js';
import type { Finding, FindingType, Severity } from '../../domain/finding.js';
import { severityRank } from '../../domain/finding.js';
import { FINDING_RULES } from '../../policies/rules/index.js';
import { BLOCK_KIT_LIMITS } from './block-kit-limits.js';
import type { ActionsBlock, ContextBlock, SectionBlock } from './block-types.js';
import { buttonValue, itemActionsBlockId, itemBlockId, overflowValue, REVIEW_ACTION_IDS } from './review-actions.js';
import { dayLabel, fitMrkdwn, relativePast, slackDate, userText, utcLabel } from './mrkdwn.js';

/** Whose access an item is, as shown to the reviewer. */
export interface SubjectView {
  name: string;
  email: string | null;
}

/** A recorded decision, as shown on the decided item. */
export interface DecisionView {
  outcome: DecisionOutcome;
  decidedAt: string;
  /** Display name (or email) of who decided. */
  deciderName: string;
  justification: string | null;
}

/** One item of a review message or of the App Home. */
export interface ReviewEntry {
  item: ReviewItem;
  /** null for an unowned account (service account, orphan). */
  subject: SubjectView | null;
  decision?: DecisionView | null;
}

/** Which decisions open the justification modal (the review definition's `requireJustification`). */
export interface JustificationRule {
  revoke: boolean;
  approveWithFindings: boolean;
}

export interface ItemRenderOptions {
  now: string;
  /** False once the campaign is closed: no buttons. */
  interactive: boolean;
  justification: JustificationRule;
}

/** Field caps for free text taken from directories and connectors (original characters). */
const CAP = { name: 60, email: 80, system: 60, role: 80, scope: 80, account: 80, summary: 160, reason: 120, decider: 40, justification: 60 } as const;
/** Hard cap of an item's section text; far below Slack's 3,000 so pages hold many items. */
const SECTION_MAX = 900;
/**
 * Characters reserved for an item's second block, pending (buttons) or decided (status line).
 * Pages are packed with this reservation, so a decision never moves an item to another page and
 * each page can be updated in place.
 */
const ITEM_STATUS_MAX = 200;

/** Each finding type's badge, as its rule (policies/rules/) words it. */
const BADGES = new Map<FindingType, string>(FINDING_RULES.map((rule) => [rule.type, rule.badge]));

/** Findings as badges, one per type, highest severity first: `:warning: SoD conflict (high)`. */
export function findingBadges(findings: readonly Finding[]): string[] {
  const byType = new Map<FindingType, { severity: Severity; count: number }>();
  for (const f of findings) {
    const seen = byType.get(f.type);
    if (!seen) byType.set(f.type, { severity: f.severity, count: 1 });
    else {
      seen.count += 1;
      if (severityRank(f.severity) > severityRank(seen.severity)) seen.severity = f.severity;
    }
  }
  return [...byType.entries()]
    .sort((a, b) => severityRank(b[1].severity) - severityRank(a[1].severity) || a[0].localeCompare(b[0]))
    .map(([type, { severity, count }]) => `${BADGES.get(type)}${count > 1 ? ` ×${count}` : ''}${severity === 'high' ? ' (high)' : ''}`);
}

/** The highest-severity finding (first in input order among equals), or null. */
function topFinding(findings: readonly Finding[]): Finding | null {
  let top: Finding | null = null;
  for (const f of findings) if (!top || severityRank(f.severity) > severityRank(top.severity)) top = f;
  return top;
}

/** Text for a code span: backticks would end it early. */
function code(text: string, max: number): string {
  return '`' + userText(text.replace(/`/g, "'"), max) + '`';
}

function subjectLine(entry: Pick<ReviewEntry, 'item' | 'subject'>): string {
  const { item, subject } = entry;
  if (!subject) return `*Unowned account* ${code(item.accountId, CAP.account)}`;
  const email = subject.email ? ` · ${userText(subject.email, CAP.email)}` : '';
  return `*${userText(subject.name, CAP.name)}*${email}`;
}

/** The section text describing an item (independent of its state, so its size never changes). */
export function itemSectionText(entry: ReviewEntry, now: string): string {
  const { item } = entry;
  const lines = [subjectLine(entry)];
  const scope = item.scope ? ` · scope ${code(item.scope, CAP.scope)}` : '';
  lines.push(`*${userText(item.systemId, CAP.system)}* · role ${code(item.role, CAP.role)}${scope}`);
  // What the connector says the access allows (a custody-policy rule, a key's privileges).
  const summary = item.detail?.summary;
  if (typeof summary === 'string' && summary.trim() !== '') lines.push(`Allows: ${userText(summary, CAP.summary)}`);
  const activity = item.lastActivityAt
    ? `${relativePast(item.lastActivityAt, now)} (${dayLabel(item.lastActivityAt)})`
    : 'never used';
  lines.push(`Last activity: ${activity}`);
  const badges = findingBadges(item.findings);
  if (badges.length > 0) {
    lines.push(badges.join(' · '));
    const top = topFinding(item.findings);
    if (top) lines.push(`> ${userText(top.reason, CAP.reason)}`);
  }
  return fitMrkdwn(lines.join('\n'), SECTION_MAX);
}

function statusText(entry: ReviewEntry): string | null {
  const { item, decision } = entry;
  switch (item.state) {
    case 'pending':
      return null;
    case 'expired':
      return ':hourglass_flowing_sand: *Expired*: not reviewed before the campaign closed';
    case 'approved':
    case 'revoked': {
      const head = item.state === 'approved' ? ':white_check_mark: *Approved*' : ':no_entry: *Revoked*';
      if (!decision) return head;
      const when = slackDate(decision.decidedAt, '{date_short_pretty} {time}', utcLabel(decision.decidedAt));
      const why = decision.justification ? ` — “${userText(decision.justification, CAP.justification)}”` : '';
      return `${head} by ${userText(decision.deciderName, CAP.decider)} · ${when}${why}`;
    }
  }
}

function itemActions(entry: ReviewEntry, justification: JustificationRule): ActionsBlock {
  const { item } = entry;
  const hasFindings = item.findings.length > 0;
  const approveOpensModal = hasFindings && justification.approveWithFindings;
  return {
    type: 'actions',
    block_id: itemActionsBlockId(item.id),
    elements: [
      {
        type: 'button',
        action_id: REVIEW_ACTION_IDS.approve,
        text: { type: 'plain_text', text: approveOpensModal ? 'Approve…' : 'Approve' },
        style: 'primary',
        value: buttonValue(item.id),
      },
      {
        type: 'button',
        action_id: REVIEW_ACTION_IDS.revoke,
        text: { type: 'plain_text', text: justification.revoke ? 'Revoke…' : 'Revoke' },
        style: 'danger',
        value: buttonValue(item.id),
      },
      {
        type: 'overflow',
        action_id: REVIEW_ACTION_IDS.more,
        options: [
          { text: { type: 'plain_text', text: 'Delegate to someone else…' }, value: overflowValue('delegate', item.id) },
          { text: { type: 'plain_text', text: 'Approve with a comment…' }, value: overflowValue('comment', item.id) },
        ],
      },
    ],
  };
}

/**
 * The two blocks of an item: its description, then Approve / Revoke / overflow while it is pending
 * and the campaign open, or a status line once decided ("Approved by X · date — reason").
 */
export function reviewItemBlocks(entry: ReviewEntry, options: ItemRenderOptions): [SectionBlock, ActionsBlock | ContextBlock] {
  const section: SectionBlock = {
    type: 'section',
    block_id: itemBlockId(entry.item.id),
    text: { type: 'mrkdwn', text: itemSectionText(entry, options.now) },
  };
  const status = statusText(entry);
  if (status === null && options.interactive) return [section, itemActions(entry, options.justification)];
  const text = status ?? ':hourglass_flowing_sand: Not decided';
  return [section, { type: 'context', block_id: itemActionsBlockId(entry.item.id), elements: [{ type: 'mrkdwn', text: fitMrkdwn(text, ITEM_STATUS_MAX) }] }];
}

/** Size an item counts against a message's block budget (see `messageBlocksChars`), whatever its state. */
export function itemBudgetChars(entry: ReviewEntry, now: string): number {
  return 2 * BLOCK_KIT_LIMITS.messageBlockOverheadChars + itemSectionText(entry, now).length + ITEM_STATUS_MAX;
}

/** Order shown to reviewers: items with findings first (highest severity), then by person, then id. */
export function compareEntries(a: ReviewEntry, b: ReviewEntry): number {
  const sev = (e: ReviewEntry): number => {
    const top = topFinding(e.item.findings);
    return top ? severityRank(top.severity) : -1;
  };
  return (
    sev(b) - sev(a) ||
    (a.subject?.name ?? '\uffff').localeCompare(b.subject?.name ?? '\uffff') ||
    (a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0)
  );
}
