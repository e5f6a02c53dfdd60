import type { App, BlockAction } from '@slack/bolt';
import { REMEDIATION_ACTION_IDS, REVIEW_ACTION_IDS } from '../../blocks/index.js';

const KNOWN = new Set<string>([...Object.values(REVIEW_ACTION_IDS), ...Object.values(REMEDIATION_ACTION_IDS)]);

/** Any other action id (an old message, a forged payload): acknowledged, logged, ignored. */
export function registerUnknownAction(app: App): void {
  app.action<BlockAction>(/.*/, async ({ ack, action, logger }) => {
    const id = 'action_id' in action ? String(action.action_id) : '';
    if (KNOWN.has(id)) return;
    await ack();
    logger.warn(`ignored unknown action id "${id.slice(0, 80)}"`);
  });
}
