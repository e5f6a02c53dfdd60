import mongoose from 'mongoose';
import { DECISION_CHANNELS, DECISION_OUTCOMES } from '../../domain/index.js';
import type { Decision } from '../../domain/index.js';
import { embeddedFindingSchema, toFinding } from './embedded-finding-schema.js';
import { collectionOptions, nullableString, oneOf, requiredBoolean, requiredString, stringId, timestamp } from './schema-fields.js';

/** `decisions`: `_id` is the decision id; never updated in place. */
export interface DecisionDoc extends Omit<Decision, 'id'> {
  _id: string;
}

export const decisionSchema = new mongoose.Schema<DecisionDoc>(
  {
    _id: stringId,
    itemId: requiredString,
    campaignId: requiredString,
    outcome: oneOf(DECISION_OUTCOMES),
    reviewerId: requiredString,
    reviewerEmail: nullableString,
    reviewerSlackId: nullableString,
    channel: oneOf(DECISION_CHANNELS),
    justification: nullableString,
    decidedAt: timestamp,
    findingsAtDecision: { type: [embeddedFindingSchema], default: () => [] },
    simulated: requiredBoolean,
    operator: nullableString,
    // True only for a decision recorded through approve-all; absent otherwise (and in older documents).
    approveAll: { type: Boolean, required: false },
  },
  collectionOptions('decisions'),
);
// One decision per item: of concurrent deciders exactly one insert succeeds.
decisionSchema.index({ itemId: 1 }, { unique: true });
decisionSchema.index({ campaignId: 1, decidedAt: 1, _id: 1 });
// revocationsWithout() (opening remediations after every sync and request run): the revoke
// decisions in _id pages, an equality on outcome then a range and sort on _id, so the page is
// read in index order instead of scanning every decision.
decisionSchema.index({ outcome: 1, _id: 1 });

export function decisionDoc(d: Decision): DecisionDoc {
  const { id, ...rest } = toDecision({ ...d, _id: d.id });
  return { _id: id, ...rest };
}

export function toDecision(d: DecisionDoc): Decision {
  return {
    id: d._id,
    itemId: d.itemId,
    campaignId: d.campaignId,
    outcome: d.outcome,
    reviewerId: d.reviewerId,
    reviewerEmail: d.reviewerEmail,
    reviewerSlackId: d.reviewerSlackId,
    channel: d.channel,
    justification: d.justification,
    decidedAt: d.decidedAt,
    findingsAtDecision: d.findingsAtDecision.map(toFinding),
    simulated: d.simulated,
    // Absent in documents written before operators were recorded.
    operator: d.operator ?? null,
    ...(d.approveAll === true ? { approveAll: true } : {}),
  };
}
