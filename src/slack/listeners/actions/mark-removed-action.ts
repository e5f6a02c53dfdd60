import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { REMEDIATION_ACTION_IDS } from '../../blocks/index.js';
import type { SlackReviewServices } from '../../review-services.js';
import { clickOf } from '../click.js';

/** "Mark removed" (removal request DM, App Home): a claim by the system's owner or the security team, never a verification. */
export function registerMarkRemovedAction(app: App, services: SlackReviewServices): void {
  app.action<BlockAction<ButtonAction>>(REMEDIATION_ACTION_IDS.markRemoved, async ({ ack, body, action }) => {
    await ack();
    await services.removalInteractions.markRemovedClick(clickOf(body), action.value ?? '');
  });
}
