import type { App, BlockAction, OverflowAction } from '@slack/bolt';
import { parseOverflowValue, REVIEW_ACTION_IDS } from '../../blocks/index.js';
import type { SlackReviewServices } from '../../review-services.js';
import { clickOf } from '../click.js';

/** The item's overflow menu: Delegate (users_select modal) or Approve with a comment. */
export function registerMoreAction(app: App, services: SlackReviewServices): void {
  app.action<BlockAction<OverflowAction>>(REVIEW_ACTION_IDS.more, async ({ ack, body, action, logger }) => {
    await ack();
    const choice = parseOverflowValue(action.selected_option.value);
    if (!choice) return logger.warn(`ignored an overflow option that is not ours: ${action.selected_option.value.slice(0, 80)}`);
    if (choice.choice === 'delegate') await services.interactions.delegateClick(clickOf(body), choice.itemId);
    else await services.interactions.commentClick(clickOf(body), choice.itemId);
  });
}
