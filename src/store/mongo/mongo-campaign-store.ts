import type { Campaign, CampaignState, Decision, ItemState, ReviewItem } from '../../domain/index.js';
import type { CampaignStore, DecideResult, ItemWithDecision } from '../ports.js';
import { BULK_WRITE_OPTIONS, insertIfAbsent } from './bulk-ops.js';
import {
  approvedItemsFilter,
  campaignListFilter,
  campaignPeriodFilter,
  completeDecisionOp,
  completeItemQuery,
  createCampaignQuery,
  expireUpdate,
  itemsFilter,
  newestCertified,
  pendingForReviewerFilter,
  pendingItemsFilter,
  itemsPageFilter,
  pendingItemsPageFilter,
  reassignQuery,
  transitionQuery,
  withdrawDecisionFilter,
} from './campaign-queries.js';
import { campaignDoc, toCampaign } from './campaign-schema.js';
import { decisionDoc, toDecision } from './decision-schema.js';
import { isDuplicateKeyError } from './duplicate-key.js';
import { asString, operator } from './filter-value.js';
import type { MongoModels } from './mongo-models.js';
import { keysetPages, pageSize } from './keyset-pages.js';
import { reviewItemDoc, toReviewItem } from './review-item-schema.js';

/** Pending items read per round when expirePending looks for crashed decisions. */
const EXPIRE_PAGE = 1_000;
const DEFAULT_ITEM_BATCH = 1_000;

/**
 * Campaigns, their review items and decisions. Uniqueness lives in indexes (one campaign per
 * (reviewId, period), one decision per item); every state change is a conditional
 * single-document write whose match count says whether it happened.
 *
 * A decision is two single-document writes, no transaction: insert the decision (the unique
 * itemId index lets exactly one of any number of concurrent deciders through: that one gets
 * ok), then move the item from pending to the outcome. If the process dies between the two,
 * the decision stands and the item is still pending: the next decide() of that item, or
 * expirePending() of its campaign, completes the item from the stored decision.
 */
export class MongoCampaignStore implements CampaignStore {
  constructor(private readonly models: MongoModels) {}

  async create(campaign: Campaign): Promise<{ campaign: Campaign; created: boolean }> {
    await this.models.campaigns.validate(campaignDoc(campaign));
    try {
      const result = await createCampaignQuery(this.models.campaigns, campaign);
      if (!result.value) throw new Error(`campaign ${campaign.id} was neither found nor created`);
      return { campaign: toCampaign(result.value), created: result.lastErrorObject?.updatedExisting === false };
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

  async transition(id: string, from: CampaignState, to: CampaignState, at: string): Promise<boolean> {
    const result = await transitionQuery(this.models.campaigns, id, from, to, at);
    return result.matchedCount === 1;
  }

  async addItems(items: readonly ReviewItem[]): Promise<number> {
    if (items.length === 0) return 0;
    const result = await this.models.reviewItems.bulkWrite(
      items.map((item) => insertIfAbsent(reviewItemDoc(item))),
      BULK_WRITE_OPTIONS,
    );
    return result.upsertedCount;
  }

  async item(id: string): Promise<ReviewItem | null> {
    const doc = await this.models.reviewItems.findById(asString(id, 'itemId')).lean();
    return doc ? toReviewItem(doc) : null;
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

  async decide(decision: Decision): Promise<DecideResult> {
    const found = await this.item(decision.itemId);
    if (!found) return { ok: false, item: null, decision: null };
    if (found.state !== 'pending') return { ok: false, item: found, decision: await this.decision(found.id) };
    if (decision.campaignId !== found.campaignId) {
      throw new Error(`decision for item ${decision.itemId} names campaign ${decision.campaignId}, the item is in ${found.campaignId}`);
    }
    const stored = toDecision(decisionDoc(decision));
    try {
      await this.models.decisions.insertOne(decisionDoc(decision));
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // Another decision of this item got in first (concurrently, or before a crash): it is
      // the decision; make sure the item carries it.
      const first = await this.decision(found.id);
      if (!first) throw new Error(`decision id ${decision.id} is taken by another item`, { cause: error });
      return { ok: false, item: await this.completeItem(first), decision: first };
    }
    const item = await this.completeItem(stored);
    if (item?.decisionId === stored.id) return { ok: true, item, decision: stored };
    // The item left pending between the check above and the insert (the campaign closed and
    // expired it): the decision never took effect, so it is withdrawn rather than left as a
    // record of something that did not happen.
    await this.models.decisions.deleteOne(withdrawDecisionFilter(stored));
    return { ok: false, item, decision: null };
  }

  /** Moves a still-pending item to the stored decision's outcome; returns the item as it is now. */
  private async completeItem(decision: Decision): Promise<ReviewItem | null> {
    const updated = await completeItemQuery(this.models.reviewItems, decision);
    return updated ? toReviewItem(updated) : this.item(decision.itemId);
  }

  async reassign(itemId: string, fromReviewerId: string, toReviewerId: string, source: string, at: string): Promise<boolean> {
    const result = await reassignQuery(this.models.reviewItems, itemId, fromReviewerId, toReviewerId, source, at);
    return result.matchedCount === 1;
  }

  async expirePending(campaignId: string, at: string): Promise<number> {
    await this.completeCrashedDecisions(campaignId);
    const result = await this.models.reviewItems.updateMany(pendingItemsFilter(campaignId), expireUpdate(at), { runValidators: true });
    return result.modifiedCount;
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

  async lastCertification(systemId: string): Promise<{ campaignId: string; certifiedAt: string; approvedGrantIds: string[] } | null> {
    const campaignIds = await this.models.reviewItems.distinct('campaignId', { systemId: asString(systemId, 'systemId') });
    if (campaignIds.length === 0) return null;
    const closed = await this.models.campaigns.find({ _id: operator({ $in: campaignIds }), state: 'closed' }).lean();
    const newest = newestCertified(closed.map(toCampaign));
    if (!newest) return null;
    const approved = await this.models.reviewItems
      .find(approvedItemsFilter(newest.campaign.id, systemId), { grantId: 1 })
      .sort({ grantId: 1 })
      .lean();
    return { campaignId: newest.campaign.id, certifiedAt: newest.certifiedAt, approvedGrantIds: approved.map((i) => i.grantId) };
  }
}
