import type { DecisionOutcome } from '../../domain/campaign.js';
import type { ContextBlock, MessagePayload } from './block-types.js';
import { itemActionsBlockId } from './review-actions.js';
import { fitMrkdwn, userText } from './mrkdwn.js';

/**
 * Marks an item of a rendered review page as decided by the page's reviewer and passed on to a
 * later stage (multi-stage reviews): its buttons become a status line ("Revoked by you: now with
 * X for stage 2 (Owner confirmation)"), so the earlier reviewer sees their decision and where the
 * item went, with nothing left to click. Like markDelegated, the line fits the space the page
 * reserved for the item's status.
 */
export function markPassedOn<T extends MessagePayload>(message: T, itemId: string, passed: { outcome: DecisionOutcome; toName: string; stage: { number: number; name: string } }): T {
  const blockId = itemActionsBlockId(itemId);
  const head = passed.outcome === 'approve' ? ':white_check_mark: *Approved* by you' : ':no_entry: *Revoked* by you';
  const status: ContextBlock = {
    type: 'context',
    block_id: blockId,
    elements: [{ type: 'mrkdwn', text: fitMrkdwn(`${head}: now with ${userText(passed.toName, 60)} for stage ${passed.stage.number} (${userText(passed.stage.name, 40)})`, 200) }],
  };
  return { ...message, blocks: message.blocks.map((b) => (b.block_id === blockId ? status : b)) };
}
