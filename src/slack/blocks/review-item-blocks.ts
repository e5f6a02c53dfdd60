import type { DecisionOutcome, ReviewItem } from '../../domain/campaign.js';
import type { Finding, FindingType, Severity } from '../../domain/finding.js';
import { severityRank } from '../../domain/finding.js';
import { recommend, recommendationText } from '../../domain/recommendation.js';
import type { ItemRecommendation } from '../../domain/recommendation.js';
import { adviceOf } from '../../policies/rules/finding-advice.js';
import { FINDING_RULES } from '../../policies/rules/index.js';
import { BLOCK_KIT_LIMITS } from './block-kit-limits.js';
import type { ActionsBlock, ContextBlock, SectionBlock } from './block-types.js';
import { buttonValue, itemActionsBlockId, itemBlockId, overflowValue, REVIEW_ACTION_IDS } from './review-actions.js';
import { dayLabel, fitMrkdwn, relativePast, slackDate, userText, utcLabel } from './mrkdwn.js';

/** Whose access an item is, as shown to the reviewer. */
export interface SubjectView {
  name: string;
  email: string | null;
  /** From the identity source (Entra `jobTitle`, HR `job_title`); absent or null when unknown. */
  jobTitle?: string | null;
  /** From the identity source (Entra `department`, HR `department`); absent or null when unknown. */
  department?: string | null;
}

/** The item's system as its config names it (connectors/<system>.yaml). */
export interface SystemView {
  name: string;
  criticality: string;
}

/** A recorded decision, as shown on the decided item. */
export interface DecisionView {
  outcome: DecisionOutcome;
  decidedAt: string;
  /** Display name (or email) of who decided. */
  deciderName: string;
  justification: string | null;
}

/** Where an item of a multi-stage campaign is (review-stages.ts): its stage of how many, and its due there. */
export interface StageView {
  number: number;
  /** How many stages the definition has (more than one: single-stage items carry no StageView). */
  count: number;
  name: string;
  /** When the item is due in this stage (itemDueAt); shown while it is pending. */
  dueAt: string;
}

/** A decision of an earlier stage that passed the item on, as shown to the later stages. */
export interface StageDecisionView extends DecisionView {
  stage: number;
  stageName: string;
}

/** One item of a review message or of the App Home. */
export interface ReviewEntry {
  item: ReviewItem;
  /** null for an unowned account (service account, orphan). */
  subject: SubjectView | null;
  decision?: DecisionView | null;
  /** The system's name and criticality; absent: the item shows its system id. */
  system?: SystemView | null;
  /** The role's description from the system's policy (policies/<system>.yaml), when it has one. */
  roleDescription?: string | null;
  /**
   * False when the item's system reported no activity in the campaign's snapshot: a missing last
   * activity then reads "no activity data" instead of "never used" (default true).
   */
  activityKnown?: boolean;
  /**
   * Multi-stage campaigns only: the item's stage. Absent for a single-stage campaign, whose items
   * render as they always did.
   */
  stage?: StageView | null;
  /** Multi-stage campaigns only: the decisions of the earlier stages, first stage first. */
  earlierStages?: readonly StageDecisionView[];
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
const CAP = { name: 60, email: 80, title: 60, department: 60, system: 60, role: 80, roleDescription: 150, scope: 80, account: 80, summary: 160, reason: 120, recommendation: 160, decider: 40, justification: 60 } as const;
/** Hard cap of an item's section text; far below Slack's 3,000 so pages hold many items. */
const SECTION_MAX = 1_100;
/**
 * Characters reserved for an item's second block, pending (buttons) or decided (status line).
 * Pages are packed with this reservation, so a decision never moves an item to another page and
 * each page can be updated in place.
 */
const ITEM_STATUS_MAX = 200;
/**
 * Characters reserved, in the section of an item of a multi-stage campaign, for its stage line and
 * the earlier stages' decisions: the item's budget includes it whatever the item's stage, so
 * passing it on never moves it to another page.
 */
const STAGE_MAX = 500;
/** Caps of the stage lines' free text (the Details modal shows the justifications in full). */
const STAGE_CAP = { stageName: 40, justification: 120 } as const;

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

/** `*Name* · Job title, Department · email` (the parts the directory knows). */
function subjectLine(entry: Pick<ReviewEntry, 'item' | 'subject'>): string {
  const { item, subject } = entry;
  if (!subject) return `*Unowned account* ${code(item.accountId, CAP.account)}`;
  const title = nonEmpty(subject.jobTitle);
  const department = nonEmpty(subject.department);
  const work = [title ? userText(title, CAP.title) : null, department ? userText(department, CAP.department) : null].filter((x) => x !== null).join(', ');
  const email = subject.email ? ` · ${userText(subject.email, CAP.email)}` : '';
  return `*${userText(subject.name, CAP.name)}*${work ? ` · ${work}` : ''}${email}`;
}

function nonEmpty(text: string | null | undefined): string | null {
  return typeof text === 'string' && text.trim() !== '' ? text : null;
}

/** `*Custody wallet* (critical) · role \`SIGNER\` · scope \`x\``; the system id when the config does not name it. */
function accessLine(entry: ReviewEntry): string {
  const { item, system } = entry;
  const name = system ? `*${userText(system.name, CAP.system)}* (${userText(system.criticality, 20)})` : `*${userText(item.systemId, CAP.system)}*`;
  const scope = item.scope ? ` · scope ${code(item.scope, CAP.scope)}` : '';
  return `${name} · role ${code(item.role, CAP.role)}${scope}`;
}

/** The item's recommendation (see `recommend`): from its frozen findings and last activity. */
export function itemRecommendation(entry: Pick<ReviewEntry, 'item' | 'activityKnown'>, now: string): ItemRecommendation {
  return recommend({ findings: entry.item.findings, lastActivityAt: entry.item.lastActivityAt, activityKnown: entry.activityKnown ?? true }, adviceOf, now);
}

/** `Last activity: 12 days ago (2026-11-22)`, `never used` or `no activity data`. */
function activityText(entry: Pick<ReviewEntry, 'item' | 'activityKnown'>, now: string): string {
  const at = entry.item.lastActivityAt;
  if (at) return `${relativePast(at, now)} (${dayLabel(at)})`;
  return entry.activityKnown === false ? 'no activity data' : 'never used';
}

/**
 * The section text describing an item: who, their job; the system, its criticality, the role
 * and what it is for; what it allows; last activity; findings with the top one's reason; the
 * recommendation. Independent of the item's state, so its size never changes with a decision.
 */
export function itemSectionText(entry: ReviewEntry, now: string): string {
  const base = baseSectionText(entry, now);
  return entry.stage ? `${base}\n${stageText(entry, entry.stage)}` : base;
}

function baseSectionText(entry: ReviewEntry, now: string): string {
  const { item } = entry;
  const lines = [subjectLine(entry), accessLine(entry)];
  const description = nonEmpty(entry.roleDescription);
  if (description) lines.push(`Role: ${userText(description, CAP.roleDescription)}`);
  // What the connector says the access allows (a custody-policy rule, a key's privileges).
  const summary = item.detail?.summary;
  if (typeof summary === 'string' && summary.trim() !== '') lines.push(`Allows: ${userText(summary, CAP.summary)}`);
  lines.push(`Last activity: ${activityText(entry, now)}`);
  const badges = findingBadges(item.findings);
  if (badges.length > 0) {
    lines.push(badges.join(' · '));
    const top = topFinding(item.findings);
    if (top) lines.push(`> ${userText(top.reason, CAP.reason)}`);
  }
  // Last and never cut: what does not fit is taken from the lines above it.
  const recommended = `*Recommended:* ${userText(recommendationText(itemRecommendation(entry, now)), CAP.recommendation)}`;
  return `${fitMrkdwn(lines.join('\n'), SECTION_MAX - recommended.length - 1)}\n${recommended}`;
}

/** `Revoked by Boss · <date> — “reason”` */
function decisionLine(decision: DecisionView, justificationMax: number, approved = decision.outcome === 'approve'): string {
  const head = approved ? ':white_check_mark: *Approved*' : ':no_entry: *Revoked*';
  const when = slackDate(decision.decidedAt, '{date_short_pretty} {time}', utcLabel(decision.decidedAt));
  const why = decision.justification ? ` — “${userText(decision.justification, justificationMax)}”` : '';
  return `${head} by ${userText(decision.deciderName, CAP.decider)} · ${when}${why}`;
}

/** `Stage 2 of 2: Owner confirmation` */
export function stageLabel(stage: Pick<StageView, 'number' | 'count' | 'name'>): string {
  return `Stage ${stage.number} of ${stage.count}: ${userText(stage.name, STAGE_CAP.stageName)}`;
}

/**
 * The stage lines of a multi-stage item: `*Stage 2 of 2: Owner confirmation* · due <date>` (the
 * due while pending), then each earlier stage's decision, quoted, within STAGE_MAX.
 */
function stageText(entry: ReviewEntry, stage: StageView): string {
  const due = entry.item.state === 'pending' ? ` · due ${slackDate(stage.dueAt, '{date_short_pretty}', dayLabel(stage.dueAt))}` : '';
  const lines = [`:busts_in_silhouette: *${stageLabel(stage)}*${due}`];
  for (const d of entry.earlierStages ?? []) lines.push(`> Stage ${d.stage} (${userText(d.stageName, STAGE_CAP.stageName)}): ${decisionLine(d, STAGE_CAP.justification)}`);
  return fitMrkdwn(lines.join('\n'), STAGE_MAX);
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
      if (!decision) return item.state === 'approved' ? ':white_check_mark: *Approved*' : ':no_entry: *Revoked*';
      return decisionLine(decision, CAP.justification, item.state === 'approved');
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
      // Last, so Approve / Revoke / the menu keep their places: the full finding text and evidence.
      { type: 'button', action_id: REVIEW_ACTION_IDS.details, text: { type: 'plain_text', text: 'Details' }, value: buttonValue(item.id) },
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
  const stage = entry.stage ? 1 + STAGE_MAX : 0;
  return 2 * BLOCK_KIT_LIMITS.messageBlockOverheadChars + baseSectionText(entry, now).length + stage + ITEM_STATUS_MAX;
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
