/**
 * One floor, in its own child process of bench/run.ts: `run-floor.ts NAME JSON-ARGS`. Prints
 * one JSON line { floor, cpu_ms, wall_ms, rows, ... }. Only the floor's own work is timed
 * (process.cpuUsage deltas: user + system, every thread); loading its input is not.
 *
 *   csv-parse       the parse of the exports (the files) by the product's CSV reader
 *                   (src/connectors/csv/csv-reader.ts: quote-free lines split by itself, the rest by
 *                   csv-parse), the fastest parse of them we have; until 2026-12-06 this floor was
 *                   csv-parse alone, ~5x slower than the reader on these files once the reader
 *                   stopped using csv-parse for quote-free lines (the floor would have flattered sync)
 *   sqlite-insert   the same grant rows into a fresh database with the store's grants table and
 *                   indexes (copied from the real database), the store's batch size and pragmas
 *   sqlite-scan     SELECT * of those rows (raw rows, no objects)
 *   check-eval      the policy evaluation alone (PolicyEvaluator), grants and identities in memory,
 *                   the grants in the order `check` reads them (SnapshotStore.grantsOf: as stored);
 *                   until 2026-12-07 in id order (grants()): at 1M the same evaluation took 2.1-2.4 s
 *                   of CPU over grants in id order, 0.86-0.95 s over them as stored, so once check
 *                   read them as stored the old floor would have flattered it
 *   campaign-insert the campaign's review_items rows and its ledger events (bare SHA-256 chain)
 *                   into a fresh database with the store's tables and indexes
 *   sha256-chain    a bare SHA-256 chain over the ledger's events (prev hash + fields)
 *   export-io       SELECT * of the campaign's items, the findings and the ledger since the campaign
 *                   opened (the export's slice), then writing
 *                   as many bytes as the export wrote
 */
import { hash } from 'node:crypto';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import Database from 'better-sqlite3';
import { loadConfig } from '../../src/config/load-config.js';
import { CsvReader } from '../../src/connectors/csv/csv-reader.js';
import { BUILT_IN_TYPES, ConnectorRegistry } from '../../src/connectors/registry.js';
import type { Grant } from '../../src/domain/index.js';
import { GENESIS_HASH, grantId } from '../../src/domain/index.js';
import { PolicyEvaluator } from '../../src/policies/policy-evaluator.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';

/** The store's grants batch (src/store/sqlite/sqlite-snapshot-store.ts DEFAULT_GRANT_BATCH). */
const BATCH = 5000;

interface Measured {
  cpu_ms: number;
  wall_ms: number;
}

async function measured<T>(work: () => T | Promise<T>): Promise<Measured & { value: T }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await work();
  const cpu = process.cpuUsage(cpu0);
  return { cpu_ms: (cpu.user + cpu.system) / 1000, wall_ms: performance.now() - t0, value };
}

function openLikeStore(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -262144');
  db.pragma('temp_store = MEMORY');
  db.pragma('wal_autocheckpoint = 16384');
  return db;
}

/** Creates `tables` (and their indexes) in `target` as the real database defines them now. */
function copySchema(realFile: string, target: Database.Database, tables: readonly string[]): void {
  const real = new Database(realFile, { readonly: true });
  const sql = real
    .prepare<string[], { sql: string }>(`SELECT sql FROM sqlite_master WHERE tbl_name IN (${tables.map(() => '?').join(',')}) AND type IN ('table', 'index') AND sql IS NOT NULL ORDER BY type DESC`)
    .all(...tables);
  real.close();
  // Without foreign keys: the floor has no snapshots or campaigns rows to point to.
  for (const { sql: s } of sql) target.exec(s.replace(/REFERENCES\s+\w+\s*\([^)]*\)/gi, ''));
}

/** The data rows of the files (header skipped), read as a sync reads them, in its batch size. */
async function* csvRows(files: readonly string[]): AsyncIterable<string[]> {
  for (const file of files) {
    const reader = await CsvReader.open({ path: file, displayPath: file, delimiter: ',', encoding: 'utf8' });
    try {
      for (let rows = await reader.read(BATCH); rows.length > 0; rows = await reader.read(BATCH)) for (const row of rows) yield row.fields;
    } finally {
      reader.close();
    }
  }
}

/** The grant rows of the exports, as the insert floor writes them (ids computed up front). */
async function grantRows(files: readonly string[]): Promise<Record<string, string | null>[]> {
  const rows: Record<string, string | null>[] = [];
  for (const file of files) {
    const system = file.replace(/^.*\//, '').replace(/\.csv$/, '');
    for await (const f of csvRows([file])) {
      const [account, identity, role, scope, status, activity, name, type] = f as [string, string, string, string, string, string, string, string];
      rows.push({
        id: grantId(system, account, role, scope), account_id: account, role, scope, identity_id: identity === '' ? null : `E${rows.length}`, identity_ref: identity || null,
        account_display_name: name, account_type: type || 'human', account_status: status || 'active', last_activity_at: activity || null, first_seen_at: '2026-01-01T00:00:00.000Z', detail: null,
      });
    }
  }
  return rows;
}

type Args = Record<string, unknown>;
const floors: Record<string, (a: Args) => Promise<Measured & Record<string, unknown>>> = {
  'csv-parse': async (a) => {
    const m = await measured(async () => {
      let rows = 0;
      for await (const _ of csvRows(a.files as string[])) rows++;
      return rows;
    });
    return { ...m, rows: m.value };
  },
  'sqlite-insert': async (a) => {
    const rows = await grantRows(a.files as string[]);
    rmSync(a.db as string, { force: true });
    const db = openLikeStore(a.db as string);
    copySchema(a.realDb as string, db, ['grants']);
    // Every column the store's grants table has now, filled by name (a NOT NULL column the
    // floor does not know gets 1), so the floor follows schema changes of the store.
    const columns = db.prepare<[], { name: string; notnull: number; pk: number }>('PRAGMA table_info(grants)').all().filter((c) => c.pk === 0);
    const insert = db.prepare(`INSERT INTO grants (${columns.map((c) => c.name).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
    const values = (r: Record<string, string | null>): unknown[] => columns.map((c) => (c.name === 'snapshot_key' ? 1 : c.name in r ? r[c.name] : c.notnull ? 1 : null));
    const tx = db.transaction((batch: Record<string, string | null>[]) => {
      for (const r of batch) insert.run(values(r));
    });
    const m = await measured(() => {
      for (let i = 0; i < rows.length; i += BATCH) tx(rows.slice(i, i + BATCH));
      db.pragma('wal_checkpoint(TRUNCATE)');
    });
    db.close();
    return { ...m, rows: rows.length };
  },
  'sqlite-scan': async (a) => {
    const db = openLikeStore(a.db as string);
    const m = await measured(() => {
      let rows = 0;
      for (const _ of db.prepare('SELECT * FROM grants').raw().iterate()) rows++;
      return rows;
    });
    db.close();
    return { ...m, rows: m.value };
  },
  'check-eval': async (a) => {
    const config = loadConfig(a.configDir as string, new ConnectorRegistry(BUILT_IN_TYPES).settingsSchemaFor);
    const store = openSqliteStore({ file: a.realDb as string });
    const identities = await store.identities.current();
    const batches: Grant[][] = [];
    for (const snapshot of (await store.snapshots.currentAll()).values()) {
      for await (const batch of store.snapshots.grantsOf([snapshot.id], BATCH)) batches.push(batch);
    }
    await store.close();
    const m = await measured(() => {
      const evaluator = new PolicyEvaluator({ systems: config.systems, policies: config.policies, sodRules: config.sodRules, global: config.global, identities, now: new Date() });
      for (const b of batches) evaluator.add(b);
      return evaluator.finish().findings.length;
    });
    return { ...m, rows: batches.reduce((n, b) => n + b.length, 0), findings: m.value };
  },
  'campaign-insert': async (a) => {
    const real = new Database(a.realDb as string, { readonly: true });
    const items = real.prepare('SELECT * FROM review_items WHERE campaign_id = ?').raw().all(a.campaignId) as unknown[][];
    const itemColumns = real.prepare<[], { name: string }>('PRAGMA table_info(review_items)').all().map((c) => c.name);
    const events = real.prepare('SELECT seq, at, type, actor, subject, data FROM ledger_events WHERE seq > ? AND seq <= ?').raw().all(a.fromSeq, a.toSeq) as [number, string, string, string, string, string][];
    real.close();
    rmSync(a.db as string, { force: true });
    const db = openLikeStore(a.db as string);
    copySchema(a.realDb as string, db, ['review_items', 'ledger_events']);
    const insertItem = db.prepare(`INSERT INTO review_items (${itemColumns.join(', ')}) VALUES (${itemColumns.map(() => '?').join(', ')})`);
    const insertEvent = db.prepare('INSERT INTO ledger_events (seq, at, type, actor, subject, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    let prev = GENESIS_HASH;
    const tx = db.transaction((from: number) => {
      for (const item of items.slice(from, from + BATCH)) insertItem.run(item);
      for (const [seq, at, type, actor, subject, data] of events.slice(from, from + BATCH)) {
        const h = hash('sha256', prev + at + type + actor + subject + data, 'hex');
        insertEvent.run(seq, at, type, actor, subject, data, prev, h);
        prev = h;
      }
    });
    const m = await measured(() => {
      for (let i = 0; i < Math.max(items.length, events.length); i += BATCH) tx(i);
      db.pragma('wal_checkpoint(TRUNCATE)');
    });
    db.close();
    rmSync(a.db as string, { force: true });
    return { ...m, rows: items.length, events: events.length };
  },
  'sha256-chain': async (a) => {
    const real = new Database(a.realDb as string, { readonly: true });
    const events = real.prepare('SELECT at, type, actor, subject, data FROM ledger_events ORDER BY seq').raw().all() as string[][];
    real.close();
    const m = await measured(() => {
      let prev = GENESIS_HASH;
      for (const [at, type, actor, subject, data] of events) prev = hash('sha256', prev + at! + type! + actor! + subject! + data!, 'hex');
      return prev;
    });
    return { ...m, rows: events.length };
  },
  'export-io': async (a) => {
    const real = new Database(a.realDb as string, { readonly: true });
    const bytes = a.bytes as number;
    const chunk = Buffer.alloc(1 << 16, 'x');
    const m = await measured(() => {
      let rows = 0;
      for (const _ of real.prepare('SELECT * FROM review_items WHERE campaign_id = ?').raw().iterate(a.campaignId)) rows++;
      for (const _ of real.prepare('SELECT * FROM findings').raw().iterate()) rows++;
      for (const _ of real.prepare('SELECT * FROM ledger_events WHERE seq > ? ORDER BY seq').raw().iterate(a.fromSeq)) rows++;
      const fd = openSync(a.out as string, 'w');
      for (let left = bytes; left > 0; left -= chunk.length) writeSync(fd, chunk, 0, Math.min(left, chunk.length));
      closeSync(fd);
      return rows;
    });
    real.close();
    rmSync(a.out as string, { force: true });
    return { ...m, rows: m.value, bytes };
  },
};

const [name, json] = process.argv.slice(2);
const floor = floors[name ?? ''];
if (!floor) throw new Error(`unknown floor ${name} (known: ${Object.keys(floors).join(', ')})`);
const r = await floor(JSON.parse(json ?? '{}') as Args);
console.log(JSON.stringify({ floor: name, ...r, cpu_ms: Math.round(r.cpu_ms), wall_ms: Math.round(r.wall_ms), value: undefined }));
