import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection } from 'mongoose';
import type { LedgerEvent, LedgerEventInput } from '../../domain/index.js';
import type { LedgerStore } from '../ports.js';
import { isDuplicateKeyError } from './duplicate-key.js';
import { asInteger } from './filter-value.js';
import { chainEvents, ledgerQueryFilter, seqRangeFilter } from './ledger-queries.js';
import { ledgerEventDoc, toLedgerEvent } from './ledger-event-schema.js';
import type { MongoModels } from './mongo-models.js';
import { keysetPages, pageSize } from './keyset-pages.js';

const DEFAULT_LEDGER_BATCH = 1_000;

/**
 * Ledger reads are evidence (exports, verification): only events a majority holds, never one
 * of an append still in flight that a failover could roll back. Our own appends are majority
 * acknowledged before append() returns, so they are included.
 */
const EVIDENCE_READ = 'majority';

/** Snapshot reads inside the transaction; the commit waits for a journaled majority. */
export const TRANSACTION_OPTIONS = { readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority', journal: true } } as const;

/**
 * How often append() starts over after a duplicate key error. Concurrent appends normally
 * collide as write conflicts, which the transaction retries itself (with backoff); a
 * duplicate seq means another writer's events committed between our read of the head and our
 * insert, and a fresh attempt, after a short random pause, chains onto them.
 */
const MAX_APPEND_ATTEMPTS = 10;

/** Up to 5 ms, 10 ms, 20 ms, ... (at most 500 ms) before attempt n + 1, at random so racers spread out. */
function backoffMs(attempt: number): number {
  return Math.random() * Math.min(5 * 2 ** (attempt - 1), 500);
}

/**
 * Every append reads the head and inserts its events in one transaction (snapshot reads,
 * majority writes): the events of one append are stored together, in order, or not at all,
 * and two appends that read the same head cannot both commit (their inserts of the same seq
 * conflict, the loser retries on the new head). So seq is gap-free and the chain never forks;
 * the unique seq (`_id`) and prevHash indexes hold that even against a writer that bypasses
 * this class. Transactions need a replica set (see openMongoStore).
 */
export class MongoLedgerStore implements LedgerStore {
  constructor(
    private readonly connection: Connection,
    private readonly models: MongoModels,
  ) {}

  async append(inputs: readonly LedgerEventInput[]): Promise<LedgerEvent[]> {
    if (inputs.length === 0) return [];
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.connection.transaction(async (session) => {
          const head = await this.models.ledgerEvents.findOne({}, { hash: 1 }).sort({ _id: -1 }).session(session).lean();
          const events = chainEvents(inputs, head ? { seq: head._id, hash: head.hash } : null);
          await this.models.ledgerEvents.insertMany(events.map(ledgerEventDoc), { session, ordered: true });
          return events;
        }, TRANSACTION_OPTIONS);
      } catch (error) {
        if (!isDuplicateKeyError(error) || attempt >= MAX_APPEND_ATTEMPTS) throw error;
        await sleep(backoffMs(attempt));
      }
    }
  }

  async head(): Promise<{ seq: number; hash: string } | null> {
    const doc = await this.models.ledgerEvents.findOne({}, { hash: 1 }).sort({ _id: -1 }).readConcern(EVIDENCE_READ).lean();
    return doc ? { seq: doc._id, hash: doc.hash } : null;
  }

  read(fromSeq = 1, toSeq = Number.MAX_SAFE_INTEGER, batchSize?: number): AsyncIterable<LedgerEvent[]> {
    const size = pageSize(batchSize, DEFAULT_LEDGER_BATCH);
    return keysetPages<LedgerEvent, number>(
      async (after, limit) =>
        (
          await this.models.ledgerEvents.find(seqRangeFilter(fromSeq, toSeq, after)).sort({ _id: 1 }).limit(limit).readConcern(EVIDENCE_READ).lean()
        ).map(toLedgerEvent),
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
