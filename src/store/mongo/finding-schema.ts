import mongoose from 'mongoose';
import type { StoredFinding } from '../../domain/index.js';
import type { FindingState } from '../ports.js';
import { compositeId } from './composite-id.js';
import { findingFields, toFinding } from './embedded-finding-schema.js';
import { collectionOptions, nullableTimestamp, requiredString, stringId, timestamp } from './schema-fields.js';

/**
 * `findings`: one document per raising of a key. The open one (resolvedAt null, at most one
 * per key) is refreshed while evaluations keep raising it; once resolved, a later raising
 * opens a new document. `_id` derives from (key, firstSeenAt).
 */
export interface FindingDoc extends StoredFinding {
  _id: string;
}

export const findingSchema = new mongoose.Schema<FindingDoc>(
  {
    _id: stringId,
    ...findingFields,
    evaluationId: requiredString,
    firstSeenAt: timestamp,
    lastSeenAt: timestamp,
    resolvedAt: nullableTimestamp,
  },
  collectionOptions('findings'),
);
// History of a key, oldest first; one document per raising.
findingSchema.index({ key: 1, firstSeenAt: 1 }, { unique: true });
// At most one open document per key: two evaluations racing to open the same finding
// cannot both insert. (A partial index only holds documents whose resolvedAt is null.)
findingSchema.index({ key: 1 }, { unique: true, name: 'one_open_per_key', partialFilterExpression: { resolvedAt: { $type: 'null' } } });
// open() by system, by grant ids; resolving the unseen ones of the evaluated systems.
findingSchema.index({ systemId: 1, resolvedAt: 1 });
findingSchema.index({ grantId: 1, resolvedAt: 1 });
findingSchema.index({ resolvedAt: 1, key: 1 });

export function findingDocId(key: string, firstSeenAt: string): string {
  return compositeId(key, firstSeenAt);
}

export function toStoredFinding(d: FindingDoc): StoredFinding {
  return {
    ...toFinding(d),
    evaluationId: d.evaluationId,
    firstSeenAt: d.firstSeenAt,
    lastSeenAt: d.lastSeenAt,
    resolvedAt: d.resolvedAt,
  };
}


/** A document read without its evidence (FindingStore.states projects it out). */
export function toFindingState(d: Omit<FindingDoc, 'evidence'>): FindingState {
  const { evidence: _evidence, ...state } = toStoredFinding({ ...d, evidence: {} });
  return state;
}
