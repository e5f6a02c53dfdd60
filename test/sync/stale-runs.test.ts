/**
 * A sync killed mid-run (kill -9) leaves its snapshot `running` and no ledger event; the next
 * sync closes it as failed and ledgers sync.failed, exactly once. The kill is real: a CLI
 * process reading its CSV from a FIFO blocks there (its snapshot already running) until killed.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openApp } from '../../src/app.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/logger.js';
import { run } from '../../src/cli.js';
import { EXIT } from '../../src/cli/cli-error.js';
import { EMPTY_COUNTS } from '../../src/domain/index.js';
import type { Store } from '../../src/store/ports.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { RunLiveness } from '../../src/sync/stale-runs.js';
import { closeStaleRuns, recordRunOwner, STALE_GRACE_MS } from '../../src/sync/stale-runs.js';
import { captureIo } from '../helpers/capture-io.js';
import { MINIMAL_FIRM, tempConfigDir } from '../helpers/temp-config.js';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const HR = 'id,email,display_name,department,job_title,manager,status,employment_type,contract_end,groups\nE1,alice@example.com,Alice,Trading,Trader,,active,employee,,\n';
const TRADING = 'account_id,identity,role\nalice,alice@example.com,TRADER\n';

async function running(store: Store, systemId: string) {
  return store.snapshots.list({ systemId, status: 'running' });
}

describe('stale running snapshots', () => {
  it('a sync killed with SIGKILL is closed as failed, ledgered once, by the next sync', async () => {
    const configDir = tempConfigDir({ ...MINIMAL_FIRM, 'connectors/sample-data/hr.csv': HR });
    const dataDir = mkdtempSync(join(tmpdir(), 'iam-stale-'));
    const fifo = join(configDir, 'connectors/sample-data/trading.csv');
    execFileSync('mkfifo', [fifo]);
    const env = { ...process.env, IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'sync'], { env, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));

    // The run is under way once it opens the FIFO to read it (its snapshot is created before
    // its connector reads): opening the FIFO for writing completes exactly then. The writer
    // stays open, so the run stays blocked on it until it is killed.
    const file = join(dataDir, 'iam-review.db');
    const writer = await Promise.race([
      open(fifo, 'w'),
      exited.then((signal) => Promise.reject(new Error(`the sync ended (${child.exitCode ?? signal}) before its trading run started`))),
    ]);
    const during = openSqliteStore({ file });
    expect(await running(during, 'trading')).toHaveLength(1);
    await during.close();
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    await writer.close();

    const store = openSqliteStore({ file });
    const [dead] = await running(store, 'trading');
    expect(await store.ledger.query({ type: 'sync.', subject: 'trading' })).toEqual([]);
    await store.close();

    // The export is a plain file again; the next sync closes the dead run, then runs.
    execFileSync('rm', [fifo]);
    writeFileSync(fifo, TRADING);
    const io = captureIo();
    expect(await run(['node', 'iam-review', 'sync'], { io, env: { IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent' } })).toBe(EXIT.ok);
    expect((await run(['node', 'iam-review', 'sync'], { io: captureIo(), env: { IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent' } }))).toBe(EXIT.ok);

    const after = openSqliteStore({ file });
    expect(await after.snapshots.get(dead!.id)).toMatchObject({ status: 'failed', problems: [expect.stringMatching(new RegExp(`^the run stopped without finishing \\(process ${child.pid} on .+ is gone\\)`))] });
    expect(await running(after, 'trading')).toEqual([]);
    const events = await after.ledger.query({ type: 'sync.', subject: 'trading' });
    expect(events.map((e) => [e.type, e.data.snapshotId === dead!.id])).toEqual([['sync.failed', true], ['sync.completed', false], ['sync.completed', false]]);
    await after.close();
  }, 120_000);

  it('a run of another host is closed only past its time limit and the grace period; two closers ledger it once', async () => {
    const store = openSqliteStore({ memory: true });
    let now = new Date('2026-12-01T10:00:00.000Z');
    const clock = () => now;
    const audit = new AuditLog(store.ledger, clock);
    const liveness: RunLiveness = { self: { host: 'here', pid: 100 }, active: new Set(), isAlive: () => true };
    await store.snapshots.create({ id: 'wallet@x', systemId: 'wallet', status: 'running', startedAt: now.toISOString(), finishedAt: null, durationMs: null, counts: { ...EMPTY_COUNTS }, problems: [], contentHash: null, previousSnapshotId: null, acceptedBy: null });
    await recordRunOwner(store, 'wallet@x', { host: 'elsewhere', pid: 7 });
    const deps = { store, audit, now: clock, liveness };
    const timeoutMs = 30 * 60_000;

    now = new Date(now.getTime() + timeoutMs + STALE_GRACE_MS);
    expect(await closeStaleRuns('wallet', timeoutMs, deps, 'cli')).toEqual([]);
    now = new Date(now.getTime() + 1);
    const both = await Promise.all([closeStaleRuns('wallet', timeoutMs, deps, 'cli'), closeStaleRuns('wallet', timeoutMs, deps, 'scheduler')]);
    expect(both.flat()).toEqual(['wallet@x']);
    expect(await store.ledger.query({ type: 'sync.failed' })).toMatchObject([{ subject: 'wallet', data: { snapshotId: 'wallet@x', stale: true, problems: [expect.stringMatching(/past its 30-minute limit \(on elsewhere\)/)] } }]);

    // A run of this host whose process lives is never closed, however old.
    await store.snapshots.create({ id: 'wallet@y', systemId: 'wallet', status: 'running', startedAt: '2026-01-01T00:00:00.000Z', finishedAt: null, durationMs: null, counts: { ...EMPTY_COUNTS }, problems: [], contentHash: null, previousSnapshotId: null, acceptedBy: null });
    await recordRunOwner(store, 'wallet@y', { host: 'here', pid: 55 });
    expect(await closeStaleRuns('wallet', timeoutMs, deps, 'cli')).toEqual([]);
    await store.close();
  });

  it('a long-lived process (serve) whose sync could not write its outcome closes that run itself on its next sync', async () => {
    const configDir = tempConfigDir({ ...MINIMAL_FIRM, 'connectors/sample-data/hr.csv': HR, 'connectors/sample-data/trading.csv': TRADING });
    const dataDir = mkdtempSync(join(tmpdir(), 'iam-own-stale-'));
    const file = join(dataDir, 'iam-review.db');
    const app = await openApp(loadEnv({ IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), { log: createLogger('silent') });
    try {
      await app.sync.runConfigured('trading', { actor: 'scheduler' });
      // The outcome cannot be written (as on a full disk): every ledger insert fails for now.
      const db = new Database(file);
      db.exec("CREATE TRIGGER no_room BEFORE INSERT ON ledger_events BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
      expect(await app.sync.runConfigured('trading', { actor: 'scheduler' })).toEqual([{ systemId: 'trading', ok: false, error: expect.stringMatching(/disk is full/) }]);
      expect(await running(app.store, 'trading')).toHaveLength(1);
      db.exec('DROP TRIGGER no_room');
      db.close();

      // Same process, next scheduled sync: its own dead run is closed and ledgered, then it syncs.
      await app.sync.runConfigured('trading', { actor: 'scheduler' });
      expect(await running(app.store, 'trading')).toEqual([]);
      const events = await app.store.ledger.query({ type: 'sync.', subject: 'trading' });
      expect(events.map((e) => [e.type, e.data.stale ?? false])).toEqual([['sync.completed', false], ['sync.failed', true], ['sync.completed', false]]);
      expect(events[1]!.data.problems).toEqual([expect.stringMatching(/this process ended it without writing its outcome/)]);
    } finally {
      await app.close();
    }
  });
});
