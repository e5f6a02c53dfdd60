import type { Decision } from '../domain/index.js';
import { stageDecisionId } from '../domain/index.js';
import type { StageAdvance } from './ports.js';

/**
 * What CampaignStore.decide checks of a decision before writing it (both adapters): it names
 * the item's campaign; a decision that settles its item has the item's id, one that passes it on
 * has `${itemId}#${stage}` and sends it to a later stage. A caller's bug, so it throws.
 */
export function checkDecision(decision: Decision, campaignId: string, advance: StageAdvance | null): void {
  if (decision.campaignId !== campaignId) {
    throw new Error(`decision for item ${decision.itemId} names campaign ${decision.campaignId}, the item is in ${campaignId}`);
  }
  const stage = decision.stage ?? 1;
  if (advance) {
    if (advance.stage <= stage) throw new Error(`decision at stage ${stage} of item ${decision.itemId} cannot send it to stage ${advance.stage}`);
    if (decision.id !== stageDecisionId(decision.itemId, stage)) throw new Error(`a decision passing item ${decision.itemId} on has id ${stageDecisionId(decision.itemId, stage)}, not ${decision.id}`);
  } else if (decision.id !== decision.itemId) {
    throw new Error(`a decision settling item ${decision.itemId} has the item's id, not ${decision.id}`);
  }
}
