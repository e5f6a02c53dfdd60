import Database from 'better-sqlite3';

/** Page cache of a bulk reader, in KiB (SQLite's negative cache_size unit). */
const BULK_CACHE_KIB = 8_192;

/**
 * A read-only connection with a small page cache, for long sequential reads (evidence
 * exports, full ledger verification). Streaming 1M rows through the main connection would
 * fill its large page cache (sized for snapshot writes), so the process's memory would grow
 * with the rows read; a reader of its own keeps it flat and leaves the writers' cache warm.
 * An in-memory database has no second connection: it reads through the main one.
 * Each call opens one; the caller closes it (generators in a `finally`).
 */
export function openBulkReader(db: Database.Database): { db: Database.Database; close(): void } {
  if (db.memory) return { db, close: () => undefined };
  const reader = new Database(db.name, { readonly: true, fileMustExist: true, timeout: 5_000 });
  reader.pragma(`cache_size = -${BULK_CACHE_KIB}`);
  return { db: reader, close: () => reader.close() };
}
