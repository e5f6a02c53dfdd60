import type Database from 'better-sqlite3';
import type { LedgerEvent, LedgerEventInput } from '../../domain/index.js';
import type { LedgerStore, StoredLedgerEvent } from '../ports.js';
import { openBulkReader } from './bulk-reader.js';
import { createLedgerAppender, LEDGER_HEAD_SQL } from './ledger-appender.js';
import { pageSize } from './page-size.js';
import { parseJson } from './parse-json.js';

const DEFAULT_LEDGER_BATCH = 1_000;
const EVENT_COLUMNS = 'seq, at, type, actor, subject, data, prev_hash AS prevHash, hash';
export const LEDGER_PAGE_SQL = `SELECT ${EVENT_COLUMNS} FROM ledger_events WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?`;

/** Above every string that starts with a given prefix (U+10FFFF is the last code point). */
const PREFIX_END = '\u{10FFFF}';

type EventRow = Omit<LedgerEvent, 'data'> & { data: string };
/** readStored's columns, in StoredRow's order. */
const STORED_COLUMNS = 'seq, at, type, actor, subject, data, prev_hash, hash';
type StoredRow = [number, string, string, string, string, string, string, string];
const STORED_PAGE_SQL = `SELECT ${STORED_COLUMNS} FROM ledger_events WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?`;
/**
 * The same page, each row as one text: its fields joined by U+001F (storedRowOf splits them). A
 * row with a value that is not text (only an edited database has one) reads as NULL, and its
 * page is read again by STORED_PAGE_SQL, as is a page with a value holding U+001F.
 */
const STORED_TEXT_PAGE_SQL = `SELECT CASE WHEN ${STORED_COLUMNS.split(', ')
  .slice(1)
  .map((c) => `typeof(${c}) = 'text'`)
  .join(' AND ')} THEN concat_ws(char(31), ${STORED_COLUMNS}) END FROM ledger_events WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?`;
const SEPARATOR = '\u001f';

/**
 * A row of STORED_TEXT_PAGE_SQL as the event STORED_PAGE_SQL reads, or null when it is not
 * exactly eight fields (a value holds the separator, or the row is NULL: a value is not text).
 * The seq is an INTEGER PRIMARY KEY: its text is its decimal form, Number() gives it back.
 */
export function storedRowOf(row: string | null): StoredLedgerEvent | null {
  if (row === null) return null;
  const fields: string[] = [];
  let pos = 0;
  for (let c = 0; c < 7; c++) {
    const end = row.indexOf(SEPARATOR, pos);
    if (end < 0) return null;
    fields.push(row.slice(pos, end));
    pos = end + 1;
  }
  if (row.indexOf(SEPARATOR, pos) >= 0) return null;
  const [seq, at, type, actor, subject, dataJson, prevHash] = fields as [string, string, string, string, string, string, string];
  return { seq: Number(seq), at, type, actor, subject, dataJson, prevHash, hash: row.slice(pos) };
}
type LedgerQuery = Parameters<LedgerStore['query']>[0];

function toEvent(row: EventRow): LedgerEvent {
  return { ...row, data: parseJson(row.data, 'ledger_events.data') };
}

/**
 * The hash-chained audit ledger; seq is the primary key. Appends read the head and insert
 * under one write lock (BEGIN IMMEDIATE), so two writers, in this process or another, queue
 * instead of both chaining onto the same head. append() is for events that change no state
 * (a refusal); the other stores append the events of their changes through the same
 * appender inside their own transactions (ledger-appender.ts).
 */
export class SqliteLedgerStore implements LedgerStore {
  private readonly selectHead;
  private readonly appendTx;
  /** query() statements by filter shape: the SQL is built from fixed clauses only. */
  private readonly queries = new Map<string, Database.Statement<[Record<string, string | number>], EventRow>>();

  constructor(private readonly db: Database.Database) {
    this.selectHead = db.prepare<[], { seq: number; hash: string }>(LEDGER_HEAD_SQL);
    this.appendTx = db.transaction(createLedgerAppender(db));
  }

  async append(inputs: readonly LedgerEventInput[]): Promise<LedgerEvent[]> {
    if (inputs.length === 0) return [];
    return this.appendTx.immediate(inputs);
  }

  async head(): Promise<{ seq: number; hash: string } | null> {
    return this.selectHead.get() ?? null;
  }

  /** Reads through a bulk reader (see bulk-reader.ts): verifying or exporting 1M events keeps memory flat. */
  async *read(fromSeq = 1, toSeq = Number.MAX_SAFE_INTEGER, batchSize?: number): AsyncIterable<LedgerEvent[]> {
    const rows = (db: Database.Database) => {
      const select = db.prepare<[number, number, number], EventRow>(LEDGER_PAGE_SQL);
      return (next: number, to: number, size: number) => select.all(next, to, size);
    };
    for await (const page of this.pages(rows, fromSeq, toSeq, batchSize, (row) => row.seq)) yield page.map(toEvent);
  }

  /**
   * The data column's text as stored (no parse). Each row is read as one text and split here
   * (STORED_TEXT_PAGE_SQL): better-sqlite3 makes one string per column, which cost ~0.6 s of
   * CPU more than one per row for the 1M rows of a 1M-grant firm's ledger (1.5 against 0.9 s,
   * of which 0.74 s is SQLite's scan). A page whose texts do not split into eight fields each is
   * read again as columns (as arrays: a third less CPU than SQLite's row objects).
   */
  async *readStored(fromSeq = 1, toSeq = Number.MAX_SAFE_INTEGER, batchSize?: number): AsyncIterable<StoredLedgerEvent[]> {
    yield* this.pages(
      (db) => {
        const selectTexts = db.prepare<[number, number, number], string | null>(STORED_TEXT_PAGE_SQL).pluck();
        const selectRows = db.prepare<[number, number, number], StoredRow>(STORED_PAGE_SQL).raw();
        return (next, to, size) => {
          const texts = selectTexts.all(next, to, size);
          const page = new Array<StoredLedgerEvent>(texts.length);
          for (let k = 0; k < texts.length; k++) {
            const e = storedRowOf(texts[k]!);
            if (e === null) return selectRows.all(next, to, size).map(([seq, at, type, actor, subject, dataJson, prevHash, hash]) => ({ seq, at, type, actor, subject, dataJson, prevHash, hash }));
            page[k] = e;
          }
          return page;
        };
      },
      fromSeq,
      toSeq,
      batchSize,
      (e) => e.seq,
    );
  }

  /**
   * Pages of rows in seq order, each read by `reader` (prepared once on the bulk reader's
   * connection; params: the first seq, the last, the page size); `seqOf` gives a row's seq.
   */
  private async *pages<R>(reader: (db: Database.Database) => (next: number, to: number, size: number) => R[], fromSeq: number, toSeq: number, batchSize: number | undefined, seqOf: (row: R) => number): AsyncIterable<R[]> {
    const size = pageSize(batchSize, DEFAULT_LEDGER_BATCH);
    const bulk = openBulkReader(this.db);
    try {
      const readPage = reader(bulk.db);
      let next = fromSeq;
      while (next <= toSeq) {
        const page = readPage(next, toSeq, size);
        if (page.length === 0) return;
        yield page;
        if (page.length < size) return;
        next = seqOf(page[page.length - 1] as R) + 1;
      }
    } finally {
      bulk.close();
    }
  }

  /** `since` inclusive, `until` exclusive, `type` a prefix ('campaign.' matches 'campaign.opened'). */
  async query(filter: LedgerQuery): Promise<LedgerEvent[]> {
    const clauses: string[] = [];
    const params: Record<string, string | number> = { limit: filter.limit ?? -1 };
    if (filter.since !== undefined) {
      clauses.push('at >= @since');
      params.since = filter.since;
    }
    if (filter.until !== undefined) {
      clauses.push('at < @until');
      params.until = filter.until;
    }
    if (filter.type) {
      clauses.push('type >= @type AND type < @typeEnd');
      params.type = filter.type;
      params.typeEnd = filter.type + PREFIX_END;
    }
    if (filter.subject !== undefined) {
      clauses.push('subject = @subject');
      params.subject = filter.subject;
    }
    return this.statementFor(clauses, filter.since !== undefined || filter.until !== undefined).all(params).map(toEvent);
  }

  /**
   * A time-bounded query walks the time index in (at, seq) order: "oldest first" as the port
   * says, and seq order wherever times follow appends. Ordered by seq instead, SQLite scans
   * the table from seq 1 to avoid a sort, even for `since ... LIMIT 1` near the head.
   */
  private statementFor(clauses: string[], timeBounded: boolean) {
    const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
    const key = `${timeBounded}:${where}`;
    let statement = this.queries.get(key);
    if (!statement) {
      const from = timeBounded ? 'ledger_events INDEXED BY ledger_events_by_at' : 'ledger_events';
      const order = timeBounded ? 'at, seq' : 'seq';
      statement = this.db.prepare<[Record<string, string | number>], EventRow>(`SELECT ${EVENT_COLUMNS} FROM ${from} ${where} ORDER BY ${order} LIMIT @limit`);
      this.queries.set(key, statement);
    }
    return statement;
  }

}
