import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { NoDatabaseError } from '../store-errors.js';
import { makeFolder } from './make-folder.js';
import { latestVersion, migrate, userVersion } from './migrations.js';

/**
 * Where the database is. `readonly`: open an existing file without writing anything (no
 * directory or file created, no migration, no pragma that writes): what `audit verify` and
 * `verify-export` use, so an auditor can check a copy they may not change.
 */
export type SqliteLocation = { file: string; readonly?: boolean } | { memory: true };

/** How long a writer waits for another process's write lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;
/** The main connection's page cache, in KiB (SQLite's negative cache_size unit); see openDatabase. */
const CACHE_KIB = 16_384;

/**
 * Opens (creating the parent directory and the file if missing) and migrates the database.
 * WAL lets readers run while one writer writes, and synchronous=NORMAL is durable across
 * application crashes in WAL mode (only an OS crash can lose the last transactions).
 */
export function openDatabase(location: SqliteLocation): Database.Database {
  if ('file' in location && location.readonly) return openReadOnly(location.file);
  let db: Database.Database;
  if ('file' in location) {
    makeFolder(dirname(location.file));
    db = new Database(location.file, { timeout: BUSY_TIMEOUT_MS });
  } else {
    db = new Database(':memory:');
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
    // 16 MB of page cache (SQLite's default is 2 MB). Measured at 1M grants (CPU user+sys, peak
    // RSS; 256 MB before): `campaign open` 62 s / 750 MB -> 53 s / 458 MB, `check` 21 s / 1.09 GB
    // -> 19 s / 0.84 GB, a re-sync 39 s either way (its grants go through the bulk worker's own
    // connection). Their writes (items, findings, ledger) touch each index page a few times, and
    // a page evicted here is re-read from the OS's file cache, not the disk: the large cache
    // only held up to 256 MB per process for no CPU gained.
    db.pragma(`cache_size = -${CACHE_KIB}`);
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

/**
 * A read-only connection to a WAL database still needs its -wal and -shm files, which SQLite
 * creates next to the file; on read-only media (an auditor's copy) it cannot, and the open
 * fails. The file alone is then read into memory and opened from there (its header switched
 * from WAL to rollback in the in-memory copy only), provided no write-ahead log with
 * transactions lies beside it that the file alone would miss.
 */
function openReadOnly(file: string): Database.Database {
  if (!existsSync(file)) throw new NoDatabaseError(file);
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('user_version'); // the -shm is opened on first read: fail here, not later
  } catch (error) {
    db?.close();
    if ((error as { code?: string }).code !== 'SQLITE_CANTOPEN') throw error;
    db = openInMemoryCopy(file);
  }
  try {
    db.pragma('query_only = ON');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const found = userVersion(db);
    const latest = latestVersion();
    if (found !== latest) {
      throw new Error(`the database at ${file} has schema version ${found}, this iam-review reads version ${latest}: ${found < latest ? 'run any writing command on it once (it migrates), or verify with the iam-review version that wrote it' : 'upgrade iam-review'}`);
    }
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** The file's bytes as an in-memory database (see openReadOnly). */
export function openInMemoryCopy(file: string): Database.Database {
  const wal = `${file}-wal`;
  if (existsSync(wal) && statSync(wal).size > 0) {
    throw new Error(`cannot open ${file} read-only: its folder is not writable and ${wal} holds transactions the file alone does not have; copy the database after the writer stopped (or with its -wal file onto writable media)`);
  }
  const bytes = readFileSync(file);
  // Bytes 18-19 of the header are the file format's read and write versions: 2 = WAL, 1 = rollback.
  if (bytes.length >= 20 && bytes[18] === 2 && bytes[19] === 2) bytes[18] = bytes[19] = 1;
  return new Database(bytes, { readonly: true });
}
