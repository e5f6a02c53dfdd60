import type { App } from '@slack/bolt';
import { COMMAND } from '../../review-commands.js';
import type { SlackReviewServices } from '../../review-services.js';

/** `/access-review …`: the answer is the (ephemeral) command response; long work reports by DM. */
export function registerAccessReviewCommand(app: App, services: SlackReviewServices): void {
  app.command(COMMAND, async ({ ack, command }) => {
    const answer = await services.commands.handle(command.user_id, command.text ?? '');
    await ack(answer.reply);
    await answer.followUp?.();
  });
}
