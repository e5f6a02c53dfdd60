import mongoose from 'mongoose';
import type { Evaluation, FindingType } from '../../domain/index.js';
import { collectionOptions, requiredString, stringId, stringList, timestamp } from './schema-fields.js';

/** `evaluations`: one document per policy evaluation; `_id` is the evaluation id. */
export interface EvaluationDoc extends Omit<Evaluation, 'id'> {
  _id: string;
}

/**
 * Counts per finding type (the rule registry names the types, so the store fixes no list of
 * fields): an object of non-negative integers; a type without findings is absent, as in the domain.
 */
const countsField = {
  type: mongoose.Schema.Types.Mixed,
  required: true,
  validate: {
    validator: (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((n) => Number.isInteger(n) && (n as number) >= 0),
    message: 'counts must map finding types to non-negative integers',
  },
};

export const evaluationSchema = new mongoose.Schema<EvaluationDoc>(
  {
    _id: stringId,
    at: timestamp,
    systemIds: stringList,
    policyHash: requiredString,
    counts: countsField,
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

/** The finding-type counters present in `counts` (a copy). */
function countsOf(counts: Partial<Record<FindingType, number>>): Partial<Record<FindingType, number>> {
  const out: Partial<Record<FindingType, number>> = {};
  for (const [type, n] of Object.entries(counts)) if (n !== undefined && n !== null) out[type] = n;
  return out;
}
