/**
 * The thread of the SQLite page reader (see SqlitePageReader, which starts it with
 * PageReaderData): one paged read query on its own read-only connection.
 *
 * Requests (main -> worker): { seq, params } reads one page, { type: 'close' } closes and
 * exits. Replies (PageReaderReply): a page read as texts, with each field's offsets in them
 * (page-text.ts); or, when a text does not decode (a value holds the separator), the page
 * read again as rows, which travel as field lengths and texts (encode-rows.ts); or
 * { seq, error: { message, code } }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { Cell } from './encode-rows.js';
import { encodeRows } from './encode-rows.js';
import { joinPageTexts, pageTextOffsets } from './page-text.js';
import type { WorkerError } from './worker-error.js';
import { toWorkerError } from './worker-error.js';

export interface PageReaderData {
  file: string;
  cacheKib: number;
  busyTimeoutMs: number;
  /** Per column: whether it is 'nullable' (page-text.ts). */
  nullable: boolean[];
  /** Whether the key (first column) is an 'integer' one (page-text.ts). */
  integerKey: boolean;
  /** The page as texts (pageTextSql) and as rows (pageColumnsSql), with the same parameters. */
  textSql: string;
  columnsSql: string;
  /** Rows per text of a page read as rows. */
  rowsPerText: number;
}

/** `spare`: offsets buffers of earlier pages the caller is done with, for this thread to reuse. */
export type PageReaderRequest = { seq: number; type?: undefined; params: readonly (string | number | null)[]; spare: ArrayBuffer[] } | { type: 'close' };

export interface PageReaderReply {
  seq: number;
  error: WorkerError | null;
  rows?: number;
  /** Read as text: each field's [start, end) in its text, PAGE_TEXT_ROWS rows a text. */
  offsets?: Int32Array;
  lastKey?: string | number | null;
  texts?: string[];
  /** Read as rows: the field lengths (-1 for null), rowsPerText rows a text. */
  lengths?: Int32Array;
}

if (!parentPort) throw new Error('sqlite-page-reader-thread runs as a worker thread');
const port = parentPort;
const data = workerData as PageReaderData;

const db = new Database(data.file, { readonly: true, fileMustExist: true, timeout: data.busyTimeoutMs });
db.pragma(`cache_size = -${data.cacheKib}`);
const pageText = db.prepare<(string | number | null)[], string>(data.textSql).pluck();
const pageRows = db.prepare<(string | number | null)[], Cell[]>(data.columnsSql).raw();
const ROWS_PER_TEXT = data.rowsPerText;
const nullable = data.nullable;
const width = nullable.length;

/**
 * Offsets buffers returned by the caller (PageReaderRequest.spare), reused for the next pages:
 * each page's offsets would otherwise be a new ArrayBuffer (~230 KB a page of items) that the
 * main thread frees only at a full collection (~40 MB of them at an export's peak).
 */
const spares: ArrayBuffer[] = [];
const MAX_SPARES = 4;

function offsetsOf(length: number): Int32Array {
  const i = spares.findIndex((b) => b.byteLength >= length * 4);
  return i < 0 ? new Int32Array(length) : new Int32Array(spares.splice(i, 1)[0]!, 0, length);
}

function reply(message: PageReaderReply, transfer: ArrayBuffer[]): void {
  port.postMessage(message, transfer);
}

function read(msg: { seq: number; params: readonly (string | number | null)[]; spare: ArrayBuffer[] }): void {
  for (const b of msg.spare) if (spares.length < MAX_SPARES) spares.push(b);
  const chunks = joinPageTexts(pageText.all(...msg.params));
  const page = pageTextOffsets(chunks, nullable, offsetsOf, data.integerKey);
  if (page) {
    reply({ seq: msg.seq, error: null, rows: page.rows, lastKey: page.lastKey, texts: chunks.map((c) => c[1]), offsets: page.offsets }, [page.offsets.buffer as ArrayBuffer]);
    return;
  }
  // A text does not decode (a value holds the separator): the whole page as rows.
  const rows = pageRows.all(...msg.params);
  const { texts, lengths } = encodeRows(rows, 0, width, ROWS_PER_TEXT);
  reply({ seq: msg.seq, error: null, rows: rows.length, lastKey: rows.length > 0 ? (rows[rows.length - 1]![0] as string | number) : null, texts, lengths }, [lengths.buffer as ArrayBuffer]);
}

port.on('message', (msg: PageReaderRequest) => {
  if (msg.type === 'close') {
    db.close();
    port.close();
    return;
  }
  try {
    read(msg);
  } catch (err) {
    port.postMessage({ seq: msg.seq, error: toWorkerError(err) } satisfies PageReaderReply);
  }
});
