import type { Decision, ReviewItem } from '../../domain/index.js';
import { parseGrantDetail } from '../../domain/index.js';
import { parseJson } from './parse-json.js';

/** Review item and decision columns, aliased to the domain's field names. */
export const ITEM_COLUMNS = `i.id, i.campaign_id AS campaignId, i.grant_id AS grantId, i.system_id AS systemId,
  i.account_id AS accountId, i.role, i.scope, i.identity_id AS identityId, i.reviewer_id AS reviewerId,
  i.reviewer_source AS reviewerSource, i.state, i.findings, i.last_activity_at AS lastActivityAt,
  i.decision_id AS decisionId, i.updated_at AS updatedAt, i.detail, i.stage, i.stage_due_at AS stageDueAt`;

export const DECISION_COLUMNS = `id, item_id AS itemId, campaign_id AS campaignId, outcome, reviewer_id AS reviewerId,
  reviewer_email AS reviewerEmail, reviewer_slack_id AS reviewerSlackId, channel, justification,
  decided_at AS decidedAt, findings_at_decision AS findingsAtDecision, simulated, operator, approve_all AS approveAll, stage`;

export type ItemRow = Omit<ReviewItem, 'findings' | 'detail' | 'stage' | 'stageDueAt'> & { findings: string; detail: string | null; stage: number; stageDueAt: string | null };
export type DecisionRow = Omit<Decision, 'findingsAtDecision' | 'simulated' | 'approveAll' | 'stage'> & { findingsAtDecision: string; simulated: number; approveAll: number; stage: number };

export function toItem(row: ItemRow): ReviewItem {
  const { detail, stage, stageDueAt, ...rest } = row;
  const item: ReviewItem = { ...rest, findings: parseJson(row.findings, 'review_items.findings') };
  // Absent, not null, when the grant had none (as grants are read).
  if (detail !== null) item.detail = parseGrantDetail(detail);
  // Absent at stage 1, as the domain type says (a single-stage campaign's items never have them).
  if (stage !== 1) item.stage = stage;
  if (stageDueAt !== null) item.stageDueAt = stageDueAt;
  return item;
}

export function toDecision(row: DecisionRow): Decision {
  const { approveAll, stage, ...rest } = row;
  return {
    ...rest,
    findingsAtDecision: parseJson(row.findingsAtDecision, 'decisions.findings_at_decision'),
    simulated: row.simulated === 1,
    // Present only when true, as decideItem records it.
    ...(approveAll === 1 ? { approveAll: true } : {}),
    // Absent at stage 1.
    ...(stage !== 1 ? { stage } : {}),
  };
}
