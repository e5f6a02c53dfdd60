/**
 * Reassigns a pending item to another reviewer (delegation). Reassignment is an event, not a
 * decision: the item stays pending. Only the assigned reviewer or the security team may
 * delegate; nobody may be delegated their own access, and delegating to oneself is pointless.
 */
import { EVENT } from '../audit/event-types.js';
import { IdentityIndex } from '../domain/index.js';
import type { ReviewItem } from '../domain/index.js';
import { isAssignedReviewer, isSubjectOf } from './decide-item.js';
import type { ReviewActor } from './review-actor.js';
import type { ReviewDeps } from './review-deps.js';
import { ReviewError } from './review-error.js';
import { isSubject, reviewerFromEmail } from './reviewer-resolution.js';

export async function delegateItem(deps: ReviewDeps, input: { itemId: string; actor: ReviewActor; to: string; reason?: string }): Promise<ReviewItem> {
  const { store } = deps;
  const refuse = async (reason: string, code: ReviewError['code']): Promise<never> => {
    await deps.audit.record(EVENT.refusal, input.actor.label, input.itemId, { action: 'delegate', to: input.to, reason, slackId: input.actor.slackId });
    throw new ReviewError(reason, code);
  };
  const item = await store.campaigns.item(input.itemId);
  if (!item) return refuse(`no review item "${input.itemId}"`, 'not-found');
  const campaign = await store.campaigns.get(item.campaignId);
  if (!campaign || campaign.state !== 'open') return refuse(`campaign ${item.campaignId} is ${campaign?.state ?? 'unknown'}`, 'conflict');
  if (item.state !== 'pending') return refuse(`this item is already ${item.state}`, 'conflict');
  const security = input.actor.email !== null && deps.config.roles.securityTeam.includes(input.actor.email);
  if (!isAssignedReviewer(item, input.actor) && !security) return refuse(`${input.actor.label} is not the assigned reviewer of this item`, 'forbidden');
  if (await isSubjectOf(deps, item, input.actor)) return refuse('nobody may delegate their own access', 'forbidden');

  const index = new IdentityIndex(await store.identities.current());
  const target = reviewerFromEmail(input.to, index, 'delegated');
  const subject = item.identityId ? index.get(item.identityId) : null;
  if (isSubject(target, subject)) return refuse(`${input.to} is the subject of this item: nobody may review their own access`, 'forbidden');
  if (target.id === item.reviewerId) return refuse(`${input.to} is already the reviewer of this item`, 'invalid');
  const targetIdentity = index.get(target.id);
  if (targetIdentity && targetIdentity.status !== 'active') return refuse(`${input.to} is ${targetIdentity.status} and cannot review`, 'invalid');

  if (!(await store.campaigns.reassign(item.id, item.reviewerId, target.id, 'delegated', deps.now().toISOString()))) {
    return refuse('the item changed while delegating; try again', 'conflict');
  }
  await deps.audit.record(EVENT.itemReassigned, input.actor.label, item.id, { campaignId: item.campaignId, from: item.reviewerId, to: target.id, toEmail: target.email, reason: input.reason ?? null });
  return (await store.campaigns.item(item.id))!;
}
