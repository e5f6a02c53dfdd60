import type { BlockAction } from '@slack/bolt';
import type { Click } from '../review-interactions.js';

/** The clicking user (Slack-signed), the trigger for a modal, and the message clicked in (null from the App Home). */
export function clickOf(body: BlockAction): Click {
  const c = body.container as { type?: string; channel_id?: string; message_ts?: string };
  const origin = c.type === 'message' && c.channel_id && c.message_ts ? { channelId: c.channel_id, messageTs: c.message_ts } : null;
  return { userId: body.user.id, triggerId: body.trigger_id, origin };
}
