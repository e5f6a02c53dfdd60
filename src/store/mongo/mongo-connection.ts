import mongoose from 'mongoose';
import type { ConnectOptions, Connection } from 'mongoose';

/** The database used when neither the options nor the URI name one (the driver would say 'test'). */
export const DEFAULT_DB_NAME = 'iam_review';

export interface MongoConnectionSettings {
  /** Database name; defaults to the URI's, else DEFAULT_DB_NAME. */
  dbName?: string;
  /** How long to wait for a usable server before an operation fails (driver default 30 s). */
  serverSelectionTimeoutMS?: number;
}

/** The database named in a mongodb:// or mongodb+srv:// URI's path, or null when it names none. */
export function uriDatabase(uri: string): string | null {
  const match = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]*)/.exec(uri);
  const name = match?.[1] ? decodeURIComponent(match[1]) : '';
  return name === '' ? null : name;
}

/**
 * Options of the store's connection (a fresh object each call: mongoose consumes the object
 * it is given).
 * - bufferCommands false: an operation without a live connection fails at once instead of
 *   waiting silently in mongoose's buffer.
 * - autoIndex / autoCreate false: collections and indexes are created explicitly on open.
 * - sanitizeFilter: a second guard after the adapter's own string checks (filter-value.ts).
 * - majority writes, journaled: an acknowledged write survives a failover.
 * - reads go to the primary with the default "local" read concern, so every read sees the
 *   writes acknowledged before it (read-your-writes without sessions; a re-read after a lost
 *   compare-and-set sees the winner). Reads that become evidence (ledger reads) ask for
 *   "majority" themselves, so an export never holds an event a failover could roll back.
 * - retryable writes and reads: a single-document write interrupted by a failover is retried
 *   once, and the server applies it at most once.
 */
export function mongoConnectionOptions(uri: string, settings: MongoConnectionSettings = {}): ConnectOptions {
  return {
    dbName: settings.dbName ?? uriDatabase(uri) ?? DEFAULT_DB_NAME,
    appName: 'iam-review',
    bufferCommands: false,
    autoIndex: false,
    autoCreate: false,
    sanitizeFilter: true,
    writeConcern: { w: 'majority', journal: true },
    readPreference: 'primary',
    retryWrites: true,
    retryReads: true,
    ...(settings.serverSelectionTimeoutMS === undefined ? {} : { serverSelectionTimeoutMS: settings.serverSelectionTimeoutMS }),
  };
}

/** A dedicated connection (never mongoose's global default one), connecting in the background. */
export function createMongoConnection(uri: string, settings: MongoConnectionSettings = {}): Connection {
  return mongoose.createConnection(uri, mongoConnectionOptions(uri, settings));
}

/**
 * Whether the deployment behind a `hello` reply runs transactions (and retryable writes): a
 * replica set member reports its set name, a mongos says 'isdbgrid'. A standalone server does
 * neither.
 */
export function supportsTransactions(hello: Record<string, unknown>): boolean {
  return typeof hello.setName === 'string' || hello.msg === 'isdbgrid';
}
