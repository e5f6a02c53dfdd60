/**
 * Rubber-stamp detection for one campaign: its decisions (the store's: those that settled an
 * item and, in a multi-stage review, those that passed one on, so each reviewer is judged on
 * every decision they made) judged by domain/review-quality.ts with the thresholds of
 * policies/global.yaml `reviewQuality`. Shared by `campaign status`, the evidence report, the
 * security team's DM at close and the `flagged-approval` stage entry (decide-item.ts).
 */
import { campaignDecisions } from '../audit/campaign-decisions.js';
import type { ReviewQuality, ReviewQualityThresholds } from '../domain/index.js';
import { reviewQuality } from '../domain/index.js';
import type { Store } from '../store/ports.js';

export async function campaignReviewQuality(store: Pick<Store, 'campaigns'>, campaignId: string, thresholds: ReviewQualityThresholds): Promise<ReviewQuality> {
  return reviewQuality(await campaignDecisions(store, campaignId), thresholds);
}
