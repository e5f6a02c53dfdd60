import type { App, ViewSubmitAction } from '@slack/bolt';
import { JUSTIFICATION_VIEW } from '../../blocks/index.js';
import type { SlackReviewServices } from '../../review-services.js';

/**
 * The justification modal's submit. The decision is made before answering so that a too-short
 * justification or a refusal shows under the field (`response_action: errors`); an accepted one
 * closes the modal, then the review message is updated.
 */
export function registerJustificationView(app: App, services: SlackReviewServices): void {
  app.view<ViewSubmitAction>(JUSTIFICATION_VIEW.callbackId, async ({ ack, body, view }) => {
    const text = view.state.values[JUSTIFICATION_VIEW.blockId]?.[JUSTIFICATION_VIEW.actionId]?.value ?? null;
    const result = await services.interactions.submitJustification(body.user.id, view.private_metadata, text);
    if (result.errors) return ack({ response_action: 'errors', errors: result.errors });
    await ack();
    await services.interactions.afterSubmit(result);
  });
}
