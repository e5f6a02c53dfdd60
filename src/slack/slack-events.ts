/** The actor recorded for what the bot does on its own (deliveries, reminders). */
export const BOT_ACTOR = 'iam-review-bot';
