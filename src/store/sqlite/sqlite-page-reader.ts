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
 * flat however many rows pass. A page's offsets buffer, once the caller released the page,
 * goes back to the thread with the next read and is filled again there. Each read is its own read transaction, as with the bulk reader.
 */
import type { Worker } from 'node:worker_threads';
import type { FieldCursor, PageColumn } from './page-text.js';
import { OffsetFields, PAGE_TEXT_ROWS, pageColumnsSql, pageTextSql } from './page-text.js';
import { RowDecoder, ROWS_PER_TEXT } from './sqlite-bulk-worker.js';
import type { PageReaderData, PageReaderReply as Reply, PageReaderRequest } from './sqlite-page-reader-thread.js';
import { startWorker } from './start-worker.js';
import { fromWorkerError } from './worker-error.js';

export interface RawPage {
  rows: number;
  /** The first column of the last row (the key to page on), null for an empty page. */
  lastKey: string | number | null;
  /** The page's fields, row after row, column after column (strings; numbers as decimal text). */
  fields: FieldCursor;
  /** How the page was read: as one text, or (its text did not decode) as rows. */
  via: 'text' | 'rows';
  /** Says the caller read every field it wanted: the page's buffers go back to the thread for a later page (`fields` must not be read after). */
  release(): void;
}

export class SqlitePageReader {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private seq = 0;
  private failed: Error | null = null;
  /** Buffers of released pages, sent back to the thread with the next read. */
  private spare: ArrayBuffer[] = [];

  /** `rest`: FROM ... ORDER BY <first column> LIMIT ? (page-text.ts); read(params) fills its parameters. */
  constructor(opts: { file: string; columns: readonly PageColumn[]; rest: string; cacheKib: number; busyTimeoutMs: number }) {
    const workerData: PageReaderData = {
      file: opts.file,
      cacheKib: opts.cacheKib,
      busyTimeoutMs: opts.busyTimeoutMs,
      nullable: opts.columns.map((c) => c.kind === 'nullable'),
      integerKey: opts.columns[0]?.kind === 'integer',
      textSql: pageTextSql(opts.columns, opts.rest),
      columnsSql: pageColumnsSql(opts.columns, opts.rest),
      rowsPerText: ROWS_PER_TEXT,
    };
    this.worker = startWorker(new URL('./sqlite-page-reader-thread.js', import.meta.url), { name: 'sqlite-page-reader', workerData });
    this.worker.on('message', (reply: Reply) => {
      const p = this.pending.get(reply.seq);
      this.pending.delete(reply.seq);
      if (reply.error) p?.reject(fromWorkerError(reply.error));
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
  async read(params: readonly (string | number | null)[]): Promise<RawPage> {
    if (this.failed) throw this.failed;
    const seq = ++this.seq;
    const reply = new Promise<Reply>((resolve, reject) => this.pending.set(seq, { resolve, reject }));
    const spare = this.spare;
    this.spare = [];
    this.worker.postMessage({ seq, params, spare } satisfies PageReaderRequest, spare);
    const r = await reply;
    const fields: FieldCursor = r.offsets ? new OffsetFields(r.texts!, r.offsets, PAGE_TEXT_ROWS) : new RowDecoder(r.texts!, r.lengths!);
    const offsets = r.offsets;
    const release = () => {
      if (offsets && offsets.buffer.byteLength > 0 && !this.spare.includes(offsets.buffer as ArrayBuffer)) this.spare.push(offsets.buffer as ArrayBuffer);
    };
    return { rows: r.rows!, lastKey: r.lastKey ?? null, fields, via: r.offsets ? 'text' : 'rows', release };
  }

  /** Closes the connection and ends the thread (pending reads fail). */
  async close(): Promise<void> {
    if (this.failed) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'close' } satisfies PageReaderRequest);
    await exited;
  }
}
