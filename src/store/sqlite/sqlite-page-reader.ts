/**
 * One paged read query run on a worker thread with its own read-only connection, so that a
 * long export reads (SQLite, and building a string per column, the larger half of its cost)
 * on one core while the caller formats rows on the other. The caller asks for the next page
 * as soon as a page arrives, before working on it: the two overlap.
 *
 * Pages travel as in the bulk worker (sqlite-bulk-worker.ts): field lengths (-1 for null) and
 * the concatenated fields, ROWS_PER_TEXT rows a text; numbers travel as their decimal text.
 * The connection's page cache is small (like the bulk reader's): the process's memory stays
 * flat however many rows pass. Each page is its own read transaction, as with the bulk reader.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { ENCODE_ROWS_SOURCE } from './encode-rows-source.js';
import { RowDecoder, ROWS_PER_TEXT } from './sqlite-bulk-worker.js';

const PAGE_READER_SOURCE = String.raw`
'use strict';
${ENCODE_ROWS_SOURCE}
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const db = new Database(workerData.file, { readonly: true, fileMustExist: true, timeout: workerData.busyTimeoutMs });
db.pragma('cache_size = -' + workerData.cacheKib);
const page = db.prepare(workerData.sql).raw();
const width = page.columns().length;
const ROWS_PER_TEXT = workerData.rowsPerText;

function read(msg) {
  const rows = page.all(...msg.params);
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
  fields: RowDecoder;
}

interface Reply {
  seq: number;
  error: { message: string; code: string | null } | null;
  rows?: number;
  lastKey?: string | number | null;
  texts?: string[];
  lengths?: Int32Array;
}

export class SqlitePageReader {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private seq = 0;
  private failed: Error | null = null;

  constructor(opts: { file: string; sql: string; cacheKib: number; busyTimeoutMs: number }) {
    this.worker = new Worker(PAGE_READER_SOURCE, {
      eval: true,
      name: 'sqlite-page-reader',
      workerData: { driverPath: createRequire(import.meta.url).resolve('better-sqlite3'), rowsPerText: ROWS_PER_TEXT, ...opts },
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
    return { rows: r.rows!, lastKey: r.lastKey ?? null, fields: new RowDecoder(r.texts!, r.lengths!) };
  }

  /** Closes the connection and ends the thread (pending reads fail). */
  async close(): Promise<void> {
    if (this.failed) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'close' });
    await exited;
  }
}
