import type { Decision } from '../domain/index.js';
import type { Store } from '../store/ports.js';

/**
 * Every decision of a campaign in decision order: those that settled an item and, in a
 * multi-stage review, those that passed one on, so each reviewer is judged on every decision
 * they made (rubber-stamp detection: the report, `campaign status`, the stage entry
 * `flagged-approval`).
 */
export async function campaignDecisions(store: Pick<Store, 'campaigns'>, campaignId: string): Promise<Decision[]> {
  const all = await store.campaigns.decisions(campaignId);
  for await (const batch of store.campaigns.stageDecisionsOf(campaignId)) all.push(...batch);
  return all.sort((a, b) => a.decidedAt.localeCompare(b.decidedAt) || a.id.localeCompare(b.id));
}
