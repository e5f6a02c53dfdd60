/**
 * Closes a campaign: items still pending become `expired` (recorded and reported as not
 * reviewed), then the campaign is closed. Each step commits with its events (the store's
 * transactions: the expired items with their `item.expired`, the closing with
 * `campaign.closed`), so a crash in between loses nothing and a repeat finishes the job: the
 * items already expired are not pending any more, and the closing is conditional on `open`.
 * Pending items expire page by page (CampaignStore.expirePending) and the closing's counts are
 * the store's, so memory does not grow with the campaign.
 */
import { EVENT } from '../audit/event-types.js';
import type { Campaign, ItemState } from '../domain/index.js';
import type { ReviewDeps } from './review-deps.js';
import { ReviewError } from './review-error.js';

export interface CloseResult {
  campaign: Campaign;
  expired: number;
  approved: number;
  revoked: number;
}

export async function closeCampaign(deps: ReviewDeps, id: string, actor: string): Promise<CloseResult> {
  const r = await closeCampaignOnce(deps, id, actor);
  if (!r) throw new ReviewError(`campaign ${id} is already closed (at ${(await deps.store.campaigns.get(id))?.closedAt})`, 'conflict');
  return r;
}

/** closeCampaign, with null instead of an error when the campaign was already closed. */
export async function closeCampaignOnce(deps: ReviewDeps, id: string, actor: string): Promise<CloseResult | null> {
  const { store, audit } = deps;
  const campaign = await store.campaigns.get(id);
  if (!campaign) throw new ReviewError(`no campaign "${id}"`, 'not-found');
  if (campaign.state === 'closed') return null;
  if (campaign.state === 'opening') throw new ReviewError(`campaign ${id} is still opening: run \`campaign open ${campaign.reviewId} --period ${campaign.period}\` to finish it first`, 'conflict');
  const at = deps.now().toISOString();
  const expired = await store.campaigns.expirePending(id, at, (items) => items.map((i) => audit.event(EVENT.itemExpired, actor, i.id, { campaignId: id, reviewerId: i.reviewerId })));
  // No item is pending now, so no decision or delegation can change these counts before the
  // closing. Counted by the store: a campaign's items are never loaded at once.
  const byState = await store.campaigns.countItemsByState({ campaignId: id });
  const count = (state: ItemState) => byState.find((c) => c.state === state)?.count ?? 0;
  const counts = { items: byState.reduce((n, c) => n + c.count, 0), approved: count('approved'), revoked: count('revoked'), expired: count('expired') };
  const closed = await store.campaigns.transition(id, 'open', 'closed', at, () => [audit.event(EVENT.campaignClosed, actor, id, counts)]);
  if (!closed) return null;
  return { campaign: (await store.campaigns.get(id))!, expired, approved: counts.approved, revoked: counts.revoked };
}
