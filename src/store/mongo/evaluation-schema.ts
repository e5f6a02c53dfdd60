import mongoose from 'mongoose';
import { FINDING_TYPES } from '../../domain/index.js';
import type { Evaluation, FindingType } from '../../domain/index.js';
import { collectionOptions, embeddedOptions, requiredString, stringId, stringList, timestamp } from './schema-fields.js';

/** `evaluations`: one document per policy evaluation; `_id` is the evaluation id. */
export interface EvaluationDoc extends Omit<Evaluation, 'id'> {
  _id: string;
}

/** Counts per finding type; a type without findings is absent, as in the domain. */
const countsSchema = new mongoose.Schema<Partial<Record<FindingType, number>>>(
  Object.fromEntries(FINDING_TYPES.map((type) => [type, { type: Number }])),
  embeddedOptions,
);

export const evaluationSchema = new mongoose.Schema<EvaluationDoc>(
  {
    _id: stringId,
    at: timestamp,
    systemIds: stringList,
    policyHash: requiredString,
    counts: { type: countsSchema, required: true },
  },
  collectionOptions('evaluations'),
);
evaluationSchema.index({ at: -1, _id: -1 });

export function evaluationDoc(e: Evaluation): EvaluationDoc {
  return { _id: e.id, at: e.at, systemIds: [...e.systemIds], policyHash: e.policyHash, counts: countsOf(e.counts) };
}

export function toEvaluation(d: EvaluationDoc): Evaluation {
  return { id: d._id, at: d.at, systemIds: [...d.systemIds], policyHash: d.policyHash, counts: countsOf(d.counts) };
}

/** The finding-type counters present in `counts`, nothing else. */
function countsOf(counts: Partial<Record<FindingType, number>>): Partial<Record<FindingType, number>> {
  const out: Partial<Record<FindingType, number>> = {};
  for (const type of FINDING_TYPES) {
    const n = counts[type];
    if (n !== undefined && n !== null) out[type] = n;
  }
  return out;
}
