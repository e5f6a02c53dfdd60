import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { REVIEW_ACTION_IDS } from '../../blocks/index.js';
import type { SlackReviewServices } from '../../review-services.js';
import { clickOf } from '../click.js';

/** Approve: decides, or opens the justification modal when the item's findings require one. */
export function registerApproveAction(app: App, services: SlackReviewServices): void {
  app.action<BlockAction<ButtonAction>>(REVIEW_ACTION_IDS.approve, async ({ ack, body, action }) => {
    await ack();
    await services.interactions.decideClick(clickOf(body), action.value ?? '', 'approve');
  });
}
