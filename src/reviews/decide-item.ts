/**
 * Records a reviewer's decision on one item, at the stage the item is in. Guards, in order
 * (review-guards.ts; each refusal is ledgered with its code): the item exists; its campaign is
 * open; it is still pending (a second decision, a repeated click included, is refused with the
 * first one's author and time); the actor is not its subject; the actor is its assigned reviewer
 * (a delegate is, after reassignment; someone who decided an earlier stage is told so); a
 * justification is given where the item's stage requires one.
 *
 * The decision settles the item, or passes it on to a later stage (review-stages.ts: the stages'
 * `when` and the definition's outcome rule). Passing on assigns the next stage's reviewer, who is
 * never the subject nor anyone who decided an earlier stage of the item, due the stage's days
 * from now; its decision.recorded says state 'pending' and is followed by item.advanced. The
 * store makes the decision itself atomic: of any number of concurrent clicks at a stage exactly
 * one is recorded, the others are refused as not pending.
 */
import { EVENT } from '../audit/event-types.js';
import { IdentityIndex, outcomeState, reviewQuality, stageDecisionId } from '../domain/index.js';
import type { Campaign, Decision, DecisionChannel, DecisionOutcome, LedgerEventInput, ReviewItem } from '../domain/index.js';
import type { ReviewStage } from '../config/review-config.js';
import type { StageAdvance, Store } from '../store/ports.js';
import { ledgerRefusals } from './ledger-refusals.js';
import { findDefinition } from './open-campaign.js';
import type { ReviewActor } from './review-actor.js';
import type { ReviewDeps } from './review-deps.js';
import { refusal } from './review-error.js';
import { alreadyDecided, requireItem, requireJustification, requireNotSubject, requireOpenCampaign, requirePending, requireStageReviewer } from './review-guards.js';
import { needsFlag, nextStage, stageDueAt, stageNumberOf, stageOf } from './review-stages.js';
import { resolveReviewer } from './reviewer-resolution.js';

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
  /** The item after the decision: settled, or pending at its next stage with that stage's reviewer. */
  item: ReviewItem;
  /** Set when the decision passed the item on: the stage it is in now. */
  advancedTo?: ReviewStage;
}

export async function decideItem(deps: ReviewDeps, input: DecideInput): Promise<DecideOutcome> {
  const { store } = deps;
  const attempt = { actor: input.actor, subject: input.itemId, details: { action: `decide:${input.outcome}`, channel: input.channel } };
  return ledgerRefusals(deps, attempt, async () => {
    const item = requireItem(await store.campaigns.item(input.itemId), input.itemId);
    const campaign = requireOpenCampaign(await store.campaigns.get(item.campaignId), item.campaignId);
    const def = findDefinition(deps, campaign.reviewId);
    await requirePending(store, item);
    await requireNotSubject(store, item, input.actor, 'decide on');
    await requireStageReviewer(store, item, input.actor);
    const stage = stageOf(def, stageNumberOf(item));
    const justification = requireJustification(stage, input.outcome, item, input.justification);
    const draft: Decision = {
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
      ...(stage.number > 1 ? { stage: stage.number } : {}),
    };
    const flagged = needsFlag(def, stage.number, input.outcome, item.findings.length) && (await decidedLikeARubberStamp(deps, draft));
    const next = nextStage(def, stage.number, input.outcome, item.findings.length, flagged);
    const decision: Decision = next ? { ...draft, id: stageDecisionId(item.id, stage.number) } : draft;
    const advance = next ? await stageAdvance(deps, campaign, item, next, decision) : undefined;
    const result = await store.campaigns.decide(
      decision,
      (decided) => [
        decisionEvent(input.actor.label, decided.decision, advance !== undefined),
        ...(advance && next ? [itemAdvancedEvent(input.actor.label, decided.item, decided.decision, next, advance)] : []),
      ],
      advance,
    );
    if (!result.ok) throw refusal('not_pending', alreadyDecided(result.item ?? item, result.decision));
    const after = result.item ?? { ...item, state: outcomeState(decision.outcome), decisionId: decision.id };
    return { decision: result.decision ?? decision, item: after, ...(next ? { advancedTo: next } : {}) };
  });
}

/**
 * Whether rubber-stamp detection flags the decider in this campaign, on their decisions so far
 * and this one (the thresholds of policies/global.yaml reviewQuality): a later stage taking
 * `flagged-approval` then gets this approval of an item with findings.
 */
async function decidedLikeARubberStamp(deps: ReviewDeps, decision: Decision): Promise<boolean> {
  // Theirs only, read by reviewer: reviewQuality judges each reviewer on their own decisions.
  const theirs = await deps.store.campaigns.decisionsOf(decision.campaignId, decision.reviewerId);
  const quality = reviewQuality([...theirs, decision], deps.config.global.reviewQuality);
  return (quality.reviewers.find((r) => r.reviewerId === decision.reviewerId)?.observations.length ?? 0) > 0;
}

/** Where a decision passing the item on sends it: the next stage's reviewer (four eyes: not an earlier decider) and due time. */
async function stageAdvance(deps: ReviewDeps, campaign: Campaign, item: ReviewItem, next: ReviewStage, decision: Decision): Promise<StageAdvance> {
  const index = await currentIdentityIndex(deps.store);
  const earlier = await deps.store.campaigns.stageDecisions(item.id);
  const system = deps.config.systems.find((s) => s.id === item.systemId);
  let reviewer;
  try {
    reviewer = resolveReviewer({
      def: next,
      subject: item.identityId ? index.get(item.identityId) : null,
      // A system since removed from connectors/ has no owner: the security team reviews.
      systemOwner: system?.owner ?? deps.config.roles.securityTeam[0]!,
      roles: deps.config.roles,
      index,
      exclude: [...earlier, decision].map((d) => ({ id: d.reviewerId, email: d.reviewerEmail })),
    });
  } catch (err) {
    throw refusal('no_stage_reviewer', `stage ${next.number} (${next.name}) has nobody to review this item: ${(err as Error).message}`);
  }
  return { stage: next.number, reviewerId: reviewer.id, reviewerSource: reviewer.source, dueAt: stageDueAt(campaign, next, decision.decidedAt) };
}

/**
 * The identity index of the current snapshots, built once per store while the same snapshots
 * are current: without it every decision that passes an item on (each click, each item of an
 * approve-all) loads every identity. A snapshot's identities never change once it is current,
 * so the index is right until another snapshot becomes current, which changes the key; a
 * snapshot promoted while the index is built changes the key too, and the next call rebuilds.
 */
const identityIndexes = new WeakMap<Store, { key: string; index: IdentityIndex }>();

async function currentIdentityIndex(store: Store): Promise<IdentityIndex> {
  const key = [...(await store.snapshots.currentAll())].map(([systemId, s]) => `${systemId}=${s.id}`).sort().join('\n');
  const cached = identityIndexes.get(store);
  if (cached?.key === key) return cached.index;
  const index = new IdentityIndex(await store.identities.current());
  identityIndexes.set(store, { key, index });
  return index;
}

/**
 * `decision.recorded`, stamped with the decision's own time: the ledger and the decisions table
 * say the same moment. A decision that passed its item on says state 'pending' (the item is not
 * settled); `stage` is present from stage 2 on (absent: stage 1).
 */
export function decisionEvent(actor: string, decision: Decision, passedOn = false): LedgerEventInput {
  return {
    type: EVENT.decisionRecorded,
    actor,
    subject: decision.itemId,
    at: decision.decidedAt,
    data: {
      campaignId: decision.campaignId,
      outcome: decision.outcome,
      state: passedOn ? 'pending' : outcomeState(decision.outcome),
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
      ...(decision.stage !== undefined ? { stage: decision.stage } : {}),
    },
  };
}

/** `item.advanced`: the item, passed on by `decision`, is now at `next` with its reviewer (event-types.ts). */
export function itemAdvancedEvent(actor: string, item: ReviewItem, decision: Decision, next: ReviewStage, advance: StageAdvance): LedgerEventInput {
  return {
    type: EVENT.itemAdvanced,
    actor,
    subject: item.id,
    at: decision.decidedAt,
    data: {
      campaignId: item.campaignId,
      stage: next.number,
      stageName: next.name,
      fromStage: decision.stage ?? 1,
      outcome: decision.outcome,
      reviewerId: advance.reviewerId,
      reviewerSource: advance.reviewerSource,
      dueAt: advance.dueAt,
    },
  };
}
