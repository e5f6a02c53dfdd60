import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { LedgerEvent, LedgerEventInput } from '../../domain/index.js';
import type { LedgerStore, StoredLedgerEvent } from '../ports.js';
import { asInteger } from './filter-value.js';
import { appendKeyFilter, ledgerQueryFilter, seqRangeFilter, storedAppendFilter } from './ledger-queries.js';
import { keyedAppend } from './keyed-append.js';
import type { LedgerEventDoc } from './ledger-event-schema.js';
import { toLedgerEvent, toStoredLedgerEvent } from './ledger-event-schema.js';
import { withLedger } from './ledger-transaction.js';
import type { MongoModels } from './mongo-models.js';
import { keysetPages, pageSize } from './keyset-pages.js';

const DEFAULT_LEDGER_BATCH = 1_000;

/**
 * Ledger reads are evidence (exports, verification): only events a majority holds, never one
 * of an append still in flight that a failover could roll back. Our own appends are majority
 * acknowledged before append() returns, so they are included.
 */
const EVIDENCE_READ = 'majority';

/**
 * Every append reads the head and inserts its events in one transaction (snapshot reads,
 * majority writes): the events of one append are stored together, in order, or not at all,
 * and two appends that read the same head cannot both commit (their inserts of the same seq
 * conflict, the loser retries on the new head). So seq is gap-free and the chain never forks;
 * the unique seq (`_id`) and prevHash indexes hold that even against a writer that bypasses
 * this class; the unique appendKey index holds each direct append once (see append()).
 * Transactions need a replica set (see openMongoStore). append() is for events
 * that change no state (a refusal); the other stores append the events of their changes in
 * their own transactions through withLedger (ledger-transaction.ts).
 */
export class MongoLedgerStore implements LedgerStore {
  constructor(
    private readonly connection: Connection,
    private readonly models: MongoModels,
  ) {}

  /**
   * Idempotent (keyed-append.ts): the first event stores the append's key, and an attempt that
   * finds the key already stored (in its own snapshot) returns those events and appends
   * nothing. So when a commit's outcome stays unknown (UnknownTransactionCommitResult), neither
   * the driver's re-run of the transaction nor the caller's retry of the same inputs (with
   * `at`) stores the events twice.
   */
  async append(inputs: readonly LedgerEventInput[]): Promise<LedgerEvent[]> {
    if (inputs.length === 0) return [];
    const { inputs: stamped, key } = keyedAppend(inputs, new Date(), randomUUID());
    const done = await withLedger(
      this.connection,
      this.models,
      async (session) => {
        const first = await this.models.ledgerEvents.findOne(appendKeyFilter(key), { _id: 1 }).session(session).lean();
        if (!first) return { value: null, events: stamped };
        const stored = await this.models.ledgerEvents.find(storedAppendFilter(first._id, stamped.length)).sort({ _id: 1 }).session(session).lean();
        return { value: stored.map(toLedgerEvent), events: [] };
      },
      key,
    );
    return done.value ?? done.events;
  }

  async head(): Promise<{ seq: number; hash: string } | null> {
    const doc = await this.models.ledgerEvents.findOne({}, { hash: 1 }).sort({ _id: -1 }).readConcern(EVIDENCE_READ).lean();
    return doc ? { seq: doc._id, hash: doc.hash } : null;
  }

  read(fromSeq = 1, toSeq = Number.MAX_SAFE_INTEGER, batchSize?: number): AsyncIterable<LedgerEvent[]> {
    return this.pages(fromSeq, toSeq, batchSize, toLedgerEvent);
  }

  /** The data documents as their canonical JSON (see toStoredLedgerEvent). */
  readStored(fromSeq = 1, toSeq = Number.MAX_SAFE_INTEGER, batchSize?: number): AsyncIterable<StoredLedgerEvent[]> {
    return this.pages(fromSeq, toSeq, batchSize, toStoredLedgerEvent);
  }

  private pages<E extends { seq: number }>(fromSeq: number, toSeq: number, batchSize: number | undefined, toEvent: (d: LedgerEventDoc) => E): AsyncIterable<E[]> {
    const size = pageSize(batchSize, DEFAULT_LEDGER_BATCH);
    return keysetPages<E, number>(
      async (after, limit) =>
        (
          await this.models.ledgerEvents.find(seqRangeFilter(fromSeq, toSeq, after)).sort({ _id: 1 }).limit(limit).readConcern(EVIDENCE_READ).lean<LedgerEventDoc[]>()
        ).map(toEvent),
      (last) => last.seq,
      size,
    );
  }

  async query(filter: Parameters<LedgerStore['query']>[0]): Promise<LedgerEvent[]> {
    // limit(0) is no limit.
    const limit = filter.limit === undefined ? 0 : asInteger(filter.limit, 'limit', 1);
    const docs = await this.models.ledgerEvents.find(ledgerQueryFilter(filter)).sort({ _id: 1 }).limit(limit).readConcern(EVIDENCE_READ).lean();
    return docs.map(toLedgerEvent);
  }
}
