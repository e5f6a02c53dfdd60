import type { ContextBlock, MessagePayload } from './block-types.js';
import { itemActionsBlockId } from './review-actions.js';
import { fitMrkdwn, userText } from './mrkdwn.js';

/**
 * Marks an item of a rendered review page as delegated: its buttons become a status line
 * ("Delegated to X"), so the former reviewer sees where it went and has nothing to click. The
 * line fits the space the page reserved for the item's status, so the page stays within limits.
 */
export function markDelegated<T extends MessagePayload>(message: T, itemId: string, toName: string): T {
  const blockId = itemActionsBlockId(itemId);
  const status: ContextBlock = {
    type: 'context',
    block_id: blockId,
    elements: [{ type: 'mrkdwn', text: fitMrkdwn(`:arrow_right_hook: *Delegated* to ${userText(toName, 60)}: they decide it now.`, 200) }],
  };
  return { ...message, blocks: message.blocks.map((b) => (b.block_id === blockId ? status : b)) };
}
