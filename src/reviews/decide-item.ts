/**
 * Records a reviewer's decision on one item. Guards, in order (each refusal is ledgered):
 * the item exists; its campaign is open; it is still pending (a second decision is refused
 * with the first one's author and time); the actor is its assigned reviewer (a delegate is
 * the assigned reviewer after reassignment); the actor is not its subject; a justification
 * is given where the definition requires one. The store makes the decision itself atomic:
 * of any number of concurrent clicks exactly one is recorded.
 */
import { EVENT } from '../audit/event-types.js';
import { outcomeState } from '../domain/index.js';
import type { Decision, DecisionChannel, DecisionOutcome, ReviewItem } from '../domain/index.js';
import { findDefinition } from './open-campaign.js';
import type { ReviewActor } from './review-actor.js';
import type { ReviewDeps } from './review-deps.js';
import { ReviewError } from './review-error.js';
import { justificationRequired, MIN_JUSTIFICATION } from './justification-rule.js';

export interface DecideInput {
  itemId: string;
  outcome: DecisionOutcome;
  actor: ReviewActor;
  channel: DecisionChannel;
  justification?: string | null;
  simulated?: boolean;
}

export interface DecideOutcome {
  decision: Decision;
  item: ReviewItem;
}

export async function decideItem(deps: ReviewDeps, input: DecideInput): Promise<DecideOutcome> {
  const { store } = deps;
  const refuse = async (reason: string, code: ReviewError['code']): Promise<never> => {
    await deps.audit.record(EVENT.refusal, input.actor.label, input.itemId, { action: `decide:${input.outcome}`, reason, channel: input.channel, slackId: input.actor.slackId });
    throw new ReviewError(reason, code);
  };
  const item = await store.campaigns.item(input.itemId);
  if (!item) return refuse(`no review item "${input.itemId}"`, 'not-found');
  const campaign = await store.campaigns.get(item.campaignId);
  if (!campaign || campaign.state !== 'open') return refuse(`campaign ${item.campaignId} is ${campaign?.state ?? 'unknown'}: decisions are closed`, 'conflict');
  if (item.state !== 'pending') {
    const earlier = await store.campaigns.decision(item.id);
    return refuse(alreadyDecided(item, earlier), 'conflict');
  }
  if (await isSubjectOf(deps, item, input.actor)) return refuse('nobody may decide on their own access', 'forbidden');
  if (!isAssignedReviewer(item, input.actor)) return refuse(`${input.actor.label} is not the assigned reviewer of this item`, 'forbidden');
  const def = findDefinition(deps, campaign.reviewId);
  const justification = input.justification?.trim() || null;
  if (justificationRequired(def, input.outcome, item.findings.length) && (justification === null || justification.length < MIN_JUSTIFICATION)) {
    throw new ReviewError(`a justification of at least ${MIN_JUSTIFICATION} characters is required to ${input.outcome}${input.outcome === 'approve' ? ' access with findings' : ''}`, 'invalid');
  }
  const decision: Decision = {
    id: item.id,
    itemId: item.id,
    campaignId: item.campaignId,
    outcome: input.outcome,
    reviewerId: input.actor.id,
    reviewerEmail: input.actor.email,
    reviewerSlackId: input.actor.slackId,
    channel: input.channel,
    justification,
    decidedAt: deps.now().toISOString(),
    findingsAtDecision: item.findings,
    simulated: input.simulated ?? false,
  };
  const result = await store.campaigns.decide(decision);
  if (!result.ok) return refuse(alreadyDecided(result.item ?? item, result.decision), 'conflict');
  await deps.audit.record(EVENT.decisionRecorded, input.actor.label, item.id, {
    campaignId: item.campaignId,
    outcome: decision.outcome,
    state: outcomeState(decision.outcome),
    reviewerId: decision.reviewerId,
    reviewerSlackId: decision.reviewerSlackId,
    channel: decision.channel,
    justification: decision.justification,
    findings: decision.findingsAtDecision.map((f) => ({ type: f.type, severity: f.severity, ruleId: f.ruleId })),
    simulated: decision.simulated,
  });
  return { decision: result.decision ?? decision, item: result.item ?? { ...item, state: outcomeState(decision.outcome), decisionId: decision.id } };
}

export function alreadyDecided(item: ReviewItem, decision: Decision | null): string {
  if (item.state === 'expired') return 'this item expired when its campaign closed';
  if (!decision) return `this item is already ${item.state}`;
  return `already ${item.state} by ${decision.reviewerEmail ?? decision.reviewerId} at ${decision.decidedAt}`;
}

export function isAssignedReviewer(item: Pick<ReviewItem, 'reviewerId'>, actor: ReviewActor): boolean {
  return item.reviewerId === actor.id || (actor.email !== null && item.reviewerId === actor.email);
}

/** Whether the actor is the person whose access the item is (by identity id or email). */
export async function isSubjectOf(deps: Pick<ReviewDeps, 'store'>, item: Pick<ReviewItem, 'identityId'>, actor: Pick<ReviewActor, 'id' | 'email'>): Promise<boolean> {
  if (!item.identityId) return false;
  if (item.identityId === actor.id) return true;
  if (!actor.email) return false;
  const subject = await deps.store.identities.get(item.identityId);
  return subject?.email === actor.email;
}
