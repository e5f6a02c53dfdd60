/**
 * Whether the environment configures the Slack app (a bot token plus a signing secret or an app
 * token). Its own module, free of Bolt: every command asks it, only `serve` loads Bolt (slack-app.ts).
 */
export function slackConfigured(env: { SLACK_BOT_TOKEN?: string; SLACK_SIGNING_SECRET?: string; SLACK_APP_TOKEN?: string }): boolean {
  return Boolean(env.SLACK_BOT_TOKEN && (env.SLACK_SIGNING_SECRET || env.SLACK_APP_TOKEN));
}
