import mongoose from 'mongoose';
import { grantDetailText, ITEM_STATES, parseGrantDetail } from '../../domain/index.js';
import type { ReviewItem } from '../../domain/index.js';
import { embeddedFindingSchema, toFinding } from './embedded-finding-schema.js';
import { collectionOptions, nullableString, oneOf, presentString, requiredString, stringId, timestamp } from './schema-fields.js';

/** `review_items`: `_id` is the derived item id (campaign + grant); the detail is its canonical text (see grant-schema.ts). */
export interface ReviewItemDoc extends Omit<ReviewItem, 'id' | 'detail'> {
  _id: string;
  /** Absent on documents written before details existed. */
  detail?: string | null;
}

export const reviewItemSchema = new mongoose.Schema<ReviewItemDoc>(
  {
    _id: stringId,
    campaignId: requiredString,
    grantId: requiredString,
    systemId: requiredString,
    accountId: presentString('accountId'),
    role: presentString('role'),
    scope: presentString('scope'),
    identityId: nullableString,
    reviewerId: requiredString,
    reviewerSource: requiredString,
    state: oneOf(ITEM_STATES),
    findings: { type: [embeddedFindingSchema], default: () => [] },
    lastActivityAt: nullableString,
    decisionId: nullableString,
    updatedAt: timestamp,
    detail: nullableString,
    // Multi-stage reviews: absent at stage 1 (and on older documents), as the domain type says.
    stage: { type: Number, required: false, min: 2 },
    stageDueAt: { type: String, required: false },
  },
  collectionOptions('review_items'),
);
// A grant once per campaign (the item id derives from both).
reviewItemSchema.index({ campaignId: 1, grantId: 1 }, { unique: true });
// Keyset pages in _id order end with _id, so each page is a bounded index range, not a sort
// of the whole campaign: itemsWithDecisions() and items() of a campaign; expirePending()'s
// pages of pending items (one transaction each: without _id in the index every page would
// read and sort all pending items of the campaign inside its transaction).
reviewItemSchema.index({ campaignId: 1, _id: 1 });
reviewItemSchema.index({ campaignId: 1, state: 1, _id: 1 });
// items() by reviewer or state; pendingForReviewer(); lastCertification().
reviewItemSchema.index({ campaignId: 1, reviewerId: 1, state: 1 });
reviewItemSchema.index({ reviewerId: 1, state: 1, campaignId: 1 });
reviewItemSchema.index({ systemId: 1, campaignId: 1 });
/**
 * pendingAtLaterStages() (serve's stage hand-off catch-up, every 5 minutes): only the items
 * pending at stage 2 or later are in it, in _id order per campaign, so a page is a range of
 * them and never a scan of the campaign's pending items.
 */
export const LATER_STAGE_INDEX = {
  fields: { campaignId: 1, _id: 1, stage: 1 },
  options: { name: 'pending_at_later_stage', partialFilterExpression: { state: 'pending', stage: { $gt: 1 } } },
} as const;
reviewItemSchema.index(LATER_STAGE_INDEX.fields, LATER_STAGE_INDEX.options);

export function reviewItemDoc(i: ReviewItem): ReviewItemDoc {
  // Through toReviewItem, so that only the item's own fields are kept.
  const { id, detail: _none, ...rest } = toReviewItem({ ...i, _id: i.id, detail: null });
  return { _id: id, ...rest, detail: grantDetailText(i.detail) };
}

export function toReviewItem(d: ReviewItemDoc): ReviewItem {
  const item: ReviewItem = {
    id: d._id,
    campaignId: d.campaignId,
    grantId: d.grantId,
    systemId: d.systemId,
    accountId: d.accountId,
    role: d.role,
    scope: d.scope,
    identityId: d.identityId,
    reviewerId: d.reviewerId,
    reviewerSource: d.reviewerSource,
    state: d.state,
    findings: d.findings.map(toFinding),
    lastActivityAt: d.lastActivityAt,
    decisionId: d.decisionId,
    updatedAt: d.updatedAt,
  };
  // Absent when the grant had none, as the SQLite store reads it.
  if (d.detail !== null && d.detail !== undefined) item.detail = parseGrantDetail(d.detail);
  if (typeof d.stage === 'number' && d.stage !== 1) item.stage = d.stage;
  if (typeof d.stageDueAt === 'string') item.stageDueAt = d.stageDueAt;
  return item;
}
