/**
 * Progress of a campaign: totals by state and, per reviewer, done and pending counts.
 * Shared by `campaign status`, the App Home and the evidence report.
 */
import type { Campaign, ReviewItem } from '../domain/index.js';
import type { Store } from '../store/ports.js';

export interface ReviewerProgress {
  reviewerId: string;
  done: number;
  pending: number;
  expired: number;
}

export interface CampaignProgress {
  campaign: Campaign;
  total: number;
  approved: number;
  revoked: number;
  pending: number;
  expired: number;
  /** Open and past its due date. */
  overdue: boolean;
  reviewers: ReviewerProgress[];
}

export function summarize(campaign: Campaign, items: readonly ReviewItem[], now: Date): CampaignProgress {
  const byReviewer = new Map<string, ReviewerProgress>();
  const counts = { approved: 0, revoked: 0, pending: 0, expired: 0 };
  for (const i of items) {
    counts[i.state]++;
    const r = byReviewer.get(i.reviewerId) ?? { reviewerId: i.reviewerId, done: 0, pending: 0, expired: 0 };
    if (i.state === 'pending') r.pending++;
    else if (i.state === 'expired') r.expired++;
    else r.done++;
    byReviewer.set(i.reviewerId, r);
  }
  return {
    campaign,
    total: items.length,
    ...counts,
    overdue: campaign.state === 'open' && now.getTime() > Date.parse(campaign.dueAt),
    reviewers: [...byReviewer.values()].sort((a, b) => b.pending - a.pending || a.reviewerId.localeCompare(b.reviewerId)),
  };
}

export async function campaignProgress(store: Store, id: string, now: Date): Promise<CampaignProgress | null> {
  const campaign = await store.campaigns.get(id);
  if (!campaign) return null;
  return summarize(campaign, await store.campaigns.items(id), now);
}
