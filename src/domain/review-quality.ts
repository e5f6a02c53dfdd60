/**
 * Rubber-stamp detection: how each reviewer of a campaign decided, from their decisions alone
 * (pure), and the patterns that suggest they did not look, as `review-quality` observations.
 *
 * Per reviewer: items decided, approvals and their share, approvals of items that carried
 * findings (and findings of at least the configured severity), the median and minimum time
 * between consecutive decisions (decidedAt, in decision order), and decisions recorded through
 * "approve all without findings". The patterns (each can be switched off with `false`):
 * - `approved-everything`: at least `minItems` decided, an approval share of at least
 *   `minApprovalShare`, and at least one approved item with a finding of `findingSeverity` or above;
 * - `fast-decisions`: at least `minItems` decided and a median gap under `medianGapSeconds`;
 * - `approve-all-with-findings`: approve-all used, and every item with findings approved as
 *   well (approve-all itself leaves those out: the reviewer then approved them one by one).
 * An observation is not a verdict: it asks the security team to look at the reviewer's decisions.
 */
import type { Decision } from './campaign.js';
import type { Severity } from './finding.js';
import { atLeast } from './finding.js';

export interface ApprovedEverythingThresholds {
  minItems: number;
  minApprovalShare: number;
  findingSeverity: Severity;
}
export interface FastDecisionsThresholds {
  minItems: number;
  medianGapSeconds: number;
}
export interface ReviewQualityThresholds {
  approvedEverything: ApprovedEverythingThresholds | false;
  fastDecisions: FastDecisionsThresholds | false;
  approveAllWithFindings: boolean;
}

/** Default: 20 items or more, all approved, including an item with a high finding. */
export const DEFAULT_APPROVED_EVERYTHING: ApprovedEverythingThresholds = { minItems: 20, minApprovalShare: 1, findingSeverity: 'high' };
/** Default: 10 decisions or more, a median under 3 s apart. */
export const DEFAULT_FAST_DECISIONS: FastDecisionsThresholds = { minItems: 10, medianGapSeconds: 3 };
export const DEFAULT_REVIEW_QUALITY: ReviewQualityThresholds = {
  approvedEverything: DEFAULT_APPROVED_EVERYTHING,
  fastDecisions: DEFAULT_FAST_DECISIONS,
  approveAllWithFindings: true,
};

export const REVIEW_QUALITY_PATTERNS = ['approved-everything', 'fast-decisions', 'approve-all-with-findings'] as const;
export type ReviewQualityPattern = (typeof REVIEW_QUALITY_PATTERNS)[number];

export interface ReviewQualityObservation {
  type: 'review-quality';
  pattern: ReviewQualityPattern;
  /** In words, with the reviewer's numbers and the threshold crossed. */
  text: string;
}

export interface ReviewerQuality {
  reviewerId: string;
  decided: number;
  approved: number;
  /** approved / decided (0 when nothing was decided). */
  approvalShare: number;
  /** Approvals of items that carried at least one finding when decided. */
  approvedWithFindings: number;
  /** Approvals of items with a finding of the thresholds' severity or above (default: high). */
  approvedWithSevereFindings: number;
  /** Seconds between consecutive decisions; null with fewer than two decisions. */
  medianGapSeconds: number | null;
  minGapSeconds: number | null;
  /** Decisions recorded through "approve all without findings". */
  approveAllDecisions: number;
  observations: ReviewQualityObservation[];
}

export interface ReviewQuality {
  thresholds: ReviewQualityThresholds;
  /** Every reviewer who decided something, flagged ones first, then by reviewer id. */
  reviewers: ReviewerQuality[];
  /** How many reviewers have at least one observation. */
  flagged: number;
}

export function reviewQuality(decisions: readonly Decision[], thresholds: ReviewQualityThresholds = DEFAULT_REVIEW_QUALITY): ReviewQuality {
  const byReviewer = new Map<string, Decision[]>();
  for (const d of decisions) {
    const own = byReviewer.get(d.reviewerId);
    if (own) own.push(d);
    else byReviewer.set(d.reviewerId, [d]);
  }
  const reviewers = [...byReviewer].map(([id, own]) => reviewerQuality(id, own, thresholds));
  reviewers.sort((a, b) => Number(b.observations.length > 0) - Number(a.observations.length > 0) || a.reviewerId.localeCompare(b.reviewerId));
  return { thresholds, reviewers, flagged: reviewers.filter((r) => r.observations.length > 0).length };
}

function reviewerQuality(reviewerId: string, decisions: readonly Decision[], t: ReviewQualityThresholds): ReviewerQuality {
  const severity: Severity = t.approvedEverything ? t.approvedEverything.findingSeverity : 'high';
  const approvals = decisions.filter((d) => d.outcome === 'approve');
  // Decision order: by decidedAt (each parsed once), ties by id.
  const times = decisions.map((d) => ({ at: Date.parse(d.decidedAt), id: d.id })).sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const gaps = times.slice(1).map((d, n) => (d.at - times[n]!.at) / 1000);
  const q: ReviewerQuality = {
    reviewerId,
    decided: decisions.length,
    approved: approvals.length,
    approvalShare: decisions.length === 0 ? 0 : approvals.length / decisions.length,
    approvedWithFindings: approvals.filter((d) => d.findingsAtDecision.length > 0).length,
    approvedWithSevereFindings: approvals.filter((d) => d.findingsAtDecision.some((f) => atLeast(f.severity, severity))).length,
    medianGapSeconds: median(gaps),
    // A loop, not Math.min(...gaps): a reviewer may have more decisions than a call has arguments.
    minGapSeconds: gaps.reduce<number | null>((min, g) => (min === null || g < min ? g : min), null),
    approveAllDecisions: decisions.filter((d) => d.approveAll === true).length,
    observations: [],
  };
  q.observations = observationsOf(q, t);
  return q;
}

function observationsOf(q: ReviewerQuality, t: ReviewQualityThresholds): ReviewQualityObservation[] {
  const out: ReviewQualityObservation[] = [];
  const everything = t.approvedEverything;
  if (everything && q.decided >= everything.minItems && q.approvalShare >= everything.minApprovalShare && q.approvedWithSevereFindings > 0) {
    const share = q.approved === q.decided ? 'all' : `${percent(q.approvalShare)} (at least ${percent(everything.minApprovalShare)})`;
    out.push(observation('approved-everything', `approved ${share} of ${q.decided} items (at least ${everything.minItems}), ${q.approvedWithSevereFindings} of them with a ${everything.findingSeverity} or more severe finding`));
  }
  const fast = t.fastDecisions;
  if (fast && q.decided >= fast.minItems && q.medianGapSeconds !== null && q.medianGapSeconds < fast.medianGapSeconds) {
    out.push(observation('fast-decisions', `${q.decided} decisions a median ${seconds(q.medianGapSeconds)} apart (under ${seconds(fast.medianGapSeconds)}), the fastest ${seconds(q.minGapSeconds!)}`));
  }
  const withFindings = q.decided - q.approved === 0 && q.approvedWithFindings > 0;
  if (t.approveAllWithFindings && q.approveAllDecisions > 0 && withFindings) {
    out.push(observation('approve-all-with-findings', `used approve-all for ${q.approveAllDecisions} items, then approved all ${q.approvedWithFindings} items with findings too (nothing revoked)`));
  }
  return out;
}

function observation(pattern: ReviewQualityPattern, text: string): ReviewQualityObservation {
  return { type: 'review-quality', pattern, text };
}

/** The middle value (the mean of the two middle ones for an even count); null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

function seconds(s: number): string {
  return `${Math.round(s * 10) / 10} s`;
}
