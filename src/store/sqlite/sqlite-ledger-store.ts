import type Database from 'better-sqlite3';
import type { LedgerEvent, LedgerEventInput } from '../../domain/index.js';
import { chainEvent } from '../../domain/index.js';
import type { LedgerStore } from '../ports.js';
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

/**
 * The hash-chained audit ledger; seq is the primary key. Appends read the head and insert
 * under one write lock (BEGIN IMMEDIATE), so two writers, in this process or another, queue
 * instead of both chaining onto the same head.
 */
export class SqliteLedgerStore implements LedgerStore {
  private readonly selectHead;
  private readonly insertEvent;
  private readonly selectPage;
  private readonly appendTx;
  /** query() statements by filter shape: the SQL is built from fixed clauses only. */
  private readonly queries = new Map<string, Database.Statement<[Record<string, string | number>], EventRow>>();

  constructor(private readonly db: Database.Database) {
    this.selectHead = db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM ledger_events ORDER BY seq DESC LIMIT 1');
    this.insertEvent = db.prepare<[LedgerEvent, string]>(
      `INSERT INTO ledger_events (seq, at, type, actor, subject, data, prev_hash, hash)
       VALUES (@seq, @at, @type, @actor, @subject, ?, @prevHash, @hash)`,
    );
    this.selectPage = db.prepare<[number, number, number], EventRow>(LEDGER_PAGE_SQL);
    this.appendTx = db.transaction((inputs: readonly LedgerEventInput[]) => {
      let head = this.selectHead.get() ?? null;
      const events: LedgerEvent[] = [];
      for (const input of inputs) {
        const event = chainEvent(input, head);
        this.insertEvent.run(event, JSON.stringify(event.data));
        events.push(event);
        head = event;
      }
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

  async *read(fromSeq = 1, toSeq = Number.MAX_SAFE_INTEGER, batchSize?: number): AsyncIterable<LedgerEvent[]> {
    const size = pageSize(batchSize, DEFAULT_LEDGER_BATCH);
    let next = fromSeq;
    while (next <= toSeq) {
      const page = this.selectPage.all(next, toSeq, size).map(toEvent);
      if (page.length === 0) return;
      yield page;
      if (page.length < size) return;
      next = (page[page.length - 1] as LedgerEvent).seq + 1;
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
