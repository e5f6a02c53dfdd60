/**
 * Records a reviewer's decision on one item. Guards, in order (review-guards.ts; each refusal
 * is ledgered with its code): the item exists; its campaign is open; it is still pending (a
 * second decision, a repeated click included, is refused with the first one's author and
 * time); the actor is not its subject; the actor is its assigned reviewer (a delegate is the
 * assigned reviewer after reassignment); a justification is given where the definition
 * requires one. The store makes the decision itself atomic: of any number of concurrent
 * clicks exactly one is recorded, the others are refused as not pending.
 */
import { EVENT } from '../audit/event-types.js';
import { outcomeState } from '../domain/index.js';
import type { Decision, DecisionChannel, DecisionOutcome, LedgerEventInput, ReviewItem } from '../domain/index.js';
import { ledgerRefusals } from './ledger-refusals.js';
import { findDefinition } from './open-campaign.js';
import type { ReviewActor } from './review-actor.js';
import type { ReviewDeps } from './review-deps.js';
import { refusal } from './review-error.js';
import { alreadyDecided, requireItem, requireJustification, requireNotSubject, requireOpenCampaign, requirePending, requireReviewer } from './review-guards.js';

export interface DecideInput {
  itemId: string;
  outcome: DecisionOutcome;
  actor: ReviewActor;
  channel: DecisionChannel;
  justification?: string | null;
  simulated?: boolean;
  /** Who entered the decision on the reviewer's behalf (the CLI operator); absent: the reviewer themselves (Slack). */
  operator?: string | null;
  /** Recorded through "approve all without findings" (approve-all.ts), not a decision on this one item. */
  approveAll?: boolean;
}

export interface DecideOutcome {
  decision: Decision;
  item: ReviewItem;
}

export async function decideItem(deps: ReviewDeps, input: DecideInput): Promise<DecideOutcome> {
  const { store } = deps;
  const attempt = { actor: input.actor, subject: input.itemId, details: { action: `decide:${input.outcome}`, channel: input.channel } };
  return ledgerRefusals(deps, attempt, async () => {
    const item = requireItem(await store.campaigns.item(input.itemId), input.itemId);
    const campaign = requireOpenCampaign(await store.campaigns.get(item.campaignId), item.campaignId);
    await requirePending(store, item);
    await requireNotSubject(store, item, input.actor, 'decide on');
    requireReviewer(item, input.actor);
    const justification = requireJustification(findDefinition(deps, campaign.reviewId), input.outcome, item, input.justification);

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
      operator: input.operator ?? null,
      ...(input.approveAll === true ? { approveAll: true } : {}),
    };
    const result = await store.campaigns.decide(decision, (decided) => [decisionEvent(input.actor.label, decided.decision)]);
    if (!result.ok) throw refusal('not_pending', alreadyDecided(result.item ?? item, result.decision));
    return { decision: result.decision ?? decision, item: result.item ?? { ...item, state: outcomeState(decision.outcome), decisionId: decision.id } };
  });
}

/** `decision.recorded`, stamped with the decision's own time: the ledger and the decisions table say the same moment. */
export function decisionEvent(actor: string, decision: Decision): LedgerEventInput {
  return {
    type: EVENT.decisionRecorded,
    actor,
    subject: decision.itemId,
    at: decision.decidedAt,
    data: {
      campaignId: decision.campaignId,
      outcome: decision.outcome,
      state: outcomeState(decision.outcome),
      reviewerId: decision.reviewerId,
      reviewerSlackId: decision.reviewerSlackId,
      channel: decision.channel,
      justification: decision.justification,
      findings: decision.findingsAtDecision.map((f) => ({ type: f.type, severity: f.severity, ruleId: f.ruleId })),
      simulated: decision.simulated,
      // Only when someone entered it on the reviewer's behalf: absent means null (older events, Slack).
      ...(decision.operator !== null ? { operator: decision.operator } : {}),
      // Only when recorded through approve-all: absent means a decision on the one item (and older events).
      ...(decision.approveAll === true ? { approveAll: true } : {}),
    },
  };
}
