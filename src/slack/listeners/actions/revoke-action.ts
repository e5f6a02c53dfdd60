import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { REVIEW_ACTION_IDS } from '../../blocks/index.js';
import type { SlackReviewServices } from '../../review-services.js';
import { clickOf } from '../click.js';

/** Revoke: opens the justification modal when the definition requires one, else decides. */
export function registerRevokeAction(app: App, services: SlackReviewServices): void {
  app.action<BlockAction<ButtonAction>>(REVIEW_ACTION_IDS.revoke, async ({ ack, body, action }) => {
    await ack();
    await services.interactions.decideClick(clickOf(body), action.value ?? '', 'revoke');
  });
}
