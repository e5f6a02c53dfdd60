import type { App, ViewSubmitAction } from '@slack/bolt';
import { DELEGATE_VIEW } from '../../blocks/index.js';
import type { SlackReviewServices } from '../../review-services.js';

/** The delegate modal's submit: a refused delegation (own access, unknown person) shows under the field. */
export function registerDelegateView(app: App, services: SlackReviewServices): void {
  app.view<ViewSubmitAction>(DELEGATE_VIEW.callbackId, async ({ ack, body, view }) => {
    const values = view.state.values;
    const selected = values[DELEGATE_VIEW.userBlockId]?.[DELEGATE_VIEW.userActionId]?.selected_user ?? null;
    const reason = values[DELEGATE_VIEW.reasonBlockId]?.[DELEGATE_VIEW.reasonActionId]?.value ?? null;
    const result = await services.interactions.submitDelegate(body.user.id, view.private_metadata, selected, reason);
    if (result.errors) return ack({ response_action: 'errors', errors: result.errors });
    await ack();
    await services.interactions.afterSubmit(result);
  });
}
