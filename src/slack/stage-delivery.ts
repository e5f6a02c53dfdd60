/**
 * Multi-stage reviews in Slack: when a decision passes an item on to a later stage
 * (decide-item.ts), that stage's reviewer gets a DM with the item, naming the stage ("Stage 2 of
 * 2: Owner confirmation"), its due date there (itemDueAt) and every earlier stage's decision.
 *
 * Exactly once per item and stage: the delivery `${campaignId}|${reviewer}|review|s<stage>:<itemId>`
 * is claimed before chat.postMessage and its outcome ledgered after (ReviewDelivery.deliverItemPage,
 * as for delegations), so a repeated click, a retry or two replicas never send it twice. A
 * reviewer who already has a sent message holding the item (it was on their page, or delegated to
 * them) is not sent another: that message shows it again with its buttons and stage.
 *
 * Decisions made in Slack hand their items off at once (review-interactions.ts). Decisions made
 * elsewhere (`iam-review decide` in another process) are caught up by serve's periodic run,
 * `catchUp`: it looks at the open multi-stage campaigns only, and there at the items pending at
 * a later stage only (read page by page from their own index, never the whole campaign),
 * updates the earlier reviewers' messages to show the items passed on, sends at most `limit` messages per run, and retries a failed one (no Slack account, Slack error) up to MAX_ATTEMPTS times, after
 * which the reviewer's reminders and the escalations still cover the item.
 */
import type { ReviewDefinition } from '../config/review-config.js';
import type { Campaign, ReviewItem } from '../domain/index.js';
import { findDefinition } from '../reviews/open-campaign.js';
import type { ReviewDeps } from '../reviews/review-deps.js';
import { isMultiStage, itemDueAt, stageNumberOf } from '../reviews/review-stages.js';
import type { Delivery } from '../store/ports.js';
import type { StageView } from './blocks/index.js';
import type { People } from './people.js';
import { storePeople } from './people.js';
import type { DeliveryReport, ReviewDelivery } from './review-delivery.js';
import { itemIdsOf } from './review-delivery.js';
import { BOT_ACTOR } from './slack-events.js';
import type { SlackServiceDeps } from './slack-services.js';

/** Attempts of a hand-off message after which the catch-up stops retrying it. */
export const MAX_ATTEMPTS = 3;

export interface StageCatchUpOptions {
  /** Ledger actor (default the bot). */
  actor?: string;
  /** Messages sent at most per run (default 200); the next run sends the rest. */
  limit?: number;
  /** Stops starting new messages (serve's shutdown). */
  signal?: AbortSignal;
}

export interface StageCatchUpReport {
  /** Open multi-stage campaigns looked at. */
  campaigns: number;
  /** Items pending at a stage after the first. */
  atLaterStages: number;
  /** Their reviewer has a message holding the item already (sent, or claimed by a run that stopped). */
  alreadyTold: number;
  sent: number;
  failed: Array<{ deliveryId: string; reviewerId: string; error: string }>;
  /** Failed MAX_ATTEMPTS times: no longer retried. */
  gaveUp: string[];
  /** Left for the next run (limit reached or stopping). */
  deferred: number;
}

/** The delivery key of the message handing `item` to its current stage's reviewer. */
export function handOffKey(item: Pick<ReviewItem, 'id' | 'stage'>): string {
  return `s${stageNumberOf(item)}:${item.id}`;
}

export class StageDelivery {
  constructor(
    private readonly s: SlackServiceDeps,
    private readonly delivery: ReviewDelivery,
  ) {}

  /** After decisions in Slack: the items they passed on go to their next stage's reviewer now. */
  async deliverItems(campaignId: string, itemIds: readonly string[], actor: string = BOT_ACTOR): Promise<number> {
    const deps = this.s.review();
    const campaign = await deps.store.campaigns.get(campaignId);
    if (!campaign || campaign.state !== 'open') return 0;
    const def = findDefinition(deps, campaign.reviewId);
    if (!isMultiStage(def)) return 0;
    const items = (await Promise.all(itemIds.map((id) => deps.store.campaigns.item(id)))).filter((i): i is ReviewItem => i !== null && atLaterStage(i));
    const people = storePeople(deps.store);
    const report = emptyReport(campaign.id);
    for (const item of items) {
      const mine = await deps.store.deliveries.list({ campaignId, recipient: item.reviewerId, kind: 'review' });
      if (new ReviewerMessages(mine).told(item)) continue;
      await this.handOff(deps, campaign, def, item, people, mine, report, actor);
    }
    return report.sent;
  }

  /** Serve's periodic run: hands off the items passed on by decisions made outside Slack. */
  async catchUp(opts: StageCatchUpOptions = {}): Promise<StageCatchUpReport> {
    const deps = this.s.review();
    const limit = opts.limit ?? 200;
    const actor = opts.actor ?? BOT_ACTOR;
    const report: StageCatchUpReport = { campaigns: 0, atLaterStages: 0, alreadyTold: 0, sent: 0, failed: [], gaveUp: [], deferred: 0 };
    const people = storePeople(deps.store);
    for (const campaign of await deps.store.campaigns.list({ state: 'open' })) {
      const def = deps.config.reviews.find((r) => r.id === campaign.reviewId);
      if (!def || !isMultiStage(def)) continue;
      report.campaigns += 1;
      // The items at a later stage only, page by page (never the campaign's items); the review
      // messages of each of their reviewers, read once per reviewer.
      const messages = new Map<string, ReviewerMessages>();
      const todo: ReviewItem[] = [];
      for await (const page of deps.store.campaigns.pendingAtLaterStages(campaign.id)) {
        for (const item of page) {
          report.atLaterStages += 1;
          const mine = messages.get(item.reviewerId) ?? (await reviewerMessages(deps, campaign.id, item.reviewerId, messages));
          if (mine.told(item)) {
            report.alreadyTold += 1;
            continue;
          }
          const prior = mine.byKey.get(handOffKey(item));
          if (prior && prior.attempts >= MAX_ATTEMPTS) report.gaveUp.push(prior.id);
          else if (report.sent + report.failed.length + todo.length >= limit || opts.signal?.aborted) report.deferred += 1;
          else todo.push(item);
        }
      }
      if (todo.length === 0) continue;
      // The earlier reviewers' messages show the items passed on (one update per message), as after a click.
      await this.delivery.refreshItems(campaign.id, todo.map((i) => i.id), actor);
      const sent = emptyReport(campaign.id);
      for (const item of todo) {
        if (opts.signal?.aborted) break;
        await this.handOff(deps, campaign, def, item, people, messages.get(item.reviewerId)?.deliveries ?? [], sent, actor);
      }
      report.sent += sent.sent;
      report.failed.push(...sent.failed);
    }
    if (report.sent + report.failed.length + report.deferred > 0) this.s.log.info({ ...report, failed: report.failed.length, gaveUp: report.gaveUp.length }, 'later-stage review items handed off');
    return report;
  }

  private async handOff(deps: ReviewDeps, campaign: Campaign, def: ReviewDefinition, item: ReviewItem, people: People, mine: readonly Delivery[], report: DeliveryReport, actor: string): Promise<void> {
    const n = stageNumberOf(item);
    const handOff: StageView = { number: n, count: Math.max(n, def.stages.length), name: def.stages[n - 1]?.name ?? `Stage ${n}`, dueAt: itemDueAt(campaign, def, item) };
    const existing = new Map(mine.map((d) => [d.id, d]));
    await this.delivery.deliverItemPage(deps, { campaign, item, key: handOffKey(item), handOff, ledger: { stageItem: item.id, stage: n } }, { people, existing, report, actor });
  }
}

function atLaterStage(item: ReviewItem): boolean {
  return item.state === 'pending' && stageNumberOf(item) > 1;
}

/** A reviewer's review messages in one campaign, indexed once: `told` is two lookups, not a scan of every message's items. */
class ReviewerMessages {
  /** By delivery key (unique among one recipient's review messages of a campaign). */
  readonly byKey: Map<string, Delivery>;
  /** The items held by the messages sent. */
  private readonly sentItems = new Set<string>();

  constructor(readonly deliveries: readonly Delivery[]) {
    this.byKey = new Map(deliveries.map((d) => [d.key, d]));
    for (const d of deliveries) if (d.state === 'sent') for (const id of itemIdsOf(d)) this.sentItems.add(id);
  }

  /**
   * Whether the item's reviewer was told of it at its current stage: this stage's hand-off
   * message is claimed (a claimed one may have reached Slack: never sent twice), or a sent
   * message of theirs holds the item already (the hand-off sent, their page, a delegation).
   */
  told(item: ReviewItem): boolean {
    return this.byKey.get(handOffKey(item))?.state === 'claimed' || this.sentItems.has(item.id);
  }
}

async function reviewerMessages(deps: ReviewDeps, campaignId: string, reviewerId: string, into: Map<string, ReviewerMessages>): Promise<ReviewerMessages> {
  const mine = new ReviewerMessages(await deps.store.deliveries.list({ campaignId, recipient: reviewerId, kind: 'review' }));
  into.set(reviewerId, mine);
  return mine;
}

function emptyReport(campaignId: string): DeliveryReport {
  return { campaignId, reviewers: 1, pages: 0, sent: 0, alreadySent: 0, failed: [], withoutSlack: [], uncertain: [], aborted: false };
}
