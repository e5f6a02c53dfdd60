/**
 * One paged read query run on a worker thread with its own read-only connection, so that a
 * long export reads on one core while the caller formats rows on the other. The caller asks
 * for the next page as soon as a page arrives, before working on it: the two overlap.
 *
 * A page is read as texts that SQLite joins (page-text.ts); this thread finds each field's
 * offsets in them and the caller slices the fields out. When a text does not decode (a value
 * holds the separator), the page is read again as ordinary rows, which travel as in the bulk
 * worker (sqlite-bulk-worker.ts): field lengths (-1 for null) and the concatenated fields,
 * ROWS_PER_TEXT rows a text.
 * The connection's page cache is small (like the bulk reader's): the process's memory stays
 * flat however many rows pass. Each read is its own read transaction, as with the bulk reader.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { ENCODE_ROWS_SOURCE } from './encode-rows-source.js';
import type { FieldCursor, PageColumn } from './page-text.js';
import { OffsetFields, PAGE_TEXT_OFFSETS_SOURCE, PAGE_TEXT_ROWS, pageColumnsSql, pageTextSql } from './page-text.js';
import { RowDecoder, ROWS_PER_TEXT } from './sqlite-bulk-worker.js';

const PAGE_READER_SOURCE = String.raw`
'use strict';
${ENCODE_ROWS_SOURCE}
${PAGE_TEXT_OFFSETS_SOURCE}
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const db = new Database(workerData.file, { readonly: true, fileMustExist: true, timeout: workerData.busyTimeoutMs });
db.pragma('cache_size = -' + workerData.cacheKib);
const pageText = db.prepare(workerData.textSql).raw();
const pageRows = db.prepare(workerData.columnsSql).raw();
const ROWS_PER_TEXT = workerData.rowsPerText;

const nullable = workerData.nullable;
const width = nullable.length;

function read(msg) {
  const chunks = pageText.all(...msg.params);
  const page = pageTextOffsets(chunks, nullable);
  if (page) {
    parentPort.postMessage({ seq: msg.seq, error: null, rows: page.rows, lastKey: page.lastKey, texts: chunks.map((c) => c[1]), offsets: page.offsets }, [page.offsets.buffer]);
    return;
  }
  // A text does not decode (a value holds the separator): the whole page as rows.
  const rows = pageRows.all(...msg.params);
  const { texts, lengths } = encodeRows(rows, 0, width, ROWS_PER_TEXT);
  parentPort.postMessage({ seq: msg.seq, error: null, rows: rows.length, lastKey: rows.length > 0 ? rows[rows.length - 1][0] : null, texts, lengths }, [lengths.buffer]);
}

parentPort.on('message', (msg) => {
  if (msg.type === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    read(msg);
  } catch (err) {
    parentPort.postMessage({ seq: msg.seq, error: { message: err && err.message ? err.message : String(err), code: err && err.code ? err.code : null } });
  }
});
`;

export interface RawPage {
  rows: number;
  /** The first column of the last row (the key to page on), null for an empty page. */
  lastKey: string | number | null;
  /** The page's fields, row after row, column after column (strings; numbers as decimal text). */
  fields: FieldCursor;
  /** How the page was read: as one text, or (its text did not decode) as rows. */
  via: 'text' | 'rows';
}

interface Reply {
  seq: number;
  error: { message: string; code: string | null } | null;
  rows?: number;
  /** Read as text: each field's [start, end) in its text, PAGE_TEXT_ROWS rows a text. */
  offsets?: Int32Array;
  lastKey?: string | number | null;
  texts?: string[];
  lengths?: Int32Array;
}

export class SqlitePageReader {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private seq = 0;
  private failed: Error | null = null;

  /** `rest`: FROM ... ORDER BY <first column> LIMIT ? (page-text.ts); read(params) fills its parameters. */
  constructor(opts: { file: string; columns: readonly PageColumn[]; rest: string; cacheKib: number; busyTimeoutMs: number }) {
    this.worker = new Worker(PAGE_READER_SOURCE, {
      eval: true,
      name: 'sqlite-page-reader',
      workerData: {
        driverPath: createRequire(import.meta.url).resolve('better-sqlite3'),
        rowsPerText: ROWS_PER_TEXT,
        file: opts.file,
        cacheKib: opts.cacheKib,
        busyTimeoutMs: opts.busyTimeoutMs,
        nullable: opts.columns.map((c) => c.kind === 'nullable'),
        textSql: pageTextSql(opts.columns, opts.rest),
        columnsSql: pageColumnsSql(opts.columns, opts.rest),
      },
    });
    this.worker.on('message', (reply: Reply) => {
      const p = this.pending.get(reply.seq);
      this.pending.delete(reply.seq);
      if (reply.error) p?.reject(Object.assign(new Error(reply.error.message), reply.error.code ? { code: reply.error.code } : {}));
      else p?.resolve(reply);
    });
    const fail = (error: Error) => {
      this.failed = error;
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the SQLite page reader exited (code ${code})`)));
  }

  /** One page: the query run with `params`. */
  async read(params: readonly (string | number)[]): Promise<RawPage> {
    if (this.failed) throw this.failed;
    const seq = ++this.seq;
    const reply = new Promise<Reply>((resolve, reject) => this.pending.set(seq, { resolve, reject }));
    this.worker.postMessage({ seq, params });
    const r = await reply;
    const fields: FieldCursor = r.offsets ? new OffsetFields(r.texts!, r.offsets, PAGE_TEXT_ROWS) : new RowDecoder(r.texts!, r.lengths!);
    return { rows: r.rows!, lastKey: r.lastKey ?? null, fields, via: r.offsets ? 'text' : 'rows' };
  }

  /** Closes the connection and ends the thread (pending reads fail). */
  async close(): Promise<void> {
    if (this.failed) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'close' });
    await exited;
  }
}
