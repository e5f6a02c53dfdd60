/**
 * Reassigns a pending item to another reviewer (delegation). Reassignment is an event, not a
 * decision: the item stays pending. Guards, in order (review-guards.ts; each refusal is
 * ledgered with its code): the item exists; its campaign is open; it is pending; the actor is
 * its assigned reviewer or in the security team; the actor is not its subject; the new
 * reviewer is not its subject, not its reviewer already, active, and did not decide an earlier
 * stage of the item (multi-stage reviews: four eyes).
 */
import { EVENT } from '../audit/event-types.js';
import { IdentityIndex } from '../domain/index.js';
import type { ReviewItem } from '../domain/index.js';
import { ledgerRefusals } from './ledger-refusals.js';
import type { ReviewActor } from './review-actor.js';
import type { ReviewDeps } from './review-deps.js';
import { refusal } from './review-error.js';
import { requireDelegate, requireNotEarlierDecider, requireItem, requireNotSubject, requireOpenCampaign, requirePending, requireReviewer } from './review-guards.js';
import { reviewerFromEmail } from './reviewer-resolution.js';

export async function delegateItem(deps: ReviewDeps, input: { itemId: string; actor: ReviewActor; to: string; reason?: string }): Promise<ReviewItem> {
  const { store } = deps;
  const attempt = { actor: input.actor, subject: input.itemId, details: { action: 'delegate', to: input.to } };
  return ledgerRefusals(deps, attempt, async () => {
    const item = requireItem(await store.campaigns.item(input.itemId), input.itemId);
    requireOpenCampaign(await store.campaigns.get(item.campaignId), item.campaignId);
    await requirePending(store, item);
    requireReviewer(item, input.actor, deps.config.roles.securityTeam);
    await requireNotSubject(store, item, input.actor, 'delegate');

    const index = new IdentityIndex(await store.identities.current());
    const target = reviewerFromEmail(input.to, index, 'delegated');
    requireDelegate(item, input.to, target, { subject: item.identityId ? index.get(item.identityId) : null, target: index.get(target.id) });
    requireNotEarlierDecider(await store.campaigns.stageDecisions(item.id), input.to, target);

    const reassigned = await store.campaigns.reassign(item.id, item.reviewerId, target.id, 'delegated', deps.now().toISOString(), (before) => [
      deps.audit.event(EVENT.itemReassigned, input.actor.label, before.id, { campaignId: before.campaignId, from: before.reviewerId, to: target.id, toEmail: target.email, reason: input.reason ?? null }),
    ]);
    if (!reassigned) throw refusal('item_changed', 'the item changed while delegating; try again');
    return (await store.campaigns.item(item.id))!;
  });
}
