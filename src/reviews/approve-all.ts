/**
 * "Approve all without findings": one decision per pending item of one campaign that is assigned
 * to the actor and has no findings, each through decideItem (same guards, one ledger line per
 * decision or refusal), each marked `approveAll` (in its row and its decision.recorded, so
 * rubber-stamp detection tells bulk approvals from looked-at ones). Items with findings are left for one-by-one decisions. Guards of the
 * bulk action itself (review-guards.ts; each refusal is ledgered with its code): the campaign
 * exists and is open; approvals need no justification at some stage of the definition (a reason
 * must be per item; items in a stage that requires one for every approval are left too); the
 * actor has pending items in it.
 */
import type { DecisionChannel } from '../domain/index.js';
import type { DecideOutcome } from './decide-item.js';
import { decideItem } from './decide-item.js';
import { ledgerRefusals } from './ledger-refusals.js';
import { findDefinition } from './open-campaign.js';
import type { ReviewActor } from './review-actor.js';
import type { ReviewDeps } from './review-deps.js';
import { ReviewError } from './review-error.js';
import { justificationRequired } from './justification-rule.js';
import { stageNumberOf, stageOf } from './review-stages.js';
import { requireBulkApprovable, requireOpenCampaign, requirePendingItems } from './review-guards.js';

export interface ApproveAllResult {
  decided: DecideOutcome[];
  /** Pending items of the actor that have findings: not approved in bulk. */
  withFindings: number;
  /** Pending items of the actor in a stage that requires a justification for every approval: not approved in bulk. */
  needsJustification: number;
  /** Items refused one by one (e.g. decided concurrently by someone else). */
  refused: Array<{ itemId: string; reason: string }>;
}

export async function approveAllWithoutFindings(
  deps: ReviewDeps,
  input: { campaignId: string; actor: ReviewActor; channel: DecisionChannel },
): Promise<ApproveAllResult> {
  const { store } = deps;
  const attempt = { actor: input.actor, subject: input.campaignId, details: { action: 'decide:approve-all', channel: input.channel } };
  // Only the bulk guards run inside ledgerRefusals: decideItem ledgers its own refusals.
  const pending = await ledgerRefusals(deps, attempt, async () => {
    const campaign = requireOpenCampaign(await store.campaigns.get(input.campaignId), input.campaignId);
    const def = findDefinition(deps, campaign.reviewId);
    requireBulkApprovable(def);
    const keys = [...new Set([input.actor.id, ...(input.actor.email ? [input.actor.email] : [])])];
    const items = (await Promise.all(keys.map((reviewerId) => store.campaigns.items(campaign.id, { reviewerId, state: 'pending' })))).flat();
    requirePendingItems(items, input.actor, campaign.id);
    return { items, def };
  });

  const result: ApproveAllResult = { decided: [], withFindings: 0, needsJustification: 0, refused: [] };
  for (const item of pending.items) {
    if (item.findings.length > 0) {
      result.withFindings += 1;
      continue;
    }
    if (justificationRequired(stageOf(pending.def, stageNumberOf(item)), 'approve', 0)) {
      result.needsJustification += 1;
      continue;
    }
    try {
      result.decided.push(await decideItem(deps, { itemId: item.id, outcome: 'approve', actor: input.actor, channel: input.channel, justification: null, approveAll: true }));
    } catch (err) {
      if (!(err instanceof ReviewError)) throw err;
      result.refused.push({ itemId: item.id, reason: err.message });
    }
  }
  return result;
}
