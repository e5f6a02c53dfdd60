import type { Campaign, CampaignState, Decision, ItemState, LedgerEventInput, ReviewItem } from '../../domain/index.js';
import type { ClientSession, Connection } from 'mongoose';
import { EXPIRE_BATCH } from '../ports.js';
import type { CampaignStore, Counts, DecideResult, ItemStateWithDecision, ItemWithDecision, LastCertification, LedgerEvents, StageAdvance } from '../ports.js';
import { checkDecision } from '../stage-advance.js';
import { countRows, itemStateCounts } from './count-queries.js';
import { BULK_WRITE_OPTIONS, insertIfAbsent } from './bulk-ops.js';
import {
  approvedItemsFilter,
  byDecisionTime,
  campaignListFilter,
  campaignPeriodFilter,
  completeDecisionOp,
  advanceItemQuery,
  completeItemQuery,
  createCampaignQuery,
  createdCampaign,
  expireUpdate,
  itemCountsPipeline,
  itemsFilter,
  newestCertified,
  pendingForReviewerFilter,
  pendingItemsFilter,
  itemsPageFilter,
  laterStagePageFilter,
  pendingItemsPageFilter,
  reassignQuery,
  reviewerDecisionsFilter,
  transitionQuery,
} from './campaign-queries.js';
import type { ItemCountRow } from './campaign-queries.js';
import { campaignDoc, toCampaign } from './campaign-schema.js';
import { decisionDoc, stageDecisionDoc, toDecision } from './decision-schema.js';
import type { DecisionDoc } from './decision-schema.js';
import { isDuplicateKeyError } from './duplicate-key.js';
import { asString, operator } from './filter-value.js';
import type { MongoModels } from './mongo-models.js';
import { keysetPages, pageSize } from './keyset-pages.js';
import { withLedger } from './ledger-transaction.js';
import { reviewItemDoc, toReviewItem } from './review-item-schema.js';

/** Items per transaction of expirePending, and per read when it looks for crashed decisions. */
const EXPIRE_PAGE = EXPIRE_BATCH;
const DEFAULT_ITEM_BATCH = 1_000;

/**
 * Campaigns, their review items and decisions. Uniqueness lives in indexes (one campaign per
 * (reviewId, period), one decision per item). Every state change is a transaction
 * (withLedger) that reads in the session, writes conditionally and appends the events of
 * exactly what it changed: both commit or neither. Of two concurrent transactions that change
 * the same document, one commits and the other gets a write conflict, which the driver
 * retries: the retry reads the committed state and changes nothing.
 *
 * Earlier versions decided in two writes without a transaction (the decision, then the item);
 * a decision left by a crash between them is completed, without an event, by expirePending
 * and reported by `audit verify` as a decision without its event.
 */
export class MongoCampaignStore implements CampaignStore {
  constructor(
    private readonly connection: Connection,
    private readonly models: MongoModels,
  ) {}

  async create(campaign: Campaign): Promise<{ campaign: Campaign; created: boolean }> {
    await this.models.campaigns.validate(campaignDoc(campaign));
    try {
      const { doc, created } = createdCampaign(await createCampaignQuery(this.models.campaigns, campaign), campaign.id);
      return { campaign: toCampaign(doc), created };
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // A concurrent create of the same (reviewId, period) won the insert: it is the stored one.
      const stored = await this.models.campaigns.findOne(campaignPeriodFilter(campaign)).lean();
      if (!stored) throw new Error(`campaign id ${campaign.id} is taken by another review or period`, { cause: error });
      return { campaign: toCampaign(stored), created: false };
    }
  }

  async get(id: string): Promise<Campaign | null> {
    const doc = await this.models.campaigns.findById(asString(id, 'campaign id')).lean();
    return doc ? toCampaign(doc) : null;
  }

  async list(filter: { state?: CampaignState; reviewId?: string } = {}): Promise<Campaign[]> {
    const docs = await this.models.campaigns.find(campaignListFilter(filter)).sort({ openedAt: -1, _id: 1 }).lean();
    return docs.map(toCampaign);
  }

  async transition(id: string, from: CampaignState, to: CampaignState, at: string, events: LedgerEvents<Campaign>): Promise<boolean> {
    const done = await withLedger(this.connection, this.models, async (session) => {
      const after = await transitionQuery(this.models.campaigns, id, from, to, at, session);
      return after ? { value: true, events: events(toCampaign(after)) } : { value: false, events: [] };
    });
    return done.value;
  }

  /**
   * One transaction for the batch: the upserts report which items this call inserted
   * (upsertedIds, by position), and only those get events. The caller keeps batches to a few
   * thousand items (a transaction's size is bounded).
   */
  async addItems(items: readonly ReviewItem[], events: LedgerEvents<readonly ReviewItem[]>): Promise<number> {
    if (items.length === 0) return 0;
    const done = await withLedger(this.connection, this.models, async (session) => {
      const result = await this.models.reviewItems.bulkWrite(
        items.map((item) => insertIfAbsent(reviewItemDoc(item))),
        { ...BULK_WRITE_OPTIONS, session },
      );
      const inserted = Object.keys(result.upsertedIds)
        .map(Number)
        .sort((a, b) => a - b)
        .map((i) => items[i]!);
      return { value: inserted.length, events: inserted.length > 0 ? events(inserted) : [] };
    });
    return done.value;
  }

  async item(id: string): Promise<ReviewItem | null> {
    const doc = await this.models.reviewItems.findById(asString(id, 'itemId')).lean();
    return doc ? toReviewItem(doc) : null;
  }

  async countItemsByState(filter: { campaignId: string } | { campaignState: CampaignState }): Promise<Counts<{ state: ItemState }>> {
    const campaigns = 'campaignId' in filter ? filter.campaignId : (await this.models.campaigns.find(campaignListFilter({ state: filter.campaignState }), { _id: 1 }).lean()).map((c) => c._id);
    return countRows(await this.models.reviewItems.aggregate<{ _id: { state: ItemState }; count: number }>(itemStateCounts(campaigns)));
  }

  async countItems(campaignId: string): Promise<number> {
    return this.models.reviewItems.countDocuments({ campaignId: asString(campaignId, 'campaignId') });
  }

  async countItemsBySystem(campaignId: string): Promise<{ systemId: string; state: ItemState; count: number }[]> {
    const rows = await this.models.reviewItems.aggregate<ItemCountRow>(itemCountsPipeline(campaignId));
    return rows.map((r) => ({ systemId: r._id.systemId, state: r._id.state, count: r.count }));
  }

  async items(campaignId: string, filter: { reviewerId?: string; state?: ItemState } = {}): Promise<ReviewItem[]> {
    const docs = await this.models.reviewItems.find(itemsFilter(campaignId, filter)).sort({ _id: 1 }).lean();
    return docs.map(toReviewItem);
  }

  async pendingForReviewer(reviewerId: string): Promise<ReviewItem[]> {
    const open = await this.models.campaigns.find({ state: 'open' }, { _id: 1 }).lean();
    if (open.length === 0) return [];
    const docs = await this.models.reviewItems
      .find(pendingForReviewerFilter(reviewerId, open.map((c) => c._id)))
      .sort({ campaignId: 1, _id: 1 })
      .lean();
    return docs.map(toReviewItem);
  }

  /**
   * In one transaction: the item moves from pending to the outcome, or on to the next stage
   * (the conditional update is the compare-and-set: a concurrent decider's transaction
   * conflicts on the item and, retried, finds it decided or moved on), then the decision is
   * inserted (into stage_decisions when it passed the item on) with its events.
   */
  async decide(decision: Decision, events: LedgerEvents<{ item: ReviewItem; decision: Decision }>, advance?: StageAdvance): Promise<DecideResult> {
    const done = await withLedger(this.connection, this.models, async (session): Promise<{ value: DecideResult; events: readonly LedgerEventInput[] }> => {
      const found = await this.itemIn(decision.itemId, session);
      if (!found) return { value: { ok: false, item: null, decision: null }, events: [] };
      const earlier = await this.decisionIn(found.id, session);
      if (earlier || found.state !== 'pending') return { value: { ok: false, item: found, decision: earlier }, events: [] };
      const stage = decision.stage ?? 1;
      if ((found.stage ?? 1) !== stage) {
        const passed = await this.models.stageDecisions.findOne({ itemId: asString(found.id, 'itemId'), stage }).session(session).lean();
        return { value: { ok: false, item: found, decision: passed ? toDecision(passed) : null }, events: [] };
      }
      checkDecision(decision, found.campaignId, advance ?? null);
      if (advance) {
        const moved = await advanceItemQuery(this.models.reviewItems, found.id, stage, advance, decision.decidedAt, session);
        if (!moved) return { value: { ok: false, item: await this.itemIn(found.id, session), decision: null }, events: [] };
        await this.models.stageDecisions.create([stageDecisionDoc(decision)], { session });
        const passedOn = { item: toReviewItem(moved), decision: toDecision(stageDecisionDoc(decision)) };
        return { value: { ok: true, ...passedOn }, events: events(passedOn) };
      }
      const updated = await completeItemQuery(this.models.reviewItems, decision, session);
      if (!updated) return { value: { ok: false, item: await this.itemIn(found.id, session), decision: null }, events: [] };
      await this.models.decisions.create([decisionDoc(decision)], { session });
      const decided = { item: toReviewItem(updated), decision: toDecision(decisionDoc(decision)) };
      return { value: { ok: true, ...decided }, events: events(decided) };
    });
    return done.value;
  }

  private async itemIn(id: string, session: ClientSession): Promise<ReviewItem | null> {
    const doc = await this.models.reviewItems.findById(asString(id, 'itemId')).session(session).lean();
    return doc ? toReviewItem(doc) : null;
  }

  private async decisionIn(itemId: string, session: ClientSession): Promise<Decision | null> {
    const doc = await this.models.decisions.findOne({ itemId: asString(itemId, 'itemId') }).session(session).lean();
    return doc ? toDecision(doc) : null;
  }

  async reassign(itemId: string, fromReviewerId: string, toReviewerId: string, source: string, at: string, events: LedgerEvents<ReviewItem>): Promise<boolean> {
    const done = await withLedger(this.connection, this.models, async (session) => {
      const before = await reassignQuery(this.models.reviewItems, itemId, fromReviewerId, toReviewerId, source, at, session);
      return before ? { value: true, events: events(toReviewItem(before)) } : { value: false, events: [] };
    });
    return done.value;
  }

  /**
   * One transaction per page of pending items (EXPIRE_PAGE): each page's items expire with
   * their events, or neither; a crash between pages leaves the rest pending, and the next call
   * (closing again) expires them. So a campaign of any size closes in transactions of at most
   * EXPIRE_PAGE updates and events, each reading its page as a range of the
   * { campaignId, state, _id } index (never sorting all pending items).
   */
  async expirePending(campaignId: string, at: string, events: LedgerEvents<readonly ReviewItem[]>): Promise<number> {
    await this.completeCrashedDecisions(campaignId);
    let expired = 0;
    for (;;) {
      const done = await withLedger(this.connection, this.models, async (session) => {
        const page = (await this.models.reviewItems.find(pendingItemsFilter(campaignId)).sort({ _id: 1 }).limit(EXPIRE_PAGE).session(session).lean()).map(toReviewItem);
        if (page.length === 0) return { value: 0, events: [] };
        const ids = page.map((item) => item.id);
        const result = await this.models.reviewItems.updateMany(
          { ...pendingItemsFilter(campaignId), _id: operator({ $in: ids }) },
          expireUpdate(at),
          { runValidators: true, session },
        );
        return { value: result.modifiedCount, events: events(page) };
      });
      if (done.value === 0) return expired;
      expired += done.value;
    }
  }

  /** Pending items of the campaign that already have a decision take it (see the class comment). */
  private async completeCrashedDecisions(campaignId: string): Promise<void> {
    const pages = keysetPages<{ _id: string }, string>(
      (after, limit) => this.models.reviewItems.find(pendingItemsPageFilter(campaignId, after), { _id: 1 }).sort({ _id: 1 }).limit(limit).lean(),
      (last) => last._id,
      EXPIRE_PAGE,
    );
    for await (const page of pages) {
      const decided = await this.models.decisions.find({ itemId: operator({ $in: page.map((item) => item._id) }) }).lean();
      if (decided.length === 0) continue;
      await this.models.reviewItems.bulkWrite(decided.map((doc) => completeDecisionOp(toDecision(doc))), BULK_WRITE_OPTIONS);
    }
  }

  async stageDecisions(itemId: string): Promise<Decision[]> {
    const docs = await this.models.stageDecisions.find({ itemId: asString(itemId, 'itemId') }).sort({ stage: 1 }).lean();
    return docs.map(toDecision);
  }

  /** Pages of the { campaignId, itemId, stage } index after the last (item, stage) read. */
  async *stageDecisionsOf(campaignId: string, batchSize?: number): AsyncIterable<Decision[]> {
    const size = pageSize(batchSize, DEFAULT_ITEM_BATCH);
    const campaign = asString(campaignId, 'campaignId');
    let after: { itemId: string; stage: number } | null = null;
    for (;;) {
      const filter: Record<string, unknown> = after ? { campaignId: campaign, $or: [{ itemId: { $gt: after.itemId } }, { itemId: after.itemId, stage: { $gt: after.stage } }] } : { campaignId: campaign };
      const docs: DecisionDoc[] = await this.models.stageDecisions.find(filter).sort({ itemId: 1, stage: 1 }).limit(size).lean();
      if (docs.length === 0) return;
      const last: DecisionDoc = docs[docs.length - 1]!;
      after = { itemId: last.itemId, stage: last.stage ?? 1 };
      yield docs.map(toDecision);
      if (docs.length < size) return;
    }
  }

  /** Keyset pages of the partial index pending_at_later_stage (review-item-schema.ts). */
  async *pendingAtLaterStages(campaignId: string, batchSize?: number): AsyncIterable<ReviewItem[]> {
    yield* keysetPages<ReviewItem, string>(
      async (after, limit) => (await this.models.reviewItems.find(laterStagePageFilter(campaignId, after)).sort({ _id: 1 }).limit(limit).lean()).map(toReviewItem),
      (last) => last.id,
      pageSize(batchSize, DEFAULT_ITEM_BATCH),
    );
  }

  /** Both collections by their { campaignId, reviewerId } index, merged in (decidedAt, id) order as the SQLite store sorts them. */
  async decisionsOf(campaignId: string, reviewerId: string): Promise<Decision[]> {
    const filter = reviewerDecisionsFilter(campaignId, reviewerId);
    const [settled, passedOn] = await Promise.all([this.models.decisions.find(filter).lean(), this.models.stageDecisions.find(filter).lean()]);
    return [...settled, ...passedOn].map(toDecision).sort(byDecisionTime);
  }

  async decision(itemId: string): Promise<Decision | null> {
    const doc = await this.models.decisions.findOne({ itemId: asString(itemId, 'itemId') }).lean();
    return doc ? toDecision(doc) : null;
  }

  async decisions(campaignId: string): Promise<Decision[]> {
    const docs = await this.models.decisions.find({ campaignId: asString(campaignId, 'campaignId') }).sort({ decidedAt: 1, _id: 1 }).lean();
    return docs.map(toDecision);
  }

  async *itemsWithDecisions(campaignId: string, batchSize?: number): AsyncIterable<ItemWithDecision[]> {
    const pages = keysetPages<ReviewItem, string>(
      async (after, limit) => (await this.models.reviewItems.find(itemsPageFilter(campaignId, after)).sort({ _id: 1 }).limit(limit).lean()).map(toReviewItem),
      (last) => last.id,
      pageSize(batchSize, DEFAULT_ITEM_BATCH),
    );
    for await (const page of pages) {
      const docs = await this.models.decisions.find({ itemId: operator({ $in: page.map((item) => item.id) }) }).lean();
      const decisions = new Map(docs.map((doc) => [doc.itemId, toDecision(doc)]));
      yield page.map((item) => ({ item, decision: decisions.get(item.id) ?? null }));
    }
  }

  /** The items with their findings (stored as documents, no text to parse): itemsWithDecisions. */
  itemStatesWithDecisions(campaignId: string, batchSize?: number): AsyncIterable<ItemStateWithDecision[]> {
    return this.itemsWithDecisions(campaignId, batchSize);
  }

  async lastCertification(systemId: string): Promise<LastCertification | null> {
    const campaignIds = await this.models.reviewItems.distinct('campaignId', { systemId: asString(systemId, 'systemId') });
    if (campaignIds.length === 0) return null;
    const closed = await this.models.campaigns.find({ _id: operator({ $in: campaignIds }), state: 'closed' }).lean();
    const newest = newestCertified(closed.map(toCampaign));
    if (!newest) return null;
    const approved = await this.models.reviewItems
      .find(approvedItemsFilter(newest.campaign.id, systemId), { grantId: 1, detail: 1 })
      .sort({ grantId: 1 })
      .lean();
    const approvedDetails: Record<string, string> = {};
    for (const i of approved) if (typeof i.detail === 'string') approvedDetails[i.grantId] = i.detail;
    return { campaignId: newest.campaign.id, certifiedAt: newest.certifiedAt, approvedGrantIds: approved.map((i) => i.grantId), approvedDetails };
  }
}
