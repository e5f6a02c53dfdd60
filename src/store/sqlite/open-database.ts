import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrations.js';

export type SqliteLocation = { file: string } | { memory: true };

/** How long a writer waits for another process's write lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens (creating the parent directory and the file if missing) and migrates the database.
 * WAL lets readers run while one writer writes, and synchronous=NORMAL is durable across
 * application crashes in WAL mode (only an OS crash can lose the last transactions).
 */
export function openDatabase(location: SqliteLocation): Database.Database {
  let db: Database.Database;
  if ('file' in location) {
    mkdirSync(dirname(location.file), { recursive: true });
    db = new Database(location.file, { timeout: BUSY_TIMEOUT_MS });
  } else {
    db = new Database(':memory:');
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
    // Snapshots of 1M grants arrive in random grant-id (hash) order, i.e. at random places of the
    // (snapshot_key, id) index: a page cache far above SQLite's 2 MB default keeps those inserts
    // in memory instead of re-reading pages. The cache only grows as pages are touched.
    db.pragma('cache_size = -262144');
    db.pragma('temp_store = MEMORY');
    // Checkpoint the WAL every ~64 MB instead of every 4 MB: bulk appends (snapshots, the
    // ledger) then rewrite hot index pages into the database file far less often.
    db.pragma('wal_autocheckpoint = 16384');
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
