import type { DecisionOutcome } from '../../domain/campaign.js';
import { BLOCK_KIT_LIMITS } from './block-kit-limits.js';
import type { ModalView } from './block-types.js';
import type { ModalMetadata } from './modal-metadata.js';
import { encodeModalMetadata } from './modal-metadata.js';
import type { ReviewEntry } from './review-item-blocks.js';
import { itemSectionText } from './review-item-blocks.js';

/** Ids a view_submission listener reads: `view.state.values[blockId][actionId].value`. */
export const JUSTIFICATION_VIEW = {
  callbackId: 'review_justification',
  blockId: 'justification',
  actionId: 'justification_input',
} as const;

export interface JustificationModalInput {
  entry: Pick<ReviewEntry, 'item' | 'subject'>;
  outcome: DecisionOutcome;
  /** The message the click came from; null from the App Home. */
  origin: ModalMetadata['origin'];
  /** Shown as a hint; the server enforces it (answering `response_action: errors`). */
  minLength: number;
  now: string;
  /** Text already typed, when the modal is shown again. */
  initialValue?: string;
}

/**
 * The modal asking why: for a revoke, for an approval of an item with findings, or for an
 * approval with a comment (overflow). The justification is stored literally in the decision.
 */
export function justificationModal(input: JustificationModalInput): ModalView {
  const { outcome, entry } = input;
  const flagged = entry.item.findings.length > 0;
  const title = outcome === 'revoke' ? 'Revoke access' : flagged ? 'Approve with findings' : 'Approve with comment';
  const verb = outcome === 'revoke' ? 'revoke' : 'approve';
  const label = outcome === 'revoke' ? 'Why should this access be removed?' : flagged ? 'Why is this access still needed despite the findings?' : 'Comment';
  return {
    type: 'modal',
    callback_id: JUSTIFICATION_VIEW.callbackId,
    title: { type: 'plain_text', text: title },
    submit: { type: 'plain_text', text: outcome === 'revoke' ? 'Revoke' : 'Approve' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: encodeModalMetadata({ itemId: entry.item.id, outcome, origin: input.origin }),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `You are about to *${verb}* this access:` } },
      { type: 'section', text: { type: 'mrkdwn', text: itemSectionText({ ...entry, decision: null }, input.now) } },
      {
        type: 'input',
        block_id: JUSTIFICATION_VIEW.blockId,
        label: { type: 'plain_text', text: label },
        hint: { type: 'plain_text', text: `At least ${input.minLength} characters. Stored in the audit ledger with your name and the time.` },
        element: {
          type: 'plain_text_input',
          action_id: JUSTIFICATION_VIEW.actionId,
          multiline: true,
          max_length: BLOCK_KIT_LIMITS.plainTextInputLength,
          ...(input.initialValue ? { initial_value: input.initialValue.slice(0, BLOCK_KIT_LIMITS.plainTextInputLength) } : {}),
        },
      },
    ],
  };
}
