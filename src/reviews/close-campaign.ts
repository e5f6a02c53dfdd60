/**
 * Closes a campaign: items still pending become `expired` (recorded and reported as not
 * reviewed), then the campaign is closed. Safe to repeat after a crash in between, and the
 * ledger never misses a step: each item's `item.expired` is appended before the item changes
 * (a crash between the two can only repeat an event, never lose one), and a campaign found
 * closed without its `campaign.closed` event gets it on the next run.
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
  const r = await closeCampaignOnce(deps, id, actor);
  if (!r) throw new ReviewError(`campaign ${id} is already closed (at ${(await deps.store.campaigns.get(id))?.closedAt})`, 'conflict');
  return r;
}

/** closeCampaign, with null instead of an error when the campaign was already (completely) closed. */
export async function closeCampaignOnce(deps: ReviewDeps, id: string, actor: string): Promise<CloseResult | null> {
  const { store } = deps;
  const campaign = await store.campaigns.get(id);
  if (!campaign) throw new ReviewError(`no campaign "${id}"`, 'not-found');
  if (campaign.state === 'closed') return (await closedEventOf(deps, campaign)) ? null : recordClosed(deps, campaign, actor, 0);
  if (campaign.state === 'opening') throw new ReviewError(`campaign ${id} is still opening: run \`campaign open ${campaign.reviewId} --period ${campaign.period}\` to finish it first`, 'conflict');
  const at = deps.now().toISOString();
  const pending = await store.campaigns.items(id, { state: 'pending' });
  await deps.audit.recordMany(pending.map((i) => ({ type: EVENT.itemExpired, actor, subject: i.id, data: { campaignId: id, reviewerId: i.reviewerId } })));
  const expired = await store.campaigns.expirePending(id, at);
  await store.campaigns.transition(id, 'open', 'closed', at);
  return recordClosed(deps, (await store.campaigns.get(id))!, actor, expired);
}

/** Appends `campaign.closed` with the final counts. */
async function recordClosed(deps: ReviewDeps, campaign: Campaign, actor: string, expiredNow: number): Promise<CloseResult> {
  const items = await deps.store.campaigns.items(campaign.id);
  const approved = items.filter((i) => i.state === 'approved').length;
  const revoked = items.filter((i) => i.state === 'revoked').length;
  const allExpired = items.filter((i) => i.state === 'expired').length;
  await deps.audit.record(EVENT.campaignClosed, actor, campaign.id, { items: items.length, approved, revoked, expired: allExpired });
  return { campaign, expired: expiredNow, approved, revoked };
}

/** The campaign's `campaign.closed` event (appended right after closedAt, by the same clock). */
async function closedEventOf(deps: ReviewDeps, campaign: Campaign): Promise<boolean> {
  const events = await deps.store.ledger.query({ type: EVENT.campaignClosed, subject: campaign.id, since: campaign.openedAt, limit: 1 });
  return events.length > 0;
}
