/**
 * Filters and updates of the campaign store. Each state change is a conditional write: the
 * filter names the state the change starts from, so of two concurrent writers only one
 * matches (compare-and-set). The store runs them in a transaction with their ledger events.
 */
import type { AnyBulkWriteOperation, ClientSession, Model, PipelineStage } from 'mongoose';
import { outcomeState } from '../../domain/index.js';
import type { Campaign, CampaignState, Decision, ItemState } from '../../domain/index.js';
import { asString, asStrings, operator } from './filter-value.js';
import type { CampaignDoc } from './campaign-schema.js';
import type { ReviewItemDoc } from './review-item-schema.js';
import type { StageAdvance } from '../ports.js';

/** create(): the campaign of a (reviewId, period), the unique pair. */
export function campaignPeriodFilter(campaign: Pick<Campaign, 'reviewId' | 'period'>) {
  return { reviewId: asString(campaign.reviewId, 'reviewId'), period: asString(campaign.period, 'period') };
}

/** create(): inserts the campaign unless its (reviewId, period) exists; never changes a stored one. */
export function createCampaignUpdate(c: Campaign) {
  return {
    $setOnInsert: {
      _id: asString(c.id, 'campaign id'),
      name: c.name,
      state: c.state,
      openedAt: c.openedAt,
      dueAt: c.dueAt,
      closedAt: c.closedAt,
      openedBy: c.openedBy,
    },
  };
}

export function transitionFilter(id: string, from: CampaignState) {
  return { _id: asString(id, 'campaign id'), state: asString(from, 'from') as CampaignState };
}

/** Closing records when: `at` becomes closedAt. */
export function transitionUpdate(to: CampaignState, at: string) {
  const state = asString(to, 'to') as CampaignState;
  return { $set: state === 'closed' ? { state, closedAt: asString(at, 'at') } : { state } };
}

/**
 * create() in one round trip: returns the stored campaign and whether this call inserted it
 * (see createdCampaign). Concurrent creates of one (reviewId, period): the
 * unique index lets one insert through; the server retries the other as a match, or it fails
 * with a duplicate key error that create() answers by reading the stored campaign.
 */
export function createCampaignQuery(campaigns: Model<CampaignDoc>, c: Campaign) {
  return campaigns.findOneAndUpdate(campaignPeriodFilter(c), createCampaignUpdate(c), {
    upsert: true,
    returnDocument: 'after',
    includeResultMetadata: true,
    lean: true,
  });
}

/** What findOneAndUpdate answers with includeResultMetadata. */
export interface CreateCampaignResult {
  value?: CampaignDoc | null;
  lastErrorObject?: { upserted?: unknown; updatedExisting?: unknown } | null;
}

/**
 * create(): the stored campaign and whether this call inserted it, from the reply's metadata:
 * an insert names the new `_id` in `lastErrorObject.upserted`, a match says
 * `updatedExisting: true`. A reply that says neither (a MongoDB-compatible server that leaves
 * the metadata out) throws rather than guess: read as "existing", a campaign this call
 * inserted would be taken for another opener's and never get its items.
 */
export function createdCampaign(result: CreateCampaignResult, id: string): { doc: CampaignDoc; created: boolean } {
  const doc = result.value;
  if (!doc) throw new Error(`campaign ${id} was neither found nor created`);
  const meta = result.lastErrorObject;
  if (meta?.upserted !== undefined && meta.upserted !== null) {
    if (meta.upserted !== doc._id) throw new Error(`campaign ${id}: the server reports inserting ${String(meta.upserted)}, but returned ${doc._id}`);
    return { doc, created: true };
  }
  if (meta?.updatedExisting === true) return { doc, created: false };
  throw new Error(`campaign ${id}: the server's reply does not say whether it was inserted (lastErrorObject: ${JSON.stringify(meta ?? null)})`);
}

/** transition(), in the caller's transaction: the campaign after the change, or null when it was not in `from`. */
export function transitionQuery(campaigns: Model<CampaignDoc>, id: string, from: CampaignState, to: CampaignState, at: string, session: ClientSession | null = null) {
  return campaigns.findOneAndUpdate(transitionFilter(id, from), transitionUpdate(to, at), { returnDocument: 'after', runValidators: true, session }).lean();
}

export function campaignListFilter(filter: { state?: CampaignState; reviewId?: string }) {
  return {
    ...(filter.state === undefined ? {} : { state: asString(filter.state, 'state') as CampaignState }),
    ...(filter.reviewId === undefined ? {} : { reviewId: asString(filter.reviewId, 'reviewId') }),
  };
}

export function itemsFilter(campaignId: string, filter: { reviewerId?: string; state?: ItemState }) {
  return {
    campaignId: asString(campaignId, 'campaignId'),
    ...(filter.reviewerId === undefined ? {} : { reviewerId: asString(filter.reviewerId, 'reviewerId') }),
    ...(filter.state === undefined ? {} : { state: asString(filter.state, 'state') as ItemState }),
  };
}

/** Pending items of a reviewer in the given (open) campaigns. */
export function pendingForReviewerFilter(reviewerId: string, openCampaignIds: readonly string[]) {
  return {
    reviewerId: asString(reviewerId, 'reviewerId'),
    state: 'pending' as const,
    campaignId: operator({ $in: asStrings(openCampaignIds, 'campaignIds') }),
  };
}

/** decide(): the item moves only while pending. */
export function decideFilter(itemId: string) {
  return { _id: asString(itemId, 'itemId'), state: 'pending' as const };
}

/** decide(): the item takes the stored decision's outcome, id and time. */
export function decideUpdate(decision: Pick<Decision, 'id' | 'outcome' | 'decidedAt'>) {
  return { $set: { state: outcomeState(decision.outcome), decisionId: asString(decision.id, 'decision id'), updatedAt: decision.decidedAt } };
}

/** decide(), in the caller's transaction: the conditional move of the item, returning the item after it (null when it was not pending). */
export function completeItemQuery(items: Model<ReviewItemDoc>, decision: Pick<Decision, 'id' | 'itemId' | 'outcome' | 'decidedAt'>, session: ClientSession | null = null) {
  return items.findOneAndUpdate(decideFilter(decision.itemId), decideUpdate(decision), { returnDocument: 'after', runValidators: true, session }).lean();
}

/**
 * decide() with a StageAdvance, in the caller's transaction: a pending item still at `stage`
 * (absent = stage 1, as on documents from before stages) moves on to the next stage's reviewer
 * and due time; the item after, or null when it did not match.
 */
export function advanceItemQuery(items: Model<ReviewItemDoc>, itemId: string, stage: number, advance: StageAdvance, at: string, session: ClientSession | null = null) {
  const atStage = stage === 1 ? { $in: [1, null] } : stage;
  return items
    .findOneAndUpdate(
      { _id: asString(itemId, 'itemId'), state: 'pending' as const, stage: atStage },
      { $set: { stage: advance.stage, stageDueAt: asString(advance.dueAt, 'dueAt'), reviewerId: asString(advance.reviewerId, 'reviewerId'), reviewerSource: asString(advance.reviewerSource, 'reviewerSource'), updatedAt: asString(at, 'at') } },
      { returnDocument: 'after', runValidators: true, session },
    )
    .lean();
}

/** The same completion as a bulk operation (expirePending completes crashed decisions first). */
export function completeDecisionOp(decision: Pick<Decision, 'id' | 'itemId' | 'outcome' | 'decidedAt'>): AnyBulkWriteOperation<ReviewItemDoc> {
  return { updateOne: { filter: decideFilter(decision.itemId), update: decideUpdate(decision) } };
}

/** reassign(): only a pending item, and only from the reviewer it is assigned to now. */
export function reassignFilter(itemId: string, fromReviewerId: string) {
  return { _id: asString(itemId, 'itemId'), state: 'pending' as const, reviewerId: asString(fromReviewerId, 'fromReviewerId') };
}

export function reassignUpdate(toReviewerId: string, source: string, at: string) {
  return { $set: { reviewerId: asString(toReviewerId, 'toReviewerId'), reviewerSource: asString(source, 'source'), updatedAt: asString(at, 'at') } };
}

/** reassign(), in the caller's transaction: the item before the change, or null when it did not match. */
export function reassignQuery(items: Model<ReviewItemDoc>, itemId: string, fromReviewerId: string, toReviewerId: string, source: string, at: string, session: ClientSession | null = null) {
  return items.findOneAndUpdate(reassignFilter(itemId, fromReviewerId), reassignUpdate(toReviewerId, source, at), { returnDocument: 'before', runValidators: true, session }).lean();
}

/** expirePending(): every pending item of the campaign. */
export function pendingItemsFilter(campaignId: string) {
  return { campaignId: asString(campaignId, 'campaignId'), state: 'pending' as const };
}

export function expireUpdate(at: string) {
  return { $set: { state: 'expired' as const, updatedAt: asString(at, 'at') } };
}

/** One keyset page of a campaign's pending items (ids only) after `after`. */
export function pendingItemsPageFilter(campaignId: string, after: string | null) {
  const base = pendingItemsFilter(campaignId);
  return after === null ? base : { ...base, _id: operator({ $gt: asString(after, 'itemId') }) };
}

/**
 * pendingAtLaterStages(): a keyset page of the campaign's items pending at stage 2 or later
 * (stage is absent at stage 1) after `after`. It implies the partial index's filter
 * (LATER_STAGE_INDEX in review-item-schema.ts), so it is a range of that index alone.
 */
export function laterStagePageFilter(campaignId: string, after: string | null) {
  const base = { campaignId: asString(campaignId, 'campaignId'), state: 'pending' as const, stage: operator({ $gt: 1 }) };
  return after === null ? base : { ...base, _id: operator({ $gt: asString(after, 'itemId') }) };
}

/** decisionsOf(): one reviewer's decisions (settling, or stage ones) in a campaign. */
export function reviewerDecisionsFilter(campaignId: string, reviewerId: string) {
  return { campaignId: asString(campaignId, 'campaignId'), reviewerId: asString(reviewerId, 'reviewerId') };
}

/** decisionsOf()'s order: by decidedAt, ties by id, compared as text (by character code, not by locale, as SQLite orders ISO times and ids). */
export function byDecisionTime(a: Pick<Decision, 'decidedAt' | 'id'>, b: Pick<Decision, 'decidedAt' | 'id'>): number {
  return compareText(a.decidedAt, b.decidedAt) || compareText(a.id, b.id);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** itemsWithDecisions(): a campaign's items after an item id, for keyset pages in _id order. */
export function itemsPageFilter(campaignId: string, after: string | null) {
  const base = { campaignId: asString(campaignId, 'campaignId') };
  return after === null ? base : { ...base, _id: operator({ $gt: asString(after, 'itemId') }) };
}

/** lastCertification(): the approved items of one system in one campaign. */
export function approvedItemsFilter(campaignId: string, systemId: string) {
  return { campaignId: asString(campaignId, 'campaignId'), systemId: asString(systemId, 'systemId'), state: 'approved' as const };
}

/**
 * lastCertification(): of closed campaigns, the newest by when it closed (a campaign stored
 * closed without closedAt counts as certified when it opened); the id breaks ties.
 */
export function newestCertified(closed: readonly Campaign[]): { campaign: Campaign; certifiedAt: string } | null {
  let best: { campaign: Campaign; certifiedAt: string } | null = null;
  for (const campaign of closed) {
    const certifiedAt = campaign.closedAt ?? campaign.openedAt;
    if (!best || certifiedAt > best.certifiedAt || (certifiedAt === best.certifiedAt && campaign.id > best.campaign.id)) {
      best = { campaign, certifiedAt };
    }
  }
  return best;
}

/**
 * countItemsBySystem(): the campaign's items grouped by (system, state) and counted by the
 * server: an equality on campaignId (the {campaignId, _id} index) and a $group, so no item
 * document reaches the application.
 */
export function itemCountsPipeline(campaignId: string): PipelineStage[] {
  return [
    { $match: { campaignId: asString(campaignId, 'campaignId') } },
    { $group: { _id: { systemId: '$systemId', state: '$state' }, count: { $sum: 1 } } },
    { $sort: { '_id.systemId': 1, '_id.state': 1 } },
  ];
}

export interface ItemCountRow {
  _id: { systemId: string; state: ItemState };
  count: number;
}
