/**
 * The review operations' guards (decide-item, approve-all, delegate-item), one named check per
 * rule. Each returns what it checked (narrowed) or throws the refusal with its code
 * (review-error.ts); the operation runs them inside ledgerRefusals, so every refusal is ledgered.
 * Guards read state through the store ports only and write nothing.
 */
import type { ReviewDefinition } from '../config/review-config.js';
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
 * A justification of at least MIN_JUSTIFICATION characters where the definition requires one
 * for this decision. Returns the trimmed justification (null when none was given).
 */
export function requireJustification(def: Pick<ReviewDefinition, 'requireJustification'>, outcome: DecisionOutcome, item: Pick<ReviewItem, 'findings'>, text: string | null | undefined): string | null {
  const justification = text?.trim() || null;
  if (justificationRequired(def, outcome, item.findings.length) && (justification === null || justification.length < MIN_JUSTIFICATION)) {
    throw refusal('justification_required', `a justification of at least ${MIN_JUSTIFICATION} characters is required to ${outcome}${outcome === 'approve' ? ' access with findings' : ''}`);
  }
  return justification;
}

/** Approve all: only where an approval needs no justification of its own. */
export function requireBulkApprovable(def: Pick<ReviewDefinition, 'id' | 'requireJustification'>): void {
  if (justificationRequired(def, 'approve', 0)) throw refusal('bulk_justification_required', `${def.id} requires a justification for every approval: approve items one by one`);
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

/** Why an item takes no decision: expired, or decided (by whom, when). */
export function alreadyDecided(item: ReviewItem, decision: Decision | null): string {
  if (item.state === 'expired') return 'this item expired when its campaign closed';
  if (!decision) return `this item is already ${item.state}`;
  return `already ${item.state} by ${decision.reviewerEmail ?? decision.reviewerId} at ${decision.decidedAt}`;
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
