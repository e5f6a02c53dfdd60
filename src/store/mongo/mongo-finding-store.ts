import type { Connection } from 'mongoose';
import type { Evaluation, Finding, Severity, StoredFinding } from '../../domain/index.js';
import type { Counts, FindingEvents, FindingState, FindingStore } from '../ports.js';
import { countRows, openFindingCounts } from './count-queries.js';
import { BULK_WRITE_OPTIONS, insertIfAbsent } from './bulk-ops.js';
import { evaluationDoc, toEvaluation } from './evaluation-schema.js';
import { asString } from './filter-value.js';
import { byIds, openFindingsFilter, openedFindings, raiseFindingOp, resolveUpdate, unseenFindingsFilter } from './finding-queries.js';
import type { FindingDoc } from './finding-schema.js';
import { toFindingState, toStoredFinding } from './finding-schema.js';
import { withLedger } from './ledger-transaction.js';
import type { MongoModels } from './mongo-models.js';

import { keysetPages, pageSize } from './keyset-pages.js';

/** Findings one transaction raises, or resolves, at most (transactions stay well under MongoDB's limits). */
export const FINDING_CHUNK = 2_000;
const DEFAULT_STATES_BATCH = 5_000;

/**
 * Findings keep their history: one document per raising of a key. saveEvaluation runs in
 * transactions of at most FINDING_CHUNK raised findings, each with the ledger events of
 * exactly the findings it opened or resolved (withLedger): one per chunk of raised findings,
 * the last of which also records the evaluation and resolves the first FINDING_CHUNK unseen
 * ones, then one per further chunk of unseen ones. An evaluation of up to FINDING_CHUNK
 * findings raised and resolved is thus one transaction, as on SQLite. A larger one is atomic
 * per chunk only: a crash between chunks leaves it half saved (some findings raised, the
 * unseen ones not yet resolved, the evaluation not yet recorded), every change so far with
 * its events, and the next evaluation converges; readers may see it half saved meanwhile.
 * Two evaluations racing to open the same key cannot both insert (one_open_per_key index; in
 * transactions the loser conflicts, starts over and refreshes the one the winner opened), so
 * an opening is ledgered once.
 */
/**
 * Whether transaction `c` (from 0) of `chunks` raising chunks saves the whole evaluation: the
 * first and last raising chunk, and it resolved fewer than FINDING_CHUNK findings (else a next
 * transaction resolves more). Known inside the transaction, before its events are built: the
 * events of a part (FindingChanges.part) then say so, and `audit verify` adds the parts up.
 */
export function onlyTransaction(c: number, chunks: number, resolved: number): boolean {
  return c === 0 && chunks <= 1 && resolved < FINDING_CHUNK;
}

export class MongoFindingStore implements FindingStore {
  constructor(
    private readonly connection: Connection,
    private readonly models: MongoModels,
  ) {}

  async saveEvaluation(evaluation: Evaluation, findings: readonly Finding[], events: FindingEvents): Promise<{ opened: number; refreshed: number; resolved: number }> {
    const doc = evaluationDoc(evaluation);
    await this.models.evaluations.validate(doc);
    const totals = { opened: 0, refreshed: 0, resolved: 0 };
    const chunks = Math.max(1, Math.ceil(findings.length / FINDING_CHUNK));
    let resolvedLast = 0;
    for (let c = 0; c < chunks || resolvedLast === FINDING_CHUNK; c++) {
      const chunk = findings.slice(c * FINDING_CHUNK, (c + 1) * FINDING_CHUNK);
      const { value } = await withLedger(this.connection, this.models, async (session) => {
        let opened: Finding[] = [];
        let refreshed = 0;
        if (chunk.length > 0) {
          const result = await this.models.findings.bulkWrite(
            chunk.map((finding) => raiseFindingOp(finding, evaluation)),
            { ...BULK_WRITE_OPTIONS, session },
          );
          opened = openedFindings(chunk, result.upsertedIds);
          refreshed = result.matchedCount;
        }
        // Every finding is raised once the last chunk is: the unseen ones can be resolved.
        let resolved: StoredFinding[] = [];
        if (c >= chunks - 1) {
          if (c === chunks - 1) await this.models.evaluations.bulkWrite([insertIfAbsent(doc)], { ...BULK_WRITE_OPTIONS, session });
          const unseen = await this.models.findings.find(unseenFindingsFilter(evaluation)).sort({ _id: 1 }).limit(FINDING_CHUNK).session(session).lean();
          if (unseen.length > 0) {
            // The transaction read them open: a concurrent change to one conflicts and this chunk starts over.
            await this.models.findings.updateMany(byIds(unseen.map((d) => d._id)), resolveUpdate(evaluation.at), { session });
            resolved = unseen.map((d) => ({ ...toStoredFinding(d), resolvedAt: evaluation.at }));
          }
        }
        const changed = opened.length > 0 || resolved.length > 0;
        const part = onlyTransaction(c, chunks, resolved.length) ? {} : { part: c + 1 };
        return { value: { opened: opened.length, refreshed, resolved: resolved.length }, events: changed ? [...events({ opened, resolved, ...part })] : [] };
      });
      totals.opened += value.opened;
      totals.refreshed += value.refreshed;
      totals.resolved += value.resolved;
      resolvedLast = value.resolved;
    }
    return totals;
  }

  async latestEvaluation(): Promise<Evaluation | null> {
    const doc = await this.models.evaluations.findOne({}).sort({ at: -1, _id: -1 }).lean();
    return doc ? toEvaluation(doc) : null;
  }

  async countOpen(): Promise<Counts<{ type: string; severity: Severity }>> {
    return countRows(await this.models.findings.aggregate<{ _id: { type: string; severity: Severity }; count: number }>(openFindingCounts()));
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

  async *states(batchSize?: number): AsyncIterable<FindingState[]> {
    const fetch = async (after: string | null, limit: number) =>
      this.models.findings.find(after === null ? {} : { _id: { $gt: after } }, { evidence: 0 }).sort({ _id: 1 }).limit(limit).lean<Omit<FindingDoc, 'evidence'>[]>();
    for await (const page of keysetPages(fetch, (d) => d._id, pageSize(batchSize, DEFAULT_STATES_BATCH))) yield page.map(toFindingState);
  }
}
