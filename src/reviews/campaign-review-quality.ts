/**
 * Rubber-stamp detection for one campaign: its decisions (the store's) judged by
 * domain/review-quality.ts with the thresholds of policies/global.yaml `reviewQuality`.
 * Shared by `campaign status`, the evidence report and the security team's DM at close.
 */
import type { ReviewQuality, ReviewQualityThresholds } from '../domain/index.js';
import { reviewQuality } from '../domain/index.js';
import type { Store } from '../store/ports.js';

export async function campaignReviewQuality(store: Store, campaignId: string, thresholds: ReviewQualityThresholds): Promise<ReviewQuality> {
  return reviewQuality(await store.campaigns.decisions(campaignId), thresholds);
}
