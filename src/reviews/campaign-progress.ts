/**
 * Progress of a campaign: totals by state and, per reviewer, done and pending counts.
 * Shared by `campaign status`, the App Home and the evidence report. A multi-stage campaign also
 * counts per stage: its pending items, and its decisions (those that passed an item on and those
 * that settled one there); a reviewer's `done` counts their decisions at every stage.
 */
import type { ReviewDefinition } from '../config/review-config.js';
import type { Campaign, Decision, ReviewItem } from '../domain/index.js';
import type { Store } from '../store/ports.js';
import { campaignStageDecisions } from '../audit/campaign-decisions.js';
import { isMultiStage } from './review-stages.js';

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
  /** Multi-stage campaigns only: per stage, in order. */
  stages?: StageProgress[];
}

export interface StageProgress {
  stage: number;
  name: string;
  pending: number;
  /** Decisions made at this stage: passed on, or settling the item. */
  decided: number;
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

/** With `def` multi-stage, the per-stage counts and the earlier stages' decisions in the reviewers' `done`. */
export async function campaignProgress(store: Store, id: string, now: Date, def?: Pick<ReviewDefinition, 'stages'>): Promise<CampaignProgress | null> {
  const campaign = await store.campaigns.get(id);
  if (!campaign) return null;
  const items = await store.campaigns.items(id);
  const progress = summarize(campaign, items, now);
  if (!def || !isMultiStage(def)) return progress;
  return withStages(progress, def, items, await campaignStageDecisions(store, id));
}

/** Adds the per-stage counts, and credits each earlier stage's decider with their decision. */
export function withStages(progress: CampaignProgress, def: Pick<ReviewDefinition, 'stages'>, items: readonly ReviewItem[], passed: readonly Decision[]): CampaignProgress {
  const stages: StageProgress[] = def.stages.map((s) => ({ stage: s.number, name: s.name, pending: 0, decided: 0 }));
  const at = (n: number) => stages[n - 1] ?? stages[stages.length - 1]!;
  for (const i of items) {
    if (i.state === 'pending') at(i.stage ?? 1).pending++;
    else if (i.state !== 'expired') at(i.stage ?? 1).decided++;
  }
  const reviewers = new Map(progress.reviewers.map((r) => [r.reviewerId, { ...r }]));
  for (const d of passed) {
    at(d.stage ?? 1).decided++;
    const r = reviewers.get(d.reviewerId) ?? { reviewerId: d.reviewerId, done: 0, pending: 0, expired: 0 };
    r.done++;
    reviewers.set(d.reviewerId, r);
  }
  return { ...progress, reviewers: [...reviewers.values()].sort((a, b) => b.pending - a.pending || a.reviewerId.localeCompare(b.reviewerId)), stages };
}
