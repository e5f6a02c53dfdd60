import { setTimeout as sleep } from 'node:timers/promises';
import type { ClientSession, Connection } from 'mongoose';
import type { LedgerEvent, LedgerEventInput } from '../../domain/index.js';
import { isDuplicateKeyError } from './duplicate-key.js';
import { chainEvents } from './ledger-queries.js';
import { ledgerEventDoc } from './ledger-event-schema.js';
import type { MongoModels } from './mongo-models.js';

/** Snapshot reads inside the transaction; the commit waits for a journaled majority. */
export const TRANSACTION_OPTIONS = { readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority', journal: true } } as const;

/**
 * How often a transaction starts over after another writer's events took the seqs it chained
 * onto. Concurrent appends normally collide as write conflicts, which the driver's
 * transaction retries itself (with backoff, up to 120 s); a duplicate seq means another
 * writer's events committed between our read of the head and our insert, and a fresh
 * attempt, after a short random pause, chains onto them.
 */
const MAX_ATTEMPTS = 10;

/** Up to 5 ms, 10 ms, 20 ms, ... (at most 500 ms) before attempt n + 1, at random so racers spread out. */
function backoffMs(attempt: number): number {
  return Math.random() * Math.min(5 * 2 ** (attempt - 1), 500);
}

/** Another transaction committed first (our insert hit a unique index: a seq `_id`, or an append key): start over. */
class LedgerHeadMoved extends Error {}

/**
 * Chains `inputs` onto the head as the session sees it and inserts them in the session; the
 * first event carries `appendKey` when given (a duplicate of it, like a duplicate seq, means
 * another transaction committed first: start over, and the work finds what it stored).
 */
async function appendInSession(models: MongoModels, session: ClientSession, inputs: readonly LedgerEventInput[], appendKey?: string): Promise<LedgerEvent[]> {
  if (inputs.length === 0) return [];
  const head = await models.ledgerEvents.findOne({}, { hash: 1 }).sort({ _id: -1 }).session(session).lean();
  const events = chainEvents(inputs, head ? { seq: head._id, hash: head.hash } : null);
  const docs = events.map((event, i) => (i === 0 && appendKey !== undefined ? { ...ledgerEventDoc(event), appendKey } : ledgerEventDoc(event)));
  try {
    await models.ledgerEvents.insertMany(docs, { session, ordered: true });
  } catch (error) {
    throw isDuplicateKeyError(error) ? new LedgerHeadMoved('the ledger head moved', { cause: error }) : error;
  }
  return events;
}

export interface LedgerWork<T> {
  value: T;
  /** The events of what `work` changed; none when it changed nothing. */
  events: readonly LedgerEventInput[];
}

/**
 * Runs `work` (state writes, all in `session`) and appends the events it returns in the same
 * transaction (snapshot reads, majority writes): the change and its events commit together
 * or not at all, and two transactions that chained onto the same head cannot both commit.
 * `work` may run more than once (the driver retries transient errors, we retry a moved head):
 * it must read what it needs through the session and do nothing outside it. Transactions
 * need a replica set (see openMongoStore). `appendKey` is stored with the first event (a
 * direct append's idempotency key: MongoLedgerStore.append).
 */
export async function withLedger<T>(
  connection: Connection,
  models: MongoModels,
  work: (session: ClientSession) => Promise<LedgerWork<T>>,
  appendKey?: string,
): Promise<{ value: T; events: LedgerEvent[] }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connection.transaction(async (session) => {
        const done = await work(session);
        return { value: done.value, events: await appendInSession(models, session, done.events, appendKey) };
      }, TRANSACTION_OPTIONS);
    } catch (error) {
      if (!(error instanceof LedgerHeadMoved)) throw error;
      if (attempt >= MAX_ATTEMPTS) throw error.cause;
      await sleep(backoffMs(attempt));
    }
  }
}
