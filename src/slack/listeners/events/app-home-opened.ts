import type { App } from '@slack/bolt';
import type { SlackReviewServices } from '../../review-services.js';

/** Publishes the App Home when its tab opens; a retried event (same event_id) is processed once. */
export function registerAppHomeOpened(app: App, services: SlackReviewServices): void {
  app.event('app_home_opened', async ({ event, body }) => {
    if (event.tab !== 'home') return;
    await services.events.once(body.event_id, event.user, () => services.home.publish(event.user));
  });
}
