/**
 * The rows of an evidence pack, built from store values without I/O: one decision record per
 * review item (decisions.csv / decisions.json), one finding row per finding an item carried at
 * review time (findings.csv). events.csv's rows are event-csv.ts'.
 */
import type { Campaign, Decision, Finding, LedgerEvent, ReviewItem } from '../domain/index.js';
import type { PackRemediation } from './evidence-remediations.js';
import { hoursBetween, NOT_OPENED } from './evidence-remediation-record.js';
import type { Pseudonymizer } from './pseudonymizer.js';

export interface Delegation {
  from: string;
  to: string;
  by: string;
  at: string;
  reason: string | null;
}

export interface PersonRef {
  email: string | null;
  name: string | null;
}

/** What a record needs besides the item and its decision; every lookup is in memory. */
export interface RecordContext {
  campaign: Campaign;
  criticality(systemId: string): string;
  person(identityId: string): PersonRef | null;
  /** The Slack user id of a reviewer, when known. */
  slackId(identityId: string, email: string | null): string | null;
  delegations(itemId: string): readonly Delegation[];
  /** Multi-stage reviews: the decisions that passed the item on from its earlier stages (none: a single-stage item). */
  earlierStages?(itemId: string): readonly Decision[];
  /** The remediation of a revoked item, once opened (none: the pack has no remediation data). */
  remediation?(itemId: string): PackRemediation | null;
  p: Pseudonymizer;
}

export interface FindingAtReview {
  key: string;
  type: string;
  severity: string;
  rule: string;
  reason: string | null;
}

export interface DecisionRecord {
  campaign: string;
  period: string;
  system: string;
  criticality: string;
  item: string;
  grant: string;
  account: string | null;
  identity: string | null;
  identityEmail: string | null;
  identityName: string | null;
  role: string;
  scope: string;
  /** What the access allows, as the reviewer was shown it (the grant detail's summary), null when none. */
  accessDetail: string | null;
  findings: FindingAtReview[];
  reviewer: string | null;
  reviewerEmail: string | null;
  reviewerSlackId: string | null;
  reviewerSource: string;
  state: string;
  decision: string | null;
  justification: string | null;
  decidedAt: string | null;
  /** Decided after the campaign's due date. */
  decidedLate: boolean;
  channel: string | null;
  simulated: boolean;
  /** Who entered the decision on the reviewer's behalf (`decide`); null when the reviewer acted in Slack. */
  operator: string | null;
  /** Decided through "approve all without findings" (rubber-stamp detection reads it), not one by one. */
  approveAll: boolean;
  delegation: Delegation[];
  /** For revokes: the remediation's state, `not-opened` while it has none; null for other items. */
  remediationState: string | null;
  /** For revokes: when a complete, applied snapshot first showed the grant gone, and which one. */
  removedVerifiedAt: string | null;
  verifiedSnapshot: string | null;
  /** Hours from the revoke decision to that snapshot. */
  hoursToRemoval: number | null;
  /** The stage the item was settled at, or is pending or expired at (1 for a single-stage review). */
  stage: number;
  /** Multi-stage reviews: each earlier stage's decision, which passed the item on, in stage order. */
  earlierStages: StageDecisionRecord[];
}

export interface StageDecisionRecord {
  stage: number;
  decision: string;
  reviewer: string | null;
  reviewerEmail: string | null;
  decidedAt: string;
  justification: string | null;
  channel: string;
  operator: string | null;
  approveAll: boolean;
}

export function decisionRecord(item: ReviewItem, decision: Decision | null, ctx: RecordContext): DecisionRecord {
  const { p } = ctx;
  const subject = item.identityId ? ctx.person(item.identityId) : null;
  const reviewerId = decision?.reviewerId ?? item.reviewerId;
  const reviewer = ctx.person(reviewerId);
  const reviewerEmail = decision?.reviewerEmail ?? reviewer?.email ?? null;
  const findings: Finding[] = decision?.findingsAtDecision ?? item.findings;
  const revoked = item.state === 'revoked' || decision?.outcome === 'revoke';
  const remediation = revoked ? (ctx.remediation?.(item.id)?.remediation ?? null) : null;
  return {
    campaign: item.campaignId,
    period: ctx.campaign.period,
    system: item.systemId,
    criticality: ctx.criticality(item.systemId),
    item: item.id,
    grant: item.grantId,
    account: p.value(item.accountId),
    identity: p.value(item.identityId),
    identityEmail: p.value(subject?.email ?? null),
    identityName: p.value(subject?.name ?? null),
    role: item.role,
    scope: item.scope,
    accessDetail: p.text(typeof item.detail?.summary === 'string' ? item.detail.summary : null),
    findings: findings.map((f) => ({ key: p.text(f.key)!, type: f.type, severity: f.severity, rule: f.ruleId, reason: p.text(f.reason) })),
    reviewer: p.value(reviewerId),
    reviewerEmail: p.value(reviewerEmail),
    reviewerSlackId: p.value(decision?.reviewerSlackId ?? ctx.slackId(reviewerId, reviewerEmail)),
    reviewerSource: item.reviewerSource,
    state: item.state,
    decision: decision?.outcome ?? null,
    justification: p.text(decision?.justification ?? null),
    decidedAt: decision?.decidedAt ?? null,
    decidedLate: decision ? decision.decidedAt > ctx.campaign.dueAt : false,
    channel: decision?.channel ?? null,
    simulated: decision?.simulated ?? false,
    operator: p.value(decision?.operator ?? null),
    approveAll: decision?.approveAll === true,
    delegation: ctx.delegations(item.id).map((d) => ({ ...d, from: p.value(d.from)!, to: p.value(d.to)!, by: p.value(d.by)!, reason: p.text(d.reason) })),
    remediationState: revoked ? (remediation?.state ?? NOT_OPENED) : null,
    removedVerifiedAt: remediation?.verifiedAt ?? null,
    verifiedSnapshot: remediation?.verifiedSnapshotId ?? null,
    hoursToRemoval: remediation ? hoursBetween(decision?.decidedAt ?? null, remediation.verifiedAt) : null,
    stage: item.stage ?? 1,
    earlierStages: (ctx.earlierStages?.(item.id) ?? []).map((d) => ({
      stage: d.stage ?? 1,
      decision: d.outcome,
      reviewer: p.value(d.reviewerId),
      reviewerEmail: p.value(d.reviewerEmail),
      decidedAt: d.decidedAt,
      justification: p.text(d.justification),
      channel: d.channel,
      operator: p.value(d.operator),
      approveAll: d.approveAll === true,
    })),
  };
}

/** decisions.csv columns, in order; `decisionCsvRow` fills them. */
export const DECISION_COLUMNS = [
  'campaign', 'period', 'system', 'criticality', 'item_id', 'grant_id', 'account', 'identity_id', 'identity_email', 'identity_name',
  'role', 'scope', 'findings_at_review', 'reviewer_id', 'reviewer_email', 'reviewer_slack_id', 'reviewer_source', 'state', 'decision',
  'justification', 'decided_at', 'decided_late', 'channel', 'simulated', 'delegation_chain', 'remediation_state', 'removed_verified_at',
  'verified_snapshot', 'hours_to_removal', 'access_detail', 'entered_by_operator', 'approve_all', 'stage', 'earlier_stages',
] as const;

export function decisionCsvRow(r: DecisionRecord): (string | number | null)[] {
  return [
    r.campaign, r.period, r.system, r.criticality, r.item, r.grant, r.account, r.identity, r.identityEmail, r.identityName,
    r.role, r.scope, r.findings.map((f) => `${f.type}:${f.severity}`).join('; '), r.reviewer, r.reviewerEmail, r.reviewerSlackId,
    r.reviewerSource, r.state, r.decision, r.justification, r.decidedAt, r.decidedLate ? 'yes' : 'no', r.channel,
    r.simulated ? 'yes' : 'no', delegationChain(r.delegation), r.remediationState, r.removedVerifiedAt, r.verifiedSnapshot, r.hoursToRemoval,
    r.accessDetail, r.operator, r.decision === null ? null : r.approveAll ? 'yes' : 'no', r.stage, earlierStagesText(r.earlierStages),
  ];
}

/** "1: revoke by boss@example.com at 2026-12-01T10:00:00.000Z (moved desks) | 2: ...": a multi-stage item's earlier decisions; empty for a single stage. */
export function earlierStagesText(stages: readonly StageDecisionRecord[]): string {
  return stages.map((s) => `${s.stage}: ${s.decision} by ${s.reviewerEmail ?? s.reviewer} at ${s.decidedAt}${s.justification ? ` (${s.justification})` : ''}`).join(' | ');
}

/** "A > B > C": the reviewers an item passed through, oldest first. */
export function delegationChain(delegations: readonly Delegation[]): string {
  if (delegations.length === 0) return '';
  return [delegations[0]!.from, ...delegations.map((d) => d.to)].join(' > ');
}

export const FINDING_COLUMNS = [
  'campaign', 'item_id', 'system', 'account', 'identity_id', 'role', 'scope', 'finding_key', 'type', 'severity', 'rule', 'reason', 'decision',
] as const;

export function findingCsvRows(r: DecisionRecord): (string | null)[][] {
  return r.findings.map((f) => [r.campaign, r.item, r.system, r.account, r.identity, r.role, r.scope, f.key, f.type, f.severity, f.rule, f.reason, r.decision ?? r.state]);
}

/** An `item.reassigned` event's delegation, or null when the event is of another campaign. */
export function delegationOf(e: LedgerEvent, campaignIds: ReadonlySet<string>): { itemId: string; delegation: Delegation } | null {
  const d = e.data as { campaignId?: unknown; from?: unknown; to?: unknown; reason?: unknown };
  if (typeof d.campaignId !== 'string' || !campaignIds.has(d.campaignId)) return null;
  return {
    itemId: e.subject,
    delegation: { from: String(d.from ?? ''), to: String(d.to ?? ''), by: e.actor, at: e.at, reason: typeof d.reason === 'string' ? d.reason : null },
  };
}
