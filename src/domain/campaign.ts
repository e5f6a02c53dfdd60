import type { Finding } from './finding.js';
import type { GrantDetail } from './grant.js';

/**
 * One run of a review definition for one period (e.g. 2026-Q4); unique per (reviewId, period).
 * It freezes the grants in scope as review items when it opens.
 */
export const CAMPAIGN_STATES = ['opening', 'open', 'closed'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

export interface Campaign {
  /** Derived: `${reviewId}:${period}`, so the id itself carries the uniqueness rule. */
  id: string;
  reviewId: string;
  period: string;
  name: string;
  state: CampaignState;
  openedAt: string;
  dueAt: string;
  closedAt: string | null;
  /** Who opened it: 'scheduler', or the email of a person. */
  openedBy: string;
}

export function campaignId(reviewId: string, period: string): string {
  return `${reviewId}:${period}`;
}

export const ITEM_STATES = ['pending', 'approved', 'revoked', 'expired'] as const;
export type ItemState = (typeof ITEM_STATES)[number];

/** One grant to recertify, assigned to one reviewer. pending -> approved | revoked | expired (final). */
export interface ReviewItem {
  /** Derived from campaign and grant: idempotent creation. */
  id: string;
  campaignId: string;
  grantId: string;
  systemId: string;
  accountId: string;
  role: string;
  scope: string;
  /** The subject: whose access this is (null for an unowned account). */
  identityId: string | null;
  /** Identity id of the assigned reviewer. */
  reviewerId: string;
  /** Why this reviewer: 'manager' | 'systemOwner' | 'securityTeam' | 'fallback' | 'delegated'. */
  reviewerSource: string;
  state: ItemState;
  findings: Finding[];
  lastActivityAt: string | null;
  decisionId: string | null;
  updatedAt: string;
  /**
   * The grant's detail when the campaign opened (see GrantDetail): what the reviewer was shown
   * the access means ("can approve withdrawals over 1M EUR"), kept as evidence of what was
   * certified. Absent when the grant had none.
   */
  detail?: GrantDetail | null;
  /**
   * Multi-stage reviews (reviews/review-stages.ts): the stage the item is in (pending) or was
   * settled at. Absent: stage 1, which every item of a single-stage definition stays in.
   */
  stage?: number;
  /** When the item is due in its current stage, set when it reached stage 2+ (absent: stage 1's due). */
  stageDueAt?: string;
}

export function reviewItemId(campaign: string, grant: string): string {
  return `${campaign}/${grant}`;
}

export const DECISION_OUTCOMES = ['approve', 'revoke'] as const;
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];

export const DECISION_CHANNELS = ['slack', 'cli'] as const;
export type DecisionChannel = (typeof DECISION_CHANNELS)[number];

/** Who decided what, when, why, through which channel. Never updated in place. */
export interface Decision {
  /** One decision per item: the id is the item id. */
  id: string;
  itemId: string;
  campaignId: string;
  outcome: DecisionOutcome;
  reviewerId: string;
  reviewerEmail: string | null;
  reviewerSlackId: string | null;
  channel: DecisionChannel;
  justification: string | null;
  decidedAt: string;
  findingsAtDecision: Finding[];
  /** True when recorded by the demo's simulated reviewers. */
  simulated: boolean;
  /**
   * Who entered the decision on the reviewer's behalf: the operator of `decide` (its
   * `--operator`, else IAM_REVIEW_OPERATOR, else the OS user@host). Null when the reviewer
   * acted themselves in Slack. Recorded in decision.recorded (absent there: null).
   */
  operator: string | null;
  /**
   * True when recorded through "approve all without findings" (reviews/approve-all.ts); absent
   * for a decision on one item. Recorded in decision.recorded as `approveAll: true` (absent: one item).
   */
  approveAll?: boolean;
  /**
   * The stage the decision was made at (multi-stage reviews); absent: stage 1. A decision that
   * settled its item has the item's id; one that passed the item on to a later stage is a
   * stage decision, id `${itemId}#${stage}` (stageDecisionId).
   */
  stage?: number;
}

/** The id of a decision that passed an item on from `stage` to a later one. */
export function stageDecisionId(itemId: string, stage: number): string {
  return `${itemId}#${stage}`;
}

export function outcomeState(outcome: DecisionOutcome): ItemState {
  return outcome === 'approve' ? 'approved' : 'revoked';
}
