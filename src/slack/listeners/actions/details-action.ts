import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { REVIEW_ACTION_IDS } from '../../blocks/index.js';
import type { SlackReviewServices } from '../../review-services.js';
import { clickOf } from '../click.js';

/** Details: opens the modal with the item's full context, finding text and evidence (views.open with the click's trigger_id). */
export function registerDetailsAction(app: App, services: SlackReviewServices): void {
  app.action<BlockAction<ButtonAction>>(REVIEW_ACTION_IDS.details, async ({ ack, body, action }) => {
    await ack();
    await services.interactions.detailsClick(clickOf(body), action.value ?? '');
  });
}
