import type { AnyBulkWriteOperation } from 'mongoose';
import type { Evaluation, Finding } from '../../domain/index.js';
import { asString, asStrings, operator } from './filter-value.js';
import { findingDocId } from './finding-schema.js';
import type { FindingDoc } from './finding-schema.js';

/** The open document of a key (resolvedAt null; at most one, see the one_open_per_key index). */
export function openFindingFilter(key: string) {
  return { key: asString(key, 'key'), resolvedAt: null };
}

/**
 * One finding raised by an evaluation: refreshes the open document of its key (severity,
 * reason, evidence, evaluation, lastSeenAt), or opens a new one with firstSeenAt = the
 * evaluation's time. The bulk result's upserted count is the opened ones, its matched count
 * the refreshed ones.
 */
export function raiseFindingOp(finding: Finding, evaluation: Pick<Evaluation, 'id' | 'at'>): AnyBulkWriteOperation<FindingDoc> {
  return {
    updateOne: {
      filter: openFindingFilter(finding.key),
      update: {
        $set: {
          severity: finding.severity,
          reason: finding.reason,
          evidence: finding.evidence,
          evaluationId: evaluation.id,
          lastSeenAt: evaluation.at,
        },
        // key and resolvedAt (null) come from the filter's equalities.
        $setOnInsert: {
          _id: findingDocId(finding.key, evaluation.at),
          type: finding.type,
          systemId: finding.systemId,
          grantId: finding.grantId,
          accountId: finding.accountId,
          identityId: finding.identityId,
          role: finding.role,
          scope: finding.scope,
          ruleId: finding.ruleId,
          firstSeenAt: evaluation.at,
        },
      },
      upsert: true,
    },
  };
}

/**
 * Open findings of the evaluated systems that this evaluation did not raise: every finding it
 * raised now carries its id, so the others were not seen again.
 */
export function unseenFindingsFilter(evaluation: Pick<Evaluation, 'id' | 'systemIds'>) {
  return {
    resolvedAt: null,
    evaluationId: operator({ $ne: asString(evaluation.id, 'evaluationId') }),
    systemId: operator({ $in: asStrings(evaluation.systemIds, 'systemIds') }),
  };
}

/** The findings a chunk's bulk write opened: those of its upserted operations (by index). */
export function openedFindings(chunk: readonly Finding[], upsertedIds: Readonly<Record<number, unknown>>): Finding[] {
  return Object.keys(upsertedIds)
    .map(Number)
    .sort((a, b) => a - b)
    .map((i) => chunk[i]!);
}

/** The open documents of a chunk of unseen findings, by `_id` (still open: resolving twice is no change). */
export function byIds(ids: readonly string[]) {
  return { _id: operator({ $in: ids.map((id) => asString(id, '_id')) }), resolvedAt: null };
}

export function resolveUpdate(at: string) {
  return { $set: { resolvedAt: asString(at, 'at') } };
}

/** open(): open findings, optionally of one system and/or for a set of grant ids. */
export function openFindingsFilter(filter: { systemId?: string; grantIds?: readonly string[] }) {
  return {
    resolvedAt: null,
    ...(filter.systemId === undefined ? {} : { systemId: asString(filter.systemId, 'systemId') }),
    ...(filter.grantIds === undefined ? {} : { grantId: operator({ $in: asStrings(filter.grantIds, 'grantIds') }) }),
  };
}
