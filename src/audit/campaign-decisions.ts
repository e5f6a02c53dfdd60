import type { Decision } from '../domain/index.js';
import type { Store } from '../store/ports.js';

/**
 * Every decision of a campaign in decision order: those that settled an item and, in a
 * multi-stage review, those that passed one on, so each reviewer is judged on every decision
 * they made (rubber-stamp detection: the report, `campaign status`, the stage entry
 * `flagged-approval`).
 */
export async function campaignDecisions(store: Pick<Store, 'campaigns'>, campaignId: string): Promise<Decision[]> {
  const all = [...(await store.campaigns.decisions(campaignId)), ...(await campaignStageDecisions(store, campaignId))];
  return all.sort((a, b) => a.decidedAt.localeCompare(b.decidedAt) || a.id.localeCompare(b.id));
}

/** A campaign's stage decisions (multi-stage reviews: those that passed an item on), in (item, stage) order. */
export async function campaignStageDecisions(store: Pick<Store, 'campaigns'>, campaignId: string): Promise<Decision[]> {
  const out: Decision[] = [];
  for await (const batch of store.campaigns.stageDecisionsOf(campaignId)) out.push(...batch);
  return out;
}
