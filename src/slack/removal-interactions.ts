/**
 * "Mark removed" clicks: a claim through the remediation operation (claimRemediation, the same
 * as `remediation claim` and app.remediation.claim): only the system's owner or the security
 * team may claim, on server-side state (the clicking Slack user's email), never the button's
 * value; every refusal is ledgered there and answered to the clicker. A claim never verifies:
 * the removal request page is updated in place to say who marked it and that it is verified
 * when a sync no longer shows it (`message.updated`), and a click from the App Home re-publishes it.
 */
import { EVENT } from '../audit/event-types.js';
import type { Remediation } from '../domain/index.js';
import { claimRemediation } from '../remediation/claim-remediation.js';
import { RemediationError } from '../remediation/remediation-error.js';
import type { ReviewDeps } from '../reviews/review-deps.js';
import type { Delivery } from '../store/ports.js';
import type { MessagePayload } from './blocks/index.js';
import { removalMessage } from './blocks/index.js';
import type { HomeService } from './home-service.js';
import { nameOf, storePeople } from './people.js';
import { remediationIdsOf, removalThread } from './removal-deliveries.js';
import type { Click, ReviewInteractions } from './review-interactions.js';
import { resolveSlackActor } from './slack-actor.js';
import { slackErrorCode } from './slack-gateway.js';
import { BOT_ACTOR } from './slack-events.js';
import type { SlackServiceDeps } from './slack-services.js';

export class RemovalInteractions {
  constructor(
    private readonly s: SlackServiceDeps,
    private readonly answers: Pick<ReviewInteractions, 'notify'>,
    private readonly home: HomeService,
  ) {}

  async markRemovedClick(click: Click, remediationId: string): Promise<void> {
    const deps = this.s.review();
    const actor = await resolveSlackActor(deps.store, this.s.directory, click.userId);
    let claimed: Remediation;
    try {
      // The claim is by email (owner and security team are emails); without one it is refused as not the owner.
      claimed = await claimRemediation(deps, { id: remediationId, actor: actor.email ?? actor.label });
    } catch (err) {
      if (!(err instanceof RemediationError)) this.s.log.error({ err }, 'mark removed failed');
      const text = err instanceof RemediationError ? `:no_entry_sign: ${err.message}` : ':warning: Something went wrong; it was logged. Please try again.';
      return this.answers.notify(click.userId, click.origin, text);
    }
    await this.refreshRemoval(claimed, actor.email ?? actor.label);
    if (!click.origin) await this.home.publish(click.userId);
    await this.answers.notify(click.userId, click.origin, `:hourglass_flowing_sand: Marked removed: ${claimed.accountId} · ${claimed.role}. It is verified when a sync no longer shows it.`);
  }

  /**
   * Updates in place the sent removal request page that lists this remediation, re-rendered with
   * the current state of every removal on it. Returns whether a message was updated.
   */
  async refreshRemoval(r: Remediation, actor: string = BOT_ACTOR): Promise<boolean> {
    const deps = this.s.review();
    const sent = await deps.store.deliveries.list({ campaignId: removalThread(r.systemId), kind: 'notice', state: 'sent' });
    const mine = sent.find((d) => d.key === r.id);
    if (!mine?.channel || !mine.ts) return false;
    const message = await this.render(deps, mine);
    if (!message) return false;
    try {
      await this.s.slack.update(mine.channel, mine.ts, message);
    } catch (err) {
      this.s.log.warn({ deliveryId: mine.id, error: slackErrorCode(err) }, 'could not update a removal request');
      return false;
    }
    await deps.audit.record(EVENT.messageUpdated, actor, mine.id, { kind: 'notice', purpose: 'removal-request', systemId: r.systemId, remediationId: r.id, state: r.state, channel: mine.channel, ts: mine.ts });
    return true;
  }

  /** The page as it is now: the same removals (the page's list), each in its current state, in its place among the DM's pages. */
  private async render(deps: ReviewDeps, d: Delivery): Promise<MessagePayload | null> {
    const system = deps.config.systems.find((s) => removalThread(s.id) === d.campaignId);
    const removals = (await Promise.all(remediationIdsOf(d).map((id) => deps.store.remediations.get(id)))).filter((x): x is Remediation => x !== null);
    if (!system || removals.length === 0) return null;
    const page = Number(d.payload.page);
    const pageCount = Number(d.payload.pageCount);
    const asPage = Number.isInteger(page) && Number.isInteger(pageCount) && page >= 1 && page <= pageCount ? { page, pageCount } : undefined;
    const owner = { name: await nameOf(storePeople(deps.store), d.recipient) };
    return removalMessage({ system: { id: system.id, name: system.name }, owner, removals, now: deps.now().toISOString(), asPage })[0] ?? null;
  }
}
