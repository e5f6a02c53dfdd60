/**
 * The composition root: the only module that knows every adapter. It reads the
 * environment, opens the store (SQLite by default, MongoDB when MONGODB_URI is set) and
 * hands the CLI and the server one `App`.
 */
import { mkdirSync } from 'node:fs';
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
  now(): Date;
  close(): Promise<void>;
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
    now: opts.now ?? (() => new Date()),
    close: () => store.close(),
  };
}
