import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { REVIEW_ACTION_IDS } from '../../blocks/index.js';
import type { SlackReviewServices } from '../../review-services.js';
import { clickOf } from '../click.js';

/** "Approve all without findings": one decision per item of the clicking reviewer in that campaign. */
export function registerApproveAllAction(app: App, services: SlackReviewServices): void {
  app.action<BlockAction<ButtonAction>>(REVIEW_ACTION_IDS.approveAll, async ({ ack, body, action }) => {
    await ack();
    await services.interactions.approveAllClick(clickOf(body), action.value ?? '');
  });
}
