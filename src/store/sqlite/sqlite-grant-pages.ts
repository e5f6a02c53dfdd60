/**
 * Large snapshots' grants read on a page reader's thread (SqlitePageReader): each page as a
 * few texts (page-text.ts: one per row from SQLite, joined 32 rows a text on the thread), so
 * the caller gets one string per 32 rows instead of one per column, with each field's offsets; it slices the
 * fields out into Grants. The next page is asked for as soon as a page arrives, so the thread
 * reads while the caller works on the current one. One thread (GrantPageThread) reads the
 * snapshots of one SnapshotStore.grantsOf call one after another: starting a thread, its
 * modules and its connection cost ~0.1 s of CPU each, once per large snapshot before.
 *
 * A thread reads in one of two orders (GrantPageOrder). By id (SnapshotStore.grants): the same
 * rows, order and Grants as SqliteSnapshotStore's keyset pages (GRANTS_NEXT_PAGE_SQL, and
 * GRANT_ROW_TEXTS_SQL below): the (system_key, id, delta_key) index, ids ascending, `detail`
 * absent when there is none. As stored (SnapshotStore.grantsOf): the same Grants, one delta's
 * rows after another, by row (GRANT_STORED_PAGE_REST).
 */
import type { Grant } from '../../domain/index.js';
import { grantOfFields } from './grant-fields.js';
import { VISIBLE, type ViewParams } from './grant-view.js';
import type { FieldCursor, PageColumn } from './page-text.js';
import { OffsetFields, pageColumnsSql, pageTextOffsets, pageTextSql } from './page-text.js';
import type { RawPage } from './sqlite-page-reader.js';
import { SqlitePageReader } from './sqlite-page-reader.js';

/** The grant row's fields, in Grant order (system id aside: it is the snapshot's). */
export const GRANT_PAGE_COLUMNS: readonly PageColumn[] = [
  { sql: 'id', kind: 'text' },
  { sql: 'account_id', kind: 'text' },
  { sql: 'role', kind: 'text' },
  { sql: 'scope', kind: 'text' },
  { sql: 'identity_id', kind: 'nullable' },
  { sql: 'identity_ref', kind: 'nullable' },
  { sql: 'account_display_name', kind: 'nullable' },
  { sql: 'account_type', kind: 'text' },
  { sql: 'account_status', kind: 'text' },
  { sql: 'last_activity_at', kind: 'nullable' },
  { sql: 'first_seen_at', kind: 'nullable' },
  { sql: 'detail', kind: 'nullable' },
];

/** Params: system key, the id to read after, VISIBLE's params, page size. */
export const GRANT_PAGE_REST = `FROM grants WHERE system_key = ? AND id > ? AND ${VISIBLE} ORDER BY id LIMIT ?`;

/**
 * Storage order (SnapshotStore.grantsOf): one delta's rows at a time, by row, through the
 * (delta_key) index, whose entries end with the row: the table is read in row order, each
 * page once, where id order looks every row up at random (grant ids are hashes). At 1M grants
 * the read of the five snapshots cost 1.35-1.6 s of CPU instead of 3.9 s. The row leads, as
 * the key the pages follow; the grant's fields come after it in GRANT_PAGE_COLUMNS order.
 * Params: delta key, the row to read after, VISIBLE's params, page size.
 */
export const GRANT_STORED_PAGE_COLUMNS: readonly PageColumn[] = [{ sql: 'row', kind: 'integer' }, ...GRANT_PAGE_COLUMNS];
export const GRANT_STORED_PAGE_REST = `FROM grants WHERE delta_key = ? AND row > ? AND ${VISIBLE} ORDER BY row LIMIT ?`;
/** GRANT_STORED_PAGE_REST's page on the caller's connection, as row texts and as columns (the fallback). */
export const GRANT_STORED_ROW_TEXTS_SQL = pageTextSql(GRANT_STORED_PAGE_COLUMNS, GRANT_STORED_PAGE_REST);
export const GRANT_STORED_COLUMNS_SQL = pageColumnsSql(GRANT_STORED_PAGE_COLUMNS, GRANT_STORED_PAGE_REST);
/** Before every row: a storage-order read starts after it. */
export const BEFORE_FIRST_ROW = Number.MIN_SAFE_INTEGER;

/** The order a GrantPageThread reads in: by grant id (one system's index), or as stored (one delta's rows). */
export type GrantPageOrder = 'id' | 'stored';

/**
 * A page read on the caller's own connection (small snapshots, the first page of a large one,
 * a store without the thread): one text per row (pageTextSql), the Grant's fields sliced out
 * of it. Params as GRANT_PAGE_REST's. Reading the 13 columns as values costs one string each
 * from better-sqlite3: 20-30% more CPU reading a 280k-grant snapshot in 512-grant pages.
 */
export const GRANT_ROW_TEXTS_SQL = pageTextSql(GRANT_PAGE_COLUMNS, GRANT_PAGE_REST);

const NULLABLE = GRANT_PAGE_COLUMNS.map((c) => c.kind === 'nullable');
const STORED_NULLABLE = GRANT_STORED_PAGE_COLUMNS.map((c) => c.kind === 'nullable');

/**
 * The Grants of a page's row texts (GRANT_ROW_TEXTS_SQL), or null when one does not decode (a
 * value holds the separator): the caller reads that page as columns instead.
 */
export function grantsOfRowTexts(rows: readonly string[], systemId: string): Grant[] | null {
  const page = pageTextOffsets(rows.map((r) => [1, r] as const), NULLABLE);
  if (!page) return null;
  const fields = new OffsetFields(rows, page.offsets, 1);
  const grants = new Array<Grant>(page.rows);
  for (let r = 0; r < grants.length; r++) grants[r] = grantOf(fields, systemId);
  return grants;
}

/**
 * A storage-order page's Grants and last row, from its row texts (GRANT_STORED_ROW_TEXTS_SQL),
 * or null when one does not decode: the caller reads that page as columns instead.
 */
export function storedGrantsOfRowTexts(rows: readonly string[], systemId: string): { grants: Grant[]; lastRow: number | null } | null {
  const page = pageTextOffsets(rows.map((r) => [1, r] as const), STORED_NULLABLE, undefined, true);
  if (!page) return null;
  const fields = new OffsetFields(rows, page.offsets, 1);
  const grants = new Array<Grant>(page.rows);
  for (let r = 0; r < grants.length; r++) grants[r] = storedGrantOf(fields, systemId);
  return { grants, lastRow: page.lastKey as number | null };
}

/** The same from the page read as columns (GRANT_STORED_COLUMNS_SQL, raw rows). */
export function storedGrantsOfColumns(rows: readonly (readonly (string | number | null)[])[], systemId: string): { grants: Grant[]; lastRow: number | null } {
  const fields = new ColumnFields(rows);
  const grants = new Array<Grant>(rows.length);
  for (let r = 0; r < grants.length; r++) grants[r] = storedGrantOf(fields, systemId);
  return { grants, lastRow: rows.length > 0 ? (rows[rows.length - 1]![0] as number) : null };
}

/** Raw rows as a FieldCursor (values as strings, as the texts give them). */
class ColumnFields implements FieldCursor {
  private row = -1;
  private column = 0;

  constructor(private readonly rows: readonly (readonly (string | number | null)[])[]) {}

  startRow(): void {
    this.row++;
    this.column = 0;
  }

  next(): string | null {
    const v = this.rows[this.row]![this.column++];
    return v === null || v === undefined ? null : String(v);
  }
}

/** The reader thread's page cache, in KiB: a snapshot's pages are read once, in index order. */
const GRANT_PAGES_CACHE_KIB = 8_192;

/**
 * The thread that reads grant pages, started on the first read and kept for the next
 * snapshots until close(). A reader of several snapshots (SnapshotStore.grantsOf) shares one.
 */
export class GrantPageThread {
  private reader: SqlitePageReader | null = null;

  constructor(private readonly opts: { file: string; busyTimeoutMs: number; order: GrantPageOrder }) {}

  get order(): GrantPageOrder {
    return this.opts.order;
  }

  /** Whether the thread is up (a read started it and it is not closed). */
  get started(): boolean {
    return this.reader !== null;
  }

  /** The thread's reader, started if it is not yet. */
  open(): SqlitePageReader {
    const stored = this.opts.order === 'stored';
    this.reader ??= new SqlitePageReader({
      file: this.opts.file,
      columns: stored ? GRANT_STORED_PAGE_COLUMNS : GRANT_PAGE_COLUMNS,
      rest: stored ? GRANT_STORED_PAGE_REST : GRANT_PAGE_REST,
      cacheKib: GRANT_PAGES_CACHE_KIB,
      busyTimeoutMs: this.opts.busyTimeoutMs,
    });
    return this.reader;
  }

  /** Ends the thread, if it was started. */
  async close(): Promise<void> {
    const reader = this.reader;
    this.reader = null;
    await reader?.close();
  }
}

export interface GrantPagesOptions {
  thread: GrantPageThread;
  systemId: string;
  /** By id: the system's key; as stored: the delta's. */
  key: number;
  view: ViewParams;
  /** By id: the id to read after ('' for the first grant); as stored: the row (BEFORE_FIRST_ROW). */
  after: string | number;
  /** Rows per page read on the thread; batches of `size` are yielded. */
  pageRows: number;
  size: number;
}

/**
 * The snapshot's grants (as stored: the delta's) after `after`, `size` at a time, read
 * `pageRows` a page on the thread, in the thread's order. The thread stays up for the caller's
 * next snapshot (the caller closes it).
 */
export async function* readGrantPages(opts: GrantPagesOptions): AsyncIterable<Grant[]> {
  const { systemId, key, view, pageRows, size } = opts;
  const reader = opts.thread.open();
  const decode = opts.thread.order === 'stored' ? storedGrantOf : grantOf;
  let next: Promise<RawPage> | null = reader.read([key, opts.after, ...view, pageRows]);
  try {
    while (next) {
      const page: RawPage = await next;
      next = page.rows === pageRows ? reader.read([key, page.lastKey, ...view, pageRows]) : null;
      for (let start = 0; start < page.rows; start += size) {
        const batch = new Array<Grant>(Math.min(size, page.rows - start));
        for (let r = 0; r < batch.length; r++) batch[r] = decode(page.fields, systemId);
        yield batch;
      }
      page.release();
    }
  } finally {
    // A read still in flight (the caller stopped early) is awaited, so the thread's next read
    // (or its close) comes after it.
    await next?.catch(() => undefined);
  }
}

/** The next row of GRANT_PAGE_COLUMNS as a Grant. */
function grantOf(f: FieldCursor, systemId: string): Grant {
  f.startRow();
  return grantOfFields(f.next()!, f, systemId);
}

/** The next row of GRANT_STORED_PAGE_COLUMNS as a Grant: its row skipped. */
function storedGrantOf(f: FieldCursor, systemId: string): Grant {
  f.startRow();
  f.next();
  return grantOfFields(f.next()!, f, systemId);
}
