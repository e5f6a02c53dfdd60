import type Database from 'better-sqlite3';
import type { ChainLink, LedgerEvent, LedgerEventInput } from '../../domain/index.js';
import { chainLink } from '../../domain/index.js';

/** Rows per multi-row INSERT: one statement step per 64 events instead of one per event. */
const INSERT_ROWS = 64;
const INSERT_SQL = 'INSERT INTO ledger_events (seq, at, type, actor, subject, data, prev_hash, hash) VALUES ';
const ROW_PLACEHOLDERS = '(?, ?, ?, ?, ?, ?, ?, ?)';
export const LEDGER_HEAD_SQL = 'SELECT seq, hash FROM ledger_events ORDER BY seq DESC LIMIT 1';

/**
 * Puts an event's 8 column values into `row` from `at0`: the data column is the canonical JSON
 * the domain hashed (chainLink), so each event's data is serialised once.
 */
function toRow({ event: e, dataJson }: ChainLink, row: unknown[], at0: number): void {
  row[at0] = e.seq;
  row[at0 + 1] = e.at;
  row[at0 + 2] = e.type;
  row[at0 + 3] = e.actor;
  row[at0 + 4] = e.subject;
  row[at0 + 5] = dataJson;
  row[at0 + 6] = e.prevHash;
  row[at0 + 7] = e.hash;
}

/** Appends events at the head of the chain; returns them with seq and hash. */
export type LedgerAppender = (inputs: readonly LedgerEventInput[]) => LedgerEvent[];

/**
 * The one way events enter the SQLite ledger: reads the head and chains the inputs onto it.
 * It starts no transaction of its own: the caller runs it inside the write transaction
 * (BEGIN IMMEDIATE) of the state change the events describe, so both commit or neither, and
 * the write lock keeps any other appender, in this process or another, off the head meanwhile.
 */
export function createLedgerAppender(db: Database.Database): LedgerAppender {
  const selectHead = db.prepare<[], { seq: number; hash: string }>(LEDGER_HEAD_SQL);
  const insertOne = db.prepare<unknown[]>(INSERT_SQL + ROW_PLACEHOLDERS);
  const insertMany = db.prepare<unknown[]>(INSERT_SQL + Array.from({ length: INSERT_ROWS }, () => ROW_PLACEHOLDERS).join(', '));
  return (inputs) => {
    if (inputs.length === 0) return [];
    if (!db.inTransaction) throw new Error('ledger events are appended inside the transaction of the change they record');
    let head = selectHead.get() ?? null;
    const events: LedgerEvent[] = [];
    const params: unknown[] = new Array(INSERT_ROWS * 8);
    let filled = 0;
    for (const input of inputs) {
      const link = chainLink(input, head);
      toRow(link, params, filled);
      filled += 8;
      if (filled === params.length) {
        insertMany.run(params);
        filled = 0;
      }
      events.push(link.event);
      head = link.event;
    }
    for (let i = 0; i < filled; i += 8) insertOne.run(params.slice(i, i + 8));
    return events;
  };
}
