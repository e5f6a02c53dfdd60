import mongoose from 'mongoose';
import { DECISION_CHANNELS, DECISION_OUTCOMES } from '../../domain/index.js';
import type { Decision } from '../../domain/index.js';
import { embeddedFindingSchema, toFinding } from './embedded-finding-schema.js';
import { collectionOptions, nullableString, oneOf, requiredBoolean, requiredString, stringId, timestamp } from './schema-fields.js';

/** `decisions`: `_id` is the decision id; never updated in place. */
export interface DecisionDoc extends Omit<Decision, 'id'> {
  _id: string;
}

const decisionFields = {
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
    // The stage the decision was made at (multi-stage reviews); absent: stage 1 (and older documents).
    stage: { type: Number, required: false, min: 2 },
};

export const decisionSchema = new mongoose.Schema<DecisionDoc>(decisionFields, collectionOptions('decisions'));
// One decision per item: of concurrent deciders exactly one insert succeeds.
decisionSchema.index({ itemId: 1 }, { unique: true });
decisionSchema.index({ campaignId: 1, decidedAt: 1, _id: 1 });
// revocationsWithout() (opening remediations after every sync and request run): the revoke
// decisions in _id pages, an equality on outcome then a range and sort on _id, so the page is
// read in index order instead of scanning every decision.
decisionSchema.index({ outcome: 1, _id: 1 });
// decisionsOf(): one reviewer's decisions in a campaign (rubber-stamp detection on an approval).
decisionSchema.index({ campaignId: 1, reviewerId: 1 });

/**
 * `stage_decisions`: decisions that passed an item on to a later stage (`_id` `${itemId}#${stage}`),
 * the same fields with `stage` always set (stage 1 included). One per (item, stage): of concurrent
 * deciders at a stage exactly one insert succeeds. Read by item, and by campaign in (item, stage) order.
 */
export const stageDecisionSchema = new mongoose.Schema<DecisionDoc>({ ...decisionFields, stage: { type: Number, required: true, min: 1 } }, collectionOptions('stage_decisions'));
stageDecisionSchema.index({ itemId: 1, stage: 1 }, { unique: true });
stageDecisionSchema.index({ campaignId: 1, itemId: 1, stage: 1 });
stageDecisionSchema.index({ campaignId: 1, reviewerId: 1 });

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
    ...(typeof d.stage === 'number' && d.stage !== 1 ? { stage: d.stage } : {}),
  };
}

/** A stage decision's document: `stage` always set, stage 1 included (its collection's rule). */
export function stageDecisionDoc(d: Decision): DecisionDoc {
  return { ...decisionDoc(d), stage: d.stage ?? 1 };
}
