/**
 * Events API de-duplication: Slack retries an event (same `event_id`, `x-slack-retry-num`) when
 * it saw no timely answer, so each event id is claimed in the store once (atomically, also
 * across replicas) and processed only by the claimant. A failed processing releases the claim so
 * that Slack's next retry is processed. These claims are bookkeeping, not messages: they record
 * no ledger event (what `work` does records its own).
 */
import { deliveryId, FROM_CLAIMED } from './review-delivery.js';
import type { SlackServiceDeps } from './slack-services.js';

/** The pseudo-campaign event claims are filed under (deliveries need one). */
const EVENTS = 'slack-events';

export class SlackEventLog {
  constructor(private readonly s: SlackServiceDeps) {}

  /** Runs `work` unless this event id was (or is being) processed already. Returns whether it ran. */
  async once(eventId: string, userId: string, work: () => Promise<void>): Promise<boolean> {
    const { store, now } = this.s.review();
    const id = deliveryId(EVENTS, userId, 'notice', eventId);
    const claimed = await store.deliveries.claim({ id, campaignId: EVENTS, recipient: userId, kind: 'notice', key: eventId, state: 'claimed', channel: null, ts: null, attempts: 0, error: null, updatedAt: now().toISOString(), payload: {} });
    if (!claimed) {
      this.s.log.debug({ eventId }, 'duplicate Slack event ignored');
      return false;
    }
    try {
      await work();
      await store.deliveries.update(id, FROM_CLAIMED, { state: 'sent', attempts: 1, updatedAt: now().toISOString() }, () => []);
      return true;
    } catch (err) {
      await store.deliveries.update(id, FROM_CLAIMED, { state: 'failed', attempts: 1, error: (err as Error).message, updatedAt: now().toISOString() }, () => []);
      throw err;
    }
  }
}
