/**
 * The composition root: the only module that knows every adapter. It reads the
 * environment, opens the store (SQLite by default, MongoDB when MONGODB_URI is set) and
 * hands the CLI and the server one `App`.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { AuditLog } from './audit/audit-log.js';
import { EVENT } from './audit/event-types.js';
import type { LoadedConfig } from './config/load-config.js';
import { loadConfig } from './config/load-config.js';
import type { Env } from './config/env.js';
import { ConnectorRegistry } from './connectors/registry.js';
import type { Logger } from './logger.js';
import { createLogger } from './logger.js';
import type { Store } from './store/ports.js';
import { openSqliteStore } from './store/sqlite/sqlite-store.js';

export interface App {
  env: Env;
  log: Logger;
  store: Store;
  connectors: ConnectorRegistry;
  /** Reads the config folders afresh on every call: a policy change needs no restart. */
  loadConfig(): LoadedConfig;
  /**
   * Ledgers `config.loaded` (the SHA-256 of every config file) when the config differs from
   * the last one recorded, so the ledger shows which policies every later event ran under.
   */
  recordConfig(config: LoadedConfig, actor: string): Promise<void>;
  now(): Date;
  close(): Promise<void>;
}

const CONFIG_HASH_KEY = 'config:hash';

/** One hash over every config file's path and SHA-256. */
export function configHash(config: Pick<LoadedConfig, 'files'>): string {
  const h = createHash('sha256');
  for (const f of [...config.files].sort((a, b) => a.file.localeCompare(b.file))) h.update(`${f.file} ${f.sha256}\n`);
  return h.digest('hex');
}

export interface AppOptions {
  log?: Logger;
  now?: () => Date;
  store?: Store;
}

export async function openStore(env: Env): Promise<Store> {
  if (env.MONGODB_URI) {
    const { openMongoStore } = await import('./store/mongo/mongo-store.js');
    return openMongoStore({ uri: env.MONGODB_URI });
  }
  mkdirSync(env.dataDir, { recursive: true });
  return openSqliteStore({ file: env.sqliteFile });
}

export async function openApp(env: Env, opts: AppOptions = {}): Promise<App> {
  const log = opts.log ?? createLogger(env.LOG_LEVEL);
  const store = opts.store ?? (await openStore(env));
  const connectors = new ConnectorRegistry();
  return {
    env,
    log,
    store,
    connectors,
    loadConfig: () => loadConfig(env.configDir, connectors.settingsSchemaFor),
    recordConfig: async (config, actor) => {
      const hash = configHash(config);
      if ((await store.kv.get(CONFIG_HASH_KEY)) === hash) return;
      await new AuditLog(store.ledger, opts.now).record(EVENT.configLoaded, actor, 'config', { configDir: config.configDir, hash, files: config.files, warnings: config.warnings });
      await store.kv.set(CONFIG_HASH_KEY, hash);
    },
    now: opts.now ?? (() => new Date()),
    close: () => store.close(),
  };
}
