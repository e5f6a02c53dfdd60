import type { Evaluation, Finding, StoredFinding } from '../../domain/index.js';
import type { FindingStore } from '../ports.js';
import { BULK_WRITE_OPTIONS, insertIfAbsent } from './bulk-ops.js';
import { evaluationDoc, toEvaluation } from './evaluation-schema.js';
import { asString } from './filter-value.js';
import { openFindingsFilter, raiseFindingOp, resolveUpdate, unseenFindingsFilter } from './finding-queries.js';
import { toStoredFinding } from './finding-schema.js';
import { keysetPages, pageSize } from './keyset-pages.js';
import type { MongoModels } from './mongo-models.js';

const DEFAULT_STATES_BATCH = 5_000;

/**
 * Findings keep their history: one document per raising of a key. saveEvaluation is three
 * idempotent steps (record the evaluation, raise its findings, resolve the unseen ones), not
 * one transaction: a retry after a crash converges on the same state, and readers may see a
 * half-saved evaluation meanwhile (its findings refreshed, the unseen ones not yet resolved).
 * Two evaluations racing to open the same key cannot both insert (one_open_per_key index);
 * the loser fails with a duplicate key error rather than opening a second row.
 */
export class MongoFindingStore implements FindingStore {
  constructor(private readonly models: MongoModels) {}

  async saveEvaluation(evaluation: Evaluation, findings: readonly Finding[]): Promise<{ opened: number; refreshed: number; resolved: number }> {
    const doc = evaluationDoc(evaluation);
    await this.models.evaluations.validate(doc);
    await this.models.evaluations.bulkWrite([insertIfAbsent(doc)], BULK_WRITE_OPTIONS);
    let opened = 0;
    let refreshed = 0;
    if (findings.length > 0) {
      const result = await this.models.findings.bulkWrite(
        findings.map((finding) => raiseFindingOp(finding, evaluation)),
        BULK_WRITE_OPTIONS,
      );
      opened = result.upsertedCount;
      refreshed = result.matchedCount;
    }
    const resolved = await this.models.findings.updateMany(unseenFindingsFilter(evaluation), resolveUpdate(evaluation.at));
    return { opened, refreshed, resolved: resolved.modifiedCount };
  }

  async latestEvaluation(): Promise<Evaluation | null> {
    const doc = await this.models.evaluations.findOne({}).sort({ at: -1, _id: -1 }).lean();
    return doc ? toEvaluation(doc) : null;
  }

  async open(filter: { systemId?: string; grantIds?: readonly string[] } = {}): Promise<StoredFinding[]> {
    if (filter.grantIds?.length === 0) return [];
    const docs = await this.models.findings.find(openFindingsFilter(filter)).sort({ key: 1 }).lean();
    return docs.map(toStoredFinding);
  }

  async history(key: string): Promise<StoredFinding[]> {
    const docs = await this.models.findings.find({ key: asString(key, 'key') }).sort({ firstSeenAt: 1, _id: 1 }).lean();
    return docs.map(toStoredFinding);
  }

  async evaluations(): Promise<Evaluation[]> {
    const docs = await this.models.evaluations.find({}).sort({ at: 1, _id: 1 }).lean();
    return docs.map(toEvaluation);
  }

  async *states(batchSize?: number): AsyncIterable<StoredFinding[]> {
    const fetch = async (after: string | null, limit: number) =>
      this.models.findings.find(after === null ? {} : { _id: { $gt: after } }).sort({ _id: 1 }).limit(limit).lean();
    for await (const page of keysetPages(fetch, (d) => d._id, pageSize(batchSize, DEFAULT_STATES_BATCH))) yield page.map(toStoredFinding);
  }
}
