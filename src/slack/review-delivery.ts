/**
 * Sends each reviewer their review message (a DM, paged by Block Kit limits) and keeps it
 * current after decisions and delegations.
 *
 * Exactly-once per page: a page's delivery (`${campaignId}|${reviewerId}|review|${page}`) is
 * claimed in the store before chat.postMessage and marked sent with the DM's channel and ts
 * after, so a resumed or repeated run sends only what is missing and a sent page is never sent
 * again. The outcome and its ledger event (`message.sent` / `message.failed`) are one store
 * transaction, conditional on the delivery still being `claimed` (FROM_CLAIMED): a delivery is
 * sent or failed in the ledger exactly when it is in the table, and recording an outcome twice
 * changes and ledgers nothing the second time.
 * The Slack call sits between the claim and that transaction, outside both. A run that dies
 * after chat.postMessage and before recording the outcome leaves the page `claimed`, with no
 * event: it may or may not have reached Slack (Slack has no idempotency key), so the next run
 * reports it as uncertain and neither re-sends nor ledgers it (no duplicate message, no
 * duplicate or invented event).
 * A failed delivery (no Slack account, Slack error) stays retryable: the next run tries again.
 *
 * One-item messages (a delegated item, `d:<item>`; an item passed on to a later stage,
 * `s<stage>:<item>`, stage-delivery.ts) follow the same rules (deliverItemPage).
 *
 * When the campaign closes, every sent page is updated in place once more to show the outcome
 * with nothing left to click (`updateClosedCampaign`).
 */
import { EVENT } from '../audit/event-types.js';
import type { Campaign, ReviewItem } from '../domain/index.js';
import { findDefinition } from '../reviews/open-campaign.js';
import type { ReviewDeps } from '../reviews/review-deps.js';
import { ReviewError } from '../reviews/review-error.js';
import { stageNumberOf } from '../reviews/review-stages.js';
import type { Delivery, DeliveryExpected } from '../store/ports.js';
import type { MessagePayload, ReviewMessagePage, StageView } from './blocks/index.js';
import { markDelegated, markPassedOn, reviewMessage } from './blocks/index.js';
import { plural, truncateText } from './blocks/mrkdwn.js';
import type { People } from './people.js';
import { emailOf, loadPeople, nameOf, storePeople } from './people.js';
import { justificationRule, reviewEntries } from './review-entries.js';
import { slackErrorCode } from './slack-gateway.js';
import { BOT_ACTOR } from './slack-events.js';
import type { SlackServiceDeps } from './slack-services.js';
import { runPool } from './slack-services.js';

/**
 * Reviewers a campaign's delivery handles at once, so at most this many review messages in
 * flight. Few: the pacer stamps a call when its answer is handled on this one thread and slides
 * the rate window from that stamp, so answers queued behind a burst (128 in flight: 128 pages'
 * work, ~0.4-1.5 s) would open every later window as much late. Enough that the thread stays
 * busy while a call is on the network. The window's 600 messages a minute need no render-ahead:
 * a sliding window reopens call by call, at the pace the previous window's calls went out.
 */
export const DELIVERY_CONCURRENCY = 16;

export interface DeliverOptions {
  /** Ledger actor (default the bot). */
  actor?: string;
  /**
   * Reviewers handled at once (default DELIVERY_CONCURRENCY). A page is claimed only when its
   * turn comes, so this adds no doubt after a crash; pacing keeps Slack's limits whatever the value.
   */
  concurrency?: number;
  /** Stops starting new pages (serve's shutdown); what was sent is recorded, the rest resumes later. */
  signal?: AbortSignal;
  /** Called after each page's outcome is recorded. */
  onPage?: (outcome: { deliveryId: string; state: 'sent' | 'failed' }) => void;
}

export interface DeliveryReport {
  campaignId: string;
  reviewers: number;
  pages: number;
  sent: number;
  alreadySent: number;
  failed: Array<{ deliveryId: string; reviewerId: string; error: string }>;
  /** Reviewers with no active Slack account for their email: escalate them. */
  withoutSlack: string[];
  /** Claimed by an earlier run that stopped before recording the outcome: not re-sent. */
  uncertain: string[];
  aborted: boolean;
}

export interface CloseUpdateOptions {
  /** Ledger actor (default the bot). */
  actor?: string;
  /**
   * Pages rendered at once (default 16): enough that the next update is ready when the rate window
   * opens; pacing keeps Slack's chat.update limit whatever the value.
   */
  concurrency?: number;
}

export interface CloseUpdateReport {
  campaignId: string;
  /** Sent review pages of the campaign (each has a channel and ts to update). */
  pages: number;
  updated: number;
  /** Showing the closed campaign already (updated by an earlier run): not updated again. */
  alreadyUpdated: number;
  /** Ledgered as message.failed; the next run retries them. */
  failed: Array<{ deliveryId: string; reviewerId: string; error: string }>;
  /** Claimed by a run that stopped before recording the outcome: perhaps in Slack, with no ts to update. */
  uncertain: string[];
}

/** Delivery payload key: when the page was updated to show its closed campaign. */
const CLOSED_SHOWN_AT = 'closedShownAt';
/** Delivery payload key: the stage a message handing an item to a later stage's reviewer names (StageView). */
const HAND_OFF = 'handOff';

function handOffOf(d: Delivery): StageView | null {
  const h = d.payload[HAND_OFF];
  if (typeof h !== 'object' || h === null) return null;
  const { number, count, name, dueAt } = h as Record<string, unknown>;
  return typeof number === 'number' && typeof count === 'number' && typeof name === 'string' && typeof dueAt === 'string' ? { number, count, name, dueAt } : null;
}

/**
 * The compare-and-set of every outcome (sent, failed): only the claimant of a delivery records
 * its outcome, once. Nothing else updates a claimed delivery.
 */
export const FROM_CLAIMED: DeliveryExpected = { state: 'claimed' };

export function deliveryId(campaignId: string, recipient: string, kind: Delivery['kind'], key: string): string {
  return `${campaignId}|${recipient}|${kind}|${key}`;
}

const PAGE_KEY = /^\d+$/;

/** The items a review delivery's message holds. */
export function itemIdsOf(d: Delivery): string[] {
  const ids = d.payload.itemIds;
  return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [];
}

export class ReviewDelivery {
  constructor(private readonly s: SlackServiceDeps) {}

  /** Sends every reviewer of an open campaign the pages they do not have yet. */
  async deliverCampaign(campaignId: string, opts: DeliverOptions = {}): Promise<DeliveryReport> {
    const deps = this.s.review();
    const { store } = deps;
    const campaign = await store.campaigns.get(campaignId);
    if (!campaign) throw new ReviewError(`no campaign "${campaignId}"`, 'not-found');
    if (campaign.state !== 'open') throw new ReviewError(`campaign ${campaignId} is ${campaign.state}: nothing to deliver`, 'conflict');
    // The directory refresh waits on Slack while the store loads the campaign.
    const [, items, delivered, people] = await Promise.all([this.refreshDirectoryFor(campaign), store.campaigns.items(campaignId), store.deliveries.list({ campaignId, kind: 'review' }), loadPeople(store)]);
    const byReviewer = new Map<string, ReviewItem[]>();
    for (const item of items) {
      const list = byReviewer.get(item.reviewerId) ?? [];
      list.push(item);
      byReviewer.set(item.reviewerId, list);
    }
    const existing = new Map(delivered.map((d) => [d.id, d]));
    const report: DeliveryReport = { campaignId, reviewers: byReviewer.size, pages: 0, sent: 0, alreadySent: 0, failed: [], withoutSlack: [], uncertain: [], aborted: false };
    const reviewers = [...byReviewer.keys()].sort();
    await runPool(reviewers, opts.concurrency ?? DELIVERY_CONCURRENCY, (reviewerId) => this.deliverReviewer(deps, campaign, reviewerId, byReviewer.get(reviewerId)!, { people, existing, report, opts }), opts.signal);
    report.aborted = opts.signal?.aborted === true;
    if (report.withoutSlack.length > 0) await this.escalateWithoutSlack(deps, campaign, report.withoutSlack, people, opts.actor ?? BOT_ACTOR);
    this.s.log.info({ ...report, failed: report.failed.length, uncertain: report.uncertain.length, withoutSlack: report.withoutSlack.length }, 'review messages delivered');
    return report;
  }

  /**
   * Reviewers Slack cannot reach are escalated at once (not only after the due date): one
   * notice per campaign to the definition's escalation channel, so their items get reassigned.
   */
  private async escalateWithoutSlack(deps: ReviewDeps, campaign: Campaign, reviewerIds: readonly string[], people: People, actor: string): Promise<void> {
    const channel = findDefinition(deps, campaign.reviewId).escalation?.channel;
    if (!channel) return;
    const id = deliveryId(campaign.id, channel, 'escalation', 'no-slack');
    const now = deps.now().toISOString();
    if (!(await deps.store.deliveries.claim({ id, campaignId: campaign.id, recipient: channel, kind: 'escalation', key: 'no-slack', state: 'claimed', channel: null, ts: null, attempts: 0, error: null, updatedAt: now, payload: { reviewers: reviewerIds } }))) return;
    const names = await Promise.all(reviewerIds.slice(0, 20).map(async (r) => `${await nameOf(people, r)} (${(await emailOf(people, r)) ?? 'no email'})`));
    const more = reviewerIds.length > names.length ? ` and ${reviewerIds.length - names.length} more` : '';
    const text = `:warning: ${campaign.name}: ${plural(reviewerIds.length, 'reviewer')} could not get their review message (no Slack account with their email): ${names.join(', ')}${more}. Delegate their items or ask them to decide with \`iam-review decide\`.`;
    let posted;
    try {
      posted = await this.s.slack.postMessage(channel, { text: truncateText(text, 3000), blocks: [] });
    } catch (err) {
      const error = slackErrorCode(err);
      await deps.store.deliveries.update(id, FROM_CLAIMED, { state: 'failed', attempts: 1, error, updatedAt: deps.now().toISOString() }, () => [
        deps.audit.event(EVENT.messageFailed, actor, id, { campaignId: campaign.id, kind: 'escalation', recipient: channel, error }),
      ]);
      return;
    }
    const sent = await deps.store.deliveries.update(id, FROM_CLAIMED, { state: 'sent', channel: posted.channel, ts: posted.ts, attempts: 1, updatedAt: deps.now().toISOString() }, () => [
      deps.audit.event(EVENT.escalationSent, actor, id, { campaignId: campaign.id, audience: 'channel', to: channel, reason: 'no-slack-account', reviewers: reviewerIds, channel: posted.channel, ts: posted.ts }),
    ]);
    if (!sent) this.notClaimedAfterSending(id, posted);
  }

  private async refreshDirectoryFor(campaign: Campaign): Promise<void> {
    const at = await this.s.review().store.slackUsers.refreshedAt();
    // Once per campaign: a resumed delivery reuses the directory read for this campaign.
    if (!at || at < campaign.openedAt) await this.s.directory.refresh();
  }

  private async deliverReviewer(
    deps: ReviewDeps,
    campaign: Campaign,
    reviewerId: string,
    items: ReviewItem[],
    run: { people: People; existing: Map<string, Delivery>; report: DeliveryReport; opts: DeliverOptions },
  ): Promise<void> {
    const { store } = deps;
    const { report, opts } = run;
    const now = deps.now().toISOString();
    const def = findDefinition(deps, campaign.reviewId);
    const entries = await reviewEntries(deps, run.people, items);
    const { pages } = reviewMessage({ campaign, reviewer: { name: await nameOf(run.people, reviewerId) }, items: entries, now, justification: justificationRule(def, items) });
    report.pages += pages.length;
    const todo: ReviewMessagePage[] = [];
    for (const page of pages) {
      const prior = run.existing.get(deliveryId(campaign.id, reviewerId, 'review', String(page.page)));
      if (prior?.state === 'sent') report.alreadySent += 1;
      else if (prior?.state === 'claimed') report.uncertain.push(prior.id);
      else todo.push(page);
    }
    if (todo.length === 0) return;

    const email = await emailOf(run.people, reviewerId);
    let slackId: string | null;
    try {
      slackId = email ? await this.s.directory.userIdForEmail(email) : null;
    } catch (err) {
      // Slack could not say (users.lookupByEmail failed): nothing claimed, the next run retries.
      for (const page of todo) report.failed.push({ deliveryId: deliveryId(campaign.id, reviewerId, 'review', String(page.page)), reviewerId, error: slackErrorCode(err) });
      return;
    }
    if (!slackId) report.withoutSlack.push(reviewerId);
    const actor = opts.actor ?? BOT_ACTOR;
    for (const page of todo) {
      if (opts.signal?.aborted) return;
      const id = deliveryId(campaign.id, reviewerId, 'review', String(page.page));
      const payload = { itemIds: page.itemIds, page: page.page, pageCount: page.pageCount, renderedAt: now };
      let claimed = false;
      const claim = async () =>
        (claimed = await store.deliveries.claim({ id, campaignId: campaign.id, recipient: reviewerId, kind: 'review', key: String(page.page), state: 'claimed', channel: null, ts: null, attempts: 0, error: null, updatedAt: deps.now().toISOString(), payload }));
      const attempts = (run.existing.get(id)?.attempts ?? 0) + 1;
      // Only a delivery this run claimed is ours to mark failed (and ledger): a claim that threw changed nothing.
      const fail = async (error: string): Promise<void> => {
        if (claimed) {
          await store.deliveries.update(id, FROM_CLAIMED, { state: 'failed', attempts, error, updatedAt: deps.now().toISOString() }, () => [
            deps.audit.event(EVENT.messageFailed, actor, id, { campaignId: campaign.id, reviewerId, kind: 'review', page: page.page, error }),
          ]);
        }
        report.failed.push({ deliveryId: id, reviewerId, error });
        opts.onPage?.({ deliveryId: id, state: 'failed' });
      };
      if (!slackId) {
        if (await claim()) await fail(email ? `no active Slack account for ${email}` : `reviewer ${reviewerId} has no email`);
        continue;
      }
      let posted;
      try {
        posted = await this.s.slack.claimAndPost(slackId, page, claim);
      } catch (err) {
        await fail(slackErrorCode(err));
        continue;
      }
      if (!posted) {
        // Another replica or run holds it: it sends (or sent) this page.
        report.uncertain.push(id);
        continue;
      }
      const sent = await store.deliveries.update(id, FROM_CLAIMED, { state: 'sent', channel: posted.channel, ts: posted.ts, attempts, error: null, updatedAt: deps.now().toISOString() }, () => [
        deps.audit.event(EVENT.messageSent, actor, id, { campaignId: campaign.id, reviewerId, kind: 'review', slackUserId: slackId, channel: posted.channel, ts: posted.ts, page: page.page, pageCount: page.pageCount, items: page.itemIds.length }),
      ]);
      if (!sent) {
        this.notClaimedAfterSending(id, posted);
        report.uncertain.push(id);
        continue;
      }
      report.sent += 1;
      opts.onPage?.({ deliveryId: id, state: 'sent' });
    }
  }

  /**
   * A delivery this run claimed and sent was no longer `claimed` when the outcome was recorded:
   * something outside the claim protocol changed it. Nothing was recorded (no event): say so.
   */
  private notClaimedAfterSending(deliveryId: string, posted: { channel: string; ts: string }): void {
    this.s.log.warn({ deliveryId, channel: posted.channel, ts: posted.ts }, 'sent a message whose delivery was no longer claimed: its outcome is not recorded');
  }

  /**
   * Re-renders and updates in place (chat.update) every sent review message showing one of these
   * items, so each shows who decided what and when. Returns the number of messages updated.
   * Reads only the pages showing the items (the store's index of pages by item), so a click costs
   * the same in a campaign of 50 pages or of 50,000.
   * The `message.updated` event records a Slack call that changes no delivery (a sent message
   * stays sent), so it is appended on its own after the call.
   */
  async refreshItems(campaignId: string, itemIds: readonly string[], actor: string = BOT_ACTOR): Promise<number> {
    const deps = this.s.review();
    const wanted = new Set(itemIds);
    const deliveries = (await deps.store.deliveries.list({ campaignId, kind: 'review', state: 'sent', showingItems: itemIds })).filter((d) => itemIdsOf(d).some((id) => wanted.has(id)));
    let updated = 0;
    const people = storePeople(deps.store);
    for (const d of deliveries) {
      const message = await this.render(deps, d, people);
      if (!message || !d.channel || !d.ts) continue;
      try {
        await this.s.slack.update(d.channel, d.ts, message);
      } catch (err) {
        this.s.log.warn({ deliveryId: d.id, error: slackErrorCode(err) }, 'could not update a review message');
        continue;
      }
      await deps.audit.record(EVENT.messageUpdated, actor, d.id, { campaignId, reviewerId: d.recipient, channel: d.channel, ts: d.ts, items: itemIdsOf(d).filter((id) => wanted.has(id)) });
      updated += 1;
    }
    return updated;
  }

  /**
   * Once a campaign is closed: updates every sent review page in place (chat.update, paced like
   * every update) so it shows the outcome and final states with nothing left to click; each update
   * is ledgered as `message.updated` (reason `campaign-closed`).
   *
   * Idempotent: an updated page is marked in its delivery (`payload.closedShownAt`) and skipped by
   * later runs, so a second run only retries the pages that failed and the ledger holds one
   * `message.updated` per page. The mark and the ledger event are one store transaction,
   * conditional on the page being `sent` and not marked yet: a crash after chat.update and before
   * that transaction updates that page again (same content) on the next run, and of two runs at
   * once only the first to record the mark ledgers it (the other counts it as already updated).
   * A page that fails (Slack refused, message gone) is ledgered as `message.failed` (no state
   * changes), reported, and does not stop the others; its delivery stays `sent` (it was sent:
   * only the closing update is missing).
   */
  async updateClosedCampaign(campaignId: string, opts: CloseUpdateOptions = {}): Promise<CloseUpdateReport> {
    const deps = this.s.review();
    const campaign = await deps.store.campaigns.get(campaignId);
    if (!campaign) throw new ReviewError(`no campaign "${campaignId}"`, 'not-found');
    if (campaign.state !== 'closed') throw new ReviewError(`campaign ${campaignId} is ${campaign.state}: its review messages still take decisions`, 'conflict');
    const [deliveries, people] = await Promise.all([deps.store.deliveries.list({ campaignId, kind: 'review' }), loadPeople(deps.store)]);
    const report: CloseUpdateReport = { campaignId, pages: 0, updated: 0, alreadyUpdated: 0, failed: [], uncertain: [] };
    const todo: Array<{ d: Delivery; channel: string; ts: string }> = [];
    for (const d of deliveries) {
      if (d.state === 'claimed') report.uncertain.push(d.id);
      if (d.state !== 'sent' || !d.channel || !d.ts) continue;
      report.pages += 1;
      if (typeof d.payload[CLOSED_SHOWN_AT] === 'string') report.alreadyUpdated += 1;
      else todo.push({ d, channel: d.channel, ts: d.ts });
    }
    const actor = opts.actor ?? BOT_ACTOR;
    await runPool(todo, opts.concurrency ?? 16, (page) => this.updateClosedPage(deps, page, people, actor, report));
    this.s.log.info({ ...report, failed: report.failed.length, uncertain: report.uncertain.length }, 'review messages updated for the closed campaign');
    return report;
  }

  private async updateClosedPage(deps: ReviewDeps, { d, channel, ts }: { d: Delivery; channel: string; ts: string }, people: People, actor: string, report: CloseUpdateReport): Promise<void> {
    const where = { campaignId: d.campaignId, reviewerId: d.recipient, kind: 'review', page: d.key, channel, ts, reason: 'campaign-closed' };
    const message = await this.render(deps, d, people);
    try {
      if (!message) throw new Error('none of the items of this page exists any more');
      await this.s.slack.update(channel, ts, message);
    } catch (err) {
      const error = slackErrorCode(err);
      this.s.log.warn({ deliveryId: d.id, error }, 'could not update a review message of a closed campaign');
      await deps.audit.record(EVENT.messageFailed, actor, d.id, { ...where, error });
      report.failed.push({ deliveryId: d.id, reviewerId: d.recipient, error });
      return;
    }
    const now = deps.now().toISOString();
    const marked = await deps.store.deliveries.update(d.id, { state: 'sent', unmarked: CLOSED_SHOWN_AT }, { payload: { ...d.payload, [CLOSED_SHOWN_AT]: now }, updatedAt: now }, () => [
      deps.audit.event(EVENT.messageUpdated, actor, d.id, { ...where, items: itemIdsOf(d) }),
    ]);
    if (marked) report.updated += 1;
    else report.alreadyUpdated += 1;
  }

  /**
   * After a delegation: the new reviewer gets a message with the item (once per item and
   * reviewer), and the former reviewer's message shows where it went.
   */
  async deliverDelegated(item: ReviewItem, actor: string = BOT_ACTOR): Promise<void> {
    const deps = this.s.review();
    await this.refreshItems(item.campaignId, [item.id], actor);
    const campaign = await deps.store.campaigns.get(item.campaignId);
    if (!campaign || campaign.state !== 'open') return;
    const people = storePeople(deps.store);
    const existing = new Map((await deps.store.deliveries.list({ campaignId: campaign.id, recipient: item.reviewerId, kind: 'review' })).map((d) => [d.id, d]));
    // Already on one of the new reviewer's pages (delegated back): that page shows it as theirs again.
    if ([...existing.values()].some((d) => d.state === 'sent' && itemIdsOf(d).includes(item.id))) return;
    const report: DeliveryReport = { campaignId: campaign.id, reviewers: 1, pages: 0, sent: 0, alreadySent: 0, failed: [], withoutSlack: [], uncertain: [], aborted: false };
    await this.deliverDelegatedPage(deps, campaign, item, people, existing, report, actor);
  }

  private async deliverDelegatedPage(deps: ReviewDeps, campaign: Campaign, item: ReviewItem, people: People, existing: Map<string, Delivery>, report: DeliveryReport, actor: string): Promise<void> {
    await this.deliverItemPage(deps, { campaign, item, key: `d:${item.id}`, handOff: null, ledger: { delegatedItem: item.id } }, { people, existing, report, actor });
  }

  /**
   * Sends a reviewer one message holding one item (a delegated item, an item passed on to a later
   * stage) under delivery key `key`, exactly once: claimed before chat.postMessage, its outcome
   * and ledger event recorded after, as every page (see the file comment). A sent delivery is
   * never sent again; a failed one is retried by the next call. `ledger` says in message.sent /
   * message.failed which item it is for; `handOff` (a later stage) is kept in the delivery's
   * payload so re-renderings show the same stage and due date.
   */
  async deliverItemPage(
    deps: ReviewDeps,
    what: { campaign: Campaign; item: ReviewItem; key: string; handOff: StageView | null; ledger: Record<string, unknown> },
    run: { people: People; existing: Map<string, Delivery>; report: DeliveryReport; actor: string },
  ): Promise<void> {
    const { campaign, item, key } = what;
    const { people, existing, report, actor } = run;
    const id = deliveryId(campaign.id, item.reviewerId, 'review', key);
    if (existing.get(id)?.state === 'sent') return;
    const now = deps.now().toISOString();
    const def = findDefinition(deps, campaign.reviewId);
    const [page] = reviewMessage({ campaign, reviewer: { name: await nameOf(people, item.reviewerId) }, items: await reviewEntries(deps, people, [item]), now, justification: justificationRule(def, [item]), ...(what.handOff ? { handOff: what.handOff } : {}) }).pages;
    if (!page) return;
    const payload = { itemIds: page.itemIds, page: 1, pageCount: 1, renderedAt: now, ...(what.handOff ? { [HAND_OFF]: what.handOff } : {}) };
    if (!(await deps.store.deliveries.claim({ id, campaignId: campaign.id, recipient: item.reviewerId, kind: 'review', key, state: 'claimed', channel: null, ts: null, attempts: 0, error: null, updatedAt: now, payload }))) return;
    const email = await emailOf(people, item.reviewerId);
    const attempts = (existing.get(id)?.attempts ?? 0) + 1;
    let slackId: string | null;
    let posted;
    try {
      slackId = email ? await this.s.directory.userIdForEmail(email) : null;
      if (!slackId) throw new Error(email ? `no active Slack account for ${email}` : `reviewer ${item.reviewerId} has no email`);
      posted = await this.s.slack.postMessage(slackId, page);
    } catch (err) {
      const error = slackErrorCode(err);
      await deps.store.deliveries.update(id, FROM_CLAIMED, { state: 'failed', attempts, error, updatedAt: deps.now().toISOString() }, () => [
        deps.audit.event(EVENT.messageFailed, actor, id, { campaignId: campaign.id, reviewerId: item.reviewerId, kind: 'review', ...what.ledger, error }),
      ]);
      report.failed.push({ deliveryId: id, reviewerId: item.reviewerId, error });
      return;
    }
    // Recorded outside the try: a failure to record a sent message must not mark it failed (a retry would send it twice).
    const sent = await deps.store.deliveries.update(id, FROM_CLAIMED, { state: 'sent', channel: posted.channel, ts: posted.ts, attempts, error: null, updatedAt: deps.now().toISOString() }, () => [
      deps.audit.event(EVENT.messageSent, actor, id, { campaignId: campaign.id, reviewerId: item.reviewerId, kind: 'review', slackUserId: slackId, channel: posted.channel, ts: posted.ts, ...what.ledger, items: 1 }),
    ]);
    if (sent) report.sent += 1;
    else this.notClaimedAfterSending(id, posted);
  }

  /**
   * The current rendering of a sent review message. A numbered page is re-rendered among all the
   * reviewer's pages, so page numbers and counts stay right; packing depends only on the items, so
   * the page holds the same items (if the relative dates changed its packing, the page is rendered
   * as of its first sending). Items since delegated away show where they went; items the
   * recipient decided at an earlier stage and passed on show that decision and where they are
   * now. A message handing an item to a later stage keeps naming that stage.
   */
  private async render(deps: ReviewDeps, d: Delivery, people: People): Promise<MessagePayload | null> {
    const campaign = await deps.store.campaigns.get(d.campaignId);
    if (!campaign) return null;
    const def = findDefinition(deps, campaign.reviewId);
    const ids = itemIdsOf(d);
    const reviewer = { name: await nameOf(people, d.recipient) };
    const own = await this.items(deps, ids);
    const justification = justificationRule(def, own);
    let page: MessagePayload | null = null;
    if (PAGE_KEY.test(d.key)) {
      const siblings = (await deps.store.deliveries.list({ campaignId: d.campaignId, recipient: d.recipient, kind: 'review' }))
        .filter((s) => PAGE_KEY.test(s.key))
        .sort((a, b) => Number(a.key) - Number(b.key));
      const entries = await reviewEntries(deps, people, await this.items(deps, siblings.flatMap(itemIdsOf)));
      const renderedAt = typeof d.payload.renderedAt === 'string' ? d.payload.renderedAt : null;
      for (const now of [deps.now().toISOString(), renderedAt]) {
        if (!now) continue;
        const candidate = reviewMessage({ campaign, reviewer, items: entries, now, justification }).pages[Number(d.key) - 1];
        if (candidate && sameIds(candidate.itemIds, ids)) {
          page = candidate;
          break;
        }
      }
    }
    const handOff = handOffOf(d);
    page ??= reviewMessage({ campaign, reviewer, items: await reviewEntries(deps, people, own), now: deps.now().toISOString(), justification, ...(handOff ? { handOff } : {}) }).pages[0] ?? null;
    if (!page) return null;
    for (const item of own) {
      if (item.state !== 'pending' || item.reviewerId === d.recipient) continue;
      // The recipient decided an earlier stage of it (four eyes: never the current one), or it was delegated away.
      const n = stageNumberOf(item);
      const mine = n > 1 ? (await deps.store.campaigns.stageDecisions(item.id)).find((x) => x.reviewerId === d.recipient || x.reviewerEmail === d.recipient) : undefined;
      page = mine
        ? markPassedOn(page, item.id, { outcome: mine.outcome, toName: await nameOf(people, item.reviewerId), stage: { number: n, name: def.stages[n - 1]?.name ?? `Stage ${n}` } })
        : markDelegated(page, item.id, await nameOf(people, item.reviewerId));
    }
    return page;
  }

  private async items(deps: ReviewDeps, ids: readonly string[]): Promise<ReviewItem[]> {
    const items = await Promise.all(ids.map((id) => deps.store.campaigns.item(id)));
    return items.filter((i): i is ReviewItem => i !== null);
  }
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
