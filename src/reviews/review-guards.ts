/**
 * The review operations' guards (decide-item, approve-all, delegate-item), one named check per
 * rule. Each returns what it checked (narrowed) or throws the refusal with its code
 * (review-error.ts); the operation runs them inside ledgerRefusals, so every refusal is ledgered.
 * Guards read state through the store ports only and write nothing.
 */
import type { ReviewDefinition, ReviewStage } from '../config/review-config.js';
import { outcomeState } from '../domain/index.js';
import type { Campaign, Decision, DecisionOutcome, Identity, ReviewItem } from '../domain/index.js';
import type { Store } from '../store/ports.js';
import { justificationRequired, MIN_JUSTIFICATION } from './justification-rule.js';
import type { ReviewActor } from './review-actor.js';
import { refusal } from './review-error.js';
import type { Reviewer } from './reviewer-resolution.js';
import { isSubject } from './reviewer-resolution.js';

/** The item exists. */
export function requireItem(item: ReviewItem | null, itemId: string): ReviewItem {
  if (!item) throw refusal('item_not_found', `no review item "${itemId}"`);
  return item;
}

/** The campaign exists and is open: only an open campaign's items take decisions or delegations. */
export function requireOpenCampaign(campaign: Campaign | null, campaignId: string): Campaign {
  if (!campaign) throw refusal('campaign_not_found', `no campaign "${campaignId}"`);
  if (campaign.state !== 'open') throw refusal('campaign_closed', `campaign ${campaign.id} is ${campaign.state}: decisions are closed`);
  return campaign;
}

/** The item is still pending. A refusal names who decided it and when (a repeated click is told so). */
export async function requirePending(store: Pick<Store, 'campaigns'>, item: ReviewItem): Promise<void> {
  if (item.state === 'pending') return;
  throw refusal('not_pending', alreadyDecided(item, await store.campaigns.decision(item.id)));
}

/** The actor is not the person whose access the item is: nobody decides on or delegates their own access. */
export async function requireNotSubject(store: Pick<Store, 'identities'>, item: Pick<ReviewItem, 'identityId'>, actor: ReviewActor, verb: 'decide on' | 'delegate'): Promise<void> {
  if (await isSubjectOf(store, item, actor)) throw refusal('self_review', `nobody may ${verb} their own access`);
}

/**
 * The actor is the item's assigned reviewer (a delegate is, once the item is reassigned), or one
 * of `alsoAllowed` (emails: the security team may delegate any item).
 */
export function requireReviewer(item: Pick<ReviewItem, 'reviewerId'>, actor: ReviewActor, alsoAllowed: readonly string[] = []): void {
  if (isAssignedReviewer(item, actor) || (actor.email !== null && alsoAllowed.includes(actor.email))) return;
  throw refusal('not_reviewer', `${actor.label} is not the assigned reviewer of this item`);
}

/**
 * The actor is the item's assigned reviewer at its current stage. Someone who decided an earlier
 * stage of the item is told that (refused as not pending, like a repeated click), not that they
 * were never its reviewer.
 */
export async function requireStageReviewer(store: Pick<Store, 'campaigns'>, item: ReviewItem, actor: ReviewActor): Promise<void> {
  if (isAssignedReviewer(item, actor) || (item.stage ?? 1) === 1) return requireReviewer(item, actor);
  const mine = (await store.campaigns.stageDecisions(item.id)).find((d) => isAssignedReviewer({ reviewerId: d.reviewerId }, actor) || (actor.email !== null && d.reviewerEmail === actor.email));
  if (mine) throw refusal('not_pending', alreadyDecided(item, mine));
  requireReviewer(item, actor);
}

/**
 * A justification of at least MIN_JUSTIFICATION characters where the item's stage requires one
 * for this decision. Returns the trimmed justification (null when none was given).
 */
export function requireJustification(def: Pick<ReviewStage, 'requireJustification'>, outcome: DecisionOutcome, item: Pick<ReviewItem, 'findings'>, text: string | null | undefined): string | null {
  const justification = text?.trim() || null;
  if (justificationRequired(def, outcome, item.findings.length) && (justification === null || justification.length < MIN_JUSTIFICATION)) {
    throw refusal('justification_required', `a justification of at least ${MIN_JUSTIFICATION} characters is required to ${outcome}${outcome === 'approve' ? ' access with findings' : ''}`);
  }
  return justification;
}

/** Approve all: only where an approval needs no justification of its own, at some stage of the definition. */
export function requireBulkApprovable(def: Pick<ReviewDefinition, 'id' | 'stages'>): void {
  if (def.stages.every((s) => justificationRequired(s, 'approve', 0))) throw refusal('bulk_justification_required', `${def.id} requires a justification for every approval: approve items one by one`);
}

/** Approve all: the actor has pending items in the campaign. */
export function requirePendingItems(items: readonly ReviewItem[], actor: ReviewActor, campaignId: string): void {
  if (items.length === 0) throw refusal('no_pending_items', `${actor.label} has no pending items in ${campaignId}`);
}

/**
 * Delegation: the new reviewer (`to`, resolved to `target`) is not the item's subject, is not its
 * reviewer already, and is active when the directory knows them.
 */
export function requireDelegate(item: Pick<ReviewItem, 'reviewerId'>, to: string, target: Pick<Reviewer, 'id' | 'email'>, people: { subject: Identity | null; target: Identity | null }): void {
  if (isSubject(target, people.subject)) throw refusal('delegate_is_subject', `${to} is the subject of this item: nobody may review their own access`);
  if (target.id === item.reviewerId) throw refusal('delegate_is_reviewer', `${to} is already the reviewer of this item`);
  if (people.target && people.target.status !== 'active') throw refusal('delegate_inactive', `${to} is ${people.target.status} and cannot review`);
}

/** Delegation at a later stage: the new reviewer did not decide an earlier stage of the item (four eyes means two people). */
export function requireNotEarlierDecider(earlier: readonly Decision[], to: string, target: Pick<Reviewer, 'id' | 'email'>): void {
  const d = earlier.find((e) => e.reviewerId === target.id || (target.email !== null && e.reviewerEmail === target.email));
  if (d) throw refusal('delegate_decided_earlier', `${to} decided stage ${d.stage ?? 1} of this item: a later stage needs another person`);
}

/**
 * Why an item takes no decision: expired, decided (by whom, when), or decided at its stage and
 * passed on (a stage decision: the item is pending at a later stage now).
 */
export function alreadyDecided(item: ReviewItem, decision: Decision | null): string {
  if (item.state === 'expired') return 'this item expired when its campaign closed';
  const by = decision ? ` by ${decision.reviewerEmail ?? decision.reviewerId} at ${decision.decidedAt}` : '';
  if (item.state === 'pending') {
    const stage = decision?.stage ?? 1;
    return `already ${decision ? outcomeState(decision.outcome) : 'decided'} at stage ${stage}${by}; the item is at stage ${item.stage ?? 1} now, with another reviewer`;
  }
  if (!decision) return `this item is already ${item.state}`;
  return `already ${item.state}${by}`;
}

export function isAssignedReviewer(item: Pick<ReviewItem, 'reviewerId'>, actor: Pick<ReviewActor, 'id' | 'email'>): boolean {
  return item.reviewerId === actor.id || (actor.email !== null && item.reviewerId === actor.email);
}

/** Whether the actor is the person whose access the item is (by identity id or email). */
export async function isSubjectOf(store: Pick<Store, 'identities'>, item: Pick<ReviewItem, 'identityId'>, actor: Pick<ReviewActor, 'id' | 'email'>): Promise<boolean> {
  if (!item.identityId) return false;
  if (item.identityId === actor.id) return true;
  if (!actor.email) return false;
  const subject = await store.identities.get(item.identityId);
  return subject?.email === actor.email;
}
