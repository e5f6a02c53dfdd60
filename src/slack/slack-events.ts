/**
 * Ledger event types of the Slack side that event-types.ts does not list yet.
 * `message.failed`: a review message, reminder or escalation could not be delivered (no Slack
 * account for the reviewer, or Slack refused the call); the delivery stays retryable.
 */
export const SLACK_EVENT = {
  messageFailed: 'message.failed',
} as const;

/** The actor recorded for what the bot does on its own (deliveries, reminders). */
export const BOT_ACTOR = 'iam-review-bot';
