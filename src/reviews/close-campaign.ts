/**
 * Closes a campaign: items still pending become `expired` (recorded and reported as not
 * reviewed), then the campaign is closed. Safe to repeat after a crash in between.
 */
import { EVENT } from '../audit/event-types.js';
import type { Campaign } from '../domain/index.js';
import type { ReviewDeps } from './review-deps.js';
import { ReviewError } from './review-error.js';

export interface CloseResult {
  campaign: Campaign;
  expired: number;
  approved: number;
  revoked: number;
}

export async function closeCampaign(deps: ReviewDeps, id: string, actor: string): Promise<CloseResult> {
  const { store } = deps;
  const campaign = await store.campaigns.get(id);
  if (!campaign) throw new ReviewError(`no campaign "${id}"`, 'not-found');
  if (campaign.state === 'closed') throw new ReviewError(`campaign ${id} is already closed (at ${campaign.closedAt})`, 'conflict');
  if (campaign.state === 'opening') throw new ReviewError(`campaign ${id} is still opening: run \`campaign open ${campaign.reviewId} --period ${campaign.period}\` to finish it first`, 'conflict');
  const at = deps.now().toISOString();
  const pending = await store.campaigns.items(id, { state: 'pending' });
  const expired = await store.campaigns.expirePending(id, at);
  await deps.audit.recordMany(pending.map((i) => ({ type: EVENT.itemExpired, actor, subject: i.id, data: { campaignId: id, reviewerId: i.reviewerId } })));
  await store.campaigns.transition(id, 'open', 'closed', at);
  const items = await store.campaigns.items(id);
  const approved = items.filter((i) => i.state === 'approved').length;
  const revoked = items.filter((i) => i.state === 'revoked').length;
  const allExpired = items.filter((i) => i.state === 'expired').length;
  await deps.audit.record(EVENT.campaignClosed, actor, id, { items: items.length, approved, revoked, expired: allExpired });
  return { campaign: (await store.campaigns.get(id))!, expired, approved, revoked };
}
