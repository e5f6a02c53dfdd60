import type { ModalView } from './block-types.js';
import type { ModalMetadata } from './modal-metadata.js';
import { encodeModalMetadata } from './modal-metadata.js';
import type { ReviewEntry } from './review-item-blocks.js';
import { itemSectionText } from './review-item-blocks.js';

/** Ids a view_submission listener reads: `view.state.values[blockId][actionId]`. */
export const DELEGATE_VIEW = {
  callbackId: 'review_delegate',
  userBlockId: 'delegate_to',
  /** users_select: `.selected_user` is the Slack user id chosen. */
  userActionId: 'delegate_user',
  reasonBlockId: 'delegate_reason',
  reasonActionId: 'delegate_reason_input',
} as const;

export interface DelegateModalInput {
  entry: Pick<ReviewEntry, 'item' | 'subject'>;
  origin: ModalMetadata['origin'];
  now: string;
}

/**
 * Asks whom to delegate an item to. The server checks the chosen person (known identity, not the
 * item's subject, not the reviewer themself) and answers field errors with `response_action: errors`.
 */
export function delegateModal(input: DelegateModalInput): ModalView {
  return {
    type: 'modal',
    callback_id: DELEGATE_VIEW.callbackId,
    title: { type: 'plain_text', text: 'Delegate review' },
    submit: { type: 'plain_text', text: 'Delegate' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: encodeModalMetadata({ itemId: input.entry.item.id, outcome: null, origin: input.origin }),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: itemSectionText({ ...input.entry, decision: null }, input.now) } },
      {
        type: 'input',
        block_id: DELEGATE_VIEW.userBlockId,
        label: { type: 'plain_text', text: 'Delegate to' },
        element: { type: 'users_select', action_id: DELEGATE_VIEW.userActionId, placeholder: { type: 'plain_text', text: 'Choose a person' } },
      },
      {
        type: 'input',
        block_id: DELEGATE_VIEW.reasonBlockId,
        optional: true,
        label: { type: 'plain_text', text: 'Note for them' },
        element: { type: 'plain_text_input', action_id: DELEGATE_VIEW.reasonActionId, multiline: true, max_length: 500 },
      },
    ],
  };
}
