/**
 * "Approve all without findings": one decision per pending item of one campaign that is assigned
 * to the actor and has no findings, each through decideItem (same guards, one ledger line per
 * decision). Items with findings are left for one-by-one decisions. When approvals need a
 * justification under the definition, bulk approval is refused: a reason must be per item.
 */
import { EVENT } from '../audit/event-types.js';
import type { DecisionChannel } from '../domain/index.js';
import type { DecideOutcome } from './decide-item.js';
import { decideItem } from './decide-item.js';
import { justificationRequired } from './justification-rule.js';
import { findDefinition } from './open-campaign.js';
import type { ReviewActor } from './review-actor.js';
import type { ReviewDeps } from './review-deps.js';
import { ReviewError } from './review-error.js';

export interface ApproveAllResult {
  decided: DecideOutcome[];
  /** Pending items of the actor that have findings: not approved in bulk. */
  withFindings: number;
  /** Items refused one by one (e.g. decided concurrently by someone else). */
  refused: Array<{ itemId: string; reason: string }>;
}

export async function approveAllWithoutFindings(
  deps: ReviewDeps,
  input: { campaignId: string; actor: ReviewActor; channel: DecisionChannel },
): Promise<ApproveAllResult> {
  const { store } = deps;
  const refuse = async (reason: string, code: ReviewError['code']): Promise<never> => {
    await deps.audit.record(EVENT.refusal, input.actor.label, input.campaignId, { action: 'decide:approve-all', reason, channel: input.channel, slackId: input.actor.slackId });
    throw new ReviewError(reason, code);
  };
  const campaign = await store.campaigns.get(input.campaignId);
  if (!campaign) return refuse(`no campaign "${input.campaignId}"`, 'not-found');
  if (campaign.state !== 'open') return refuse(`campaign ${campaign.id} is ${campaign.state}: decisions are closed`, 'conflict');
  const def = findDefinition(deps, campaign.reviewId);
  if (justificationRequired(def, 'approve', 0)) return refuse(`${def.id} requires a justification for every approval: approve items one by one`, 'invalid');

  const keys = [...new Set([input.actor.id, ...(input.actor.email ? [input.actor.email] : [])])];
  const pending = (await Promise.all(keys.map((reviewerId) => store.campaigns.items(campaign.id, { reviewerId, state: 'pending' })))).flat();
  if (pending.length === 0) return refuse(`${input.actor.label} has no pending items in ${campaign.id}`, 'forbidden');

  const result: ApproveAllResult = { decided: [], withFindings: 0, refused: [] };
  for (const item of pending) {
    if (item.findings.length > 0) {
      result.withFindings += 1;
      continue;
    }
    try {
      result.decided.push(await decideItem(deps, { itemId: item.id, outcome: 'approve', actor: input.actor, channel: input.channel, justification: null }));
    } catch (err) {
      if (!(err instanceof ReviewError)) throw err;
      result.refused.push({ itemId: item.id, reason: err.message });
    }
  }
  return result;
}
