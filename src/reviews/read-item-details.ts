/**
 * Reading a review item's details (the full finding text and evidence): only its assigned
 * reviewer (or delegate), the security team and the auditors may, since the evidence names
 * people and their access. A refusal is ledgered like every other (`access.refused`).
 */
import type { ReviewItem } from '../domain/index.js';
import { ledgerRefusals } from './ledger-refusals.js';
import type { ReviewActor } from './review-actor.js';
import type { ReviewDeps } from './review-deps.js';
import { requireItem, requireReviewer } from './review-guards.js';

export async function readItemDetails(deps: Pick<ReviewDeps, 'store' | 'audit' | 'config'>, input: { itemId: string; actor: ReviewActor; channel: 'slack' | 'cli' }): Promise<ReviewItem> {
  const { actor, itemId } = input;
  return ledgerRefusals(deps, { actor, subject: itemId, details: { action: 'details', channel: input.channel } }, async () => {
    const item = requireItem(await deps.store.campaigns.item(itemId), itemId);
    requireReviewer(item, actor, [...deps.config.roles.securityTeam, ...deps.config.roles.auditors]);
    return item;
  });
}
