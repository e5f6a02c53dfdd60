import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import type { LedgerEvent, LedgerEventInput } from '../../domain/index.js';
import { canonicalJson, GENESIS_HASH } from '../../domain/index.js';
import type { LedgerStore } from '../ports.js';
import { openBulkReader } from './bulk-reader.js';
import { pageSize } from './page-size.js';
import { parseJson } from './parse-json.js';

const DEFAULT_LEDGER_BATCH = 1_000;
const EVENT_COLUMNS = 'seq, at, type, actor, subject, data, prev_hash AS prevHash, hash';
export const LEDGER_PAGE_SQL = `SELECT ${EVENT_COLUMNS} FROM ledger_events WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?`;

/** Above every string that starts with a given prefix (U+10FFFF is the last code point). */
const PREFIX_END = '\u{10FFFF}';

type EventRow = Omit<LedgerEvent, 'data'> & { data: string };
type LedgerQuery = Parameters<LedgerStore['query']>[0];

function toEvent(row: EventRow): LedgerEvent {
  return { ...row, data: parseJson(row.data, 'ledger_events.data') };
}

/** Rows per multi-row INSERT: one statement step per 64 events instead of one per event. */
const INSERT_ROWS = 64;
const INSERT_SQL = 'INSERT INTO ledger_events (seq, at, type, actor, subject, data, prev_hash, hash) VALUES ';
const ROW_PLACEHOLDERS = '(?, ?, ?, ?, ?, ?, ?, ?)';

/**
 * An appended event whose `data` is parsed from the stored canonical JSON on first read: the
 * caller sees exactly what a later read() returns, and bulk appends (whose callers mostly use
 * only seq and hash) do not parse every event back.
 */
function appendedEvent(e: Omit<LedgerEvent, 'data'>, dataText: string): LedgerEvent {
  let data: Record<string, unknown> | undefined;
  return {
    ...e,
    get data(): Record<string, unknown> {
      return (data ??= JSON.parse(dataText) as Record<string, unknown>);
    },
  };
}

/**
 * The next event of the chain, as the domain's chainEvent builds it, in one serialisation
 * pass: the event's canonical JSON is assembled around the canonical data (keys in sorted
 * order: actor, at, data, seq, subject, type — exactly eventBody's output), hashed, and the
 * same canonical data string is what the row stores. chainEvent serialises the data twice and
 * parses it once per event, which made appends of 1M events about twice as slow.
 * The contract and tamper tests check every appended event against hashEvent / verifyRun.
 */
function nextEvent(input: LedgerEventInput, prev: { seq: number; hash: string } | null, now: () => string): { event: Omit<LedgerEvent, 'data'>; data: string } {
  const seq = prev ? prev.seq + 1 : 1;
  const prevHash = prev ? prev.hash : GENESIS_HASH;
  const at = input.at ?? now();
  const data = canonicalJson(input.data);
  const body = `{"actor":${JSON.stringify(input.actor)},"at":${JSON.stringify(at)},"data":${data},"seq":${seq},"subject":${JSON.stringify(input.subject)},"type":${JSON.stringify(input.type)}}`;
  const hash = createHash('sha256').update(body).update(prevHash).digest('hex');
  return { event: { seq, at, type: input.type, actor: input.actor, subject: input.subject, prevHash, hash }, data };
}

/**
 * The hash-chained audit ledger; seq is the primary key. Appends read the head and insert
 * under one write lock (BEGIN IMMEDIATE), so two writers, in this process or another, queue
 * instead of both chaining onto the same head.
 */
export class SqliteLedgerStore implements LedgerStore {
  private readonly selectHead;
  private readonly insertOne;
  private readonly insertMany;
  private readonly appendTx;
  /** query() statements by filter shape: the SQL is built from fixed clauses only. */
  private readonly queries = new Map<string, Database.Statement<[Record<string, string | number>], EventRow>>();

  constructor(private readonly db: Database.Database) {
    this.selectHead = db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM ledger_events ORDER BY seq DESC LIMIT 1');
    this.insertOne = db.prepare<unknown[]>(INSERT_SQL + ROW_PLACEHOLDERS);
    this.insertMany = db.prepare<unknown[]>(INSERT_SQL + Array.from({ length: INSERT_ROWS }, () => ROW_PLACEHOLDERS).join(', '));
    this.appendTx = db.transaction((inputs: readonly LedgerEventInput[]) => {
      let head = this.selectHead.get() ?? null;
      const now = () => new Date().toISOString();
      const events: LedgerEvent[] = [];
      let params: unknown[] = [];
      for (const input of inputs) {
        const { event: e, data } = nextEvent(input, head, now);
        params.push(e.seq, e.at, e.type, e.actor, e.subject, data, e.prevHash, e.hash);
        if (params.length === INSERT_ROWS * 8) {
          this.insertMany.run(params);
          params = [];
        }
        events.push(appendedEvent(e, data));
        head = e;
      }
      for (let i = 0; i < params.length; i += 8) this.insertOne.run(params.slice(i, i + 8));
      return events;
    });
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
    const size = pageSize(batchSize, DEFAULT_LEDGER_BATCH);
    const reader = openBulkReader(this.db);
    try {
      const selectPage = reader.db.prepare<[number, number, number], EventRow>(LEDGER_PAGE_SQL);
      let next = fromSeq;
      while (next <= toSeq) {
        const page = selectPage.all(next, toSeq, size).map(toEvent);
        if (page.length === 0) return;
        yield page;
        if (page.length < size) return;
        next = (page[page.length - 1] as LedgerEvent).seq + 1;
      }
    } finally {
      reader.close();
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
    return this.statementFor(clauses).all(params).map(toEvent);
  }

  private statementFor(clauses: string[]) {
    const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
    let statement = this.queries.get(where);
    if (!statement) {
      statement = this.db.prepare<[Record<string, string | number>], EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM ledger_events ${where} ORDER BY seq LIMIT @limit`,
      );
      this.queries.set(where, statement);
    }
    return statement;
  }
}
