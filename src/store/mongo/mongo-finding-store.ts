import type { Connection } from 'mongoose';
import type { Evaluation, Finding, StoredFinding } from '../../domain/index.js';
import type { FindingChanges, FindingStore, LedgerEvents } from '../ports.js';
import { BULK_WRITE_OPTIONS, insertIfAbsent } from './bulk-ops.js';
import { evaluationDoc, toEvaluation } from './evaluation-schema.js';
import { asString } from './filter-value.js';
import { byIds, openFindingsFilter, openedFindings, raiseFindingOp, resolveUpdate, unseenFindingsFilter } from './finding-queries.js';
import { toStoredFinding } from './finding-schema.js';
import { withLedger } from './ledger-transaction.js';
import type { MongoModels } from './mongo-models.js';

/** Findings one transaction raises, or resolves, at most (transactions stay well under MongoDB's limits). */
export const FINDING_CHUNK = 2_000;

/**
 * Findings keep their history: one document per raising of a key. saveEvaluation runs in
 * transactions of at most FINDING_CHUNK findings, each with the ledger events of exactly the
 * findings it opened or resolved (withLedger): first the evaluation and the first chunk of
 * raised findings, then the other chunks, then the unseen ones resolved a chunk at a time.
 * Each chunk is atomic with its events; the evaluation as a whole is not: a crash between
 * chunks leaves it half saved (some findings raised, the unseen ones not yet resolved), every
 * change so far with its events, and the next evaluation converges. Readers may see a
 * half-saved evaluation meanwhile. Two evaluations racing to open the same key cannot both
 * insert (one_open_per_key index; in transactions the loser conflicts, starts over and
 * refreshes the one the winner opened), so an opening is ledgered once.
 */
export class MongoFindingStore implements FindingStore {
  constructor(
    private readonly connection: Connection,
    private readonly models: MongoModels,
  ) {}

  async saveEvaluation(evaluation: Evaluation, findings: readonly Finding[], events: LedgerEvents<FindingChanges>): Promise<{ opened: number; refreshed: number; resolved: number }> {
    const doc = evaluationDoc(evaluation);
    await this.models.evaluations.validate(doc);
    let opened = 0;
    let refreshed = 0;
    let resolved = 0;
    for (let from = 0; from === 0 || from < findings.length; from += FINDING_CHUNK) {
      const chunk = findings.slice(from, from + FINDING_CHUNK);
      const { value } = await withLedger(this.connection, this.models, async (session) => {
        if (from === 0) await this.models.evaluations.bulkWrite([insertIfAbsent(doc)], { ...BULK_WRITE_OPTIONS, session });
        if (chunk.length === 0) return { value: { opened: 0, refreshed: 0 }, events: [] };
        const result = await this.models.findings.bulkWrite(
          chunk.map((finding) => raiseFindingOp(finding, evaluation)),
          { ...BULK_WRITE_OPTIONS, session },
        );
        const openedNow = openedFindings(chunk, result.upsertedIds);
        return { value: { opened: openedNow.length, refreshed: result.matchedCount }, events: openedNow.length > 0 ? events({ opened: openedNow, resolved: [] }) : [] };
      });
      opened += value.opened;
      refreshed += value.refreshed;
    }
    for (;;) {
      const { value } = await withLedger(this.connection, this.models, async (session) => {
        const unseen = await this.models.findings.find(unseenFindingsFilter(evaluation)).sort({ _id: 1 }).limit(FINDING_CHUNK).session(session).lean();
        if (unseen.length === 0) return { value: 0, events: [] };
        // The transaction read them open: a concurrent change to one conflicts and this chunk starts over.
        await this.models.findings.updateMany(byIds(unseen.map((d) => d._id)), resolveUpdate(evaluation.at), { session });
        const resolvedNow = unseen.map((d) => ({ ...toStoredFinding(d), resolvedAt: evaluation.at }));
        return { value: unseen.length, events: events({ opened: [], resolved: resolvedNow }) };
      });
      if (value === 0) break;
      resolved += value;
    }
    return { opened, refreshed, resolved };
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
}
