/**
 * `serve` and signals, as an operator's SIGTERM (systemd, Kubernetes) reaches it: a real
 * `iam-review serve` process whose first sync (the start-up sync of a system never synced) is
 * held by its connector, a baton command reading a FIFO the test writes. No timing: the test
 * knows the sync is under way when the connector opens the FIFO, and the process either exits
 * or it does not.
 * - SIGTERM during the sync: the sync is stopped and stored as failed (never as removals: the
 *   current state is what it was), the process exits 0, and the ledger verifies; the next start
 *   syncs the system.
 * - A second signal while stopping (the connector's command ignores SIGTERM, so the stop waits
 *   for its kill grace): the process exits at once with 128 + the signal number.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { EXIT } from '../../src/cli/cli-error.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { captureIo } from '../helpers/capture-io.js';
import { MINIMAL_FIRM, TRADING_DESK_HR, tempConfigDir } from '../helpers/temp-config.js';

const REPO = resolve(import.meta.dirname, '../..');
const GRANTS = readFileSync(join(REPO, 'test/fixtures/baton/okta-grants.json'), 'utf8');

describe('serve and signals', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  /** A firm whose `trading` system is a baton command printing what the test writes into a FIFO. */
  function firm(ignoreSigterm = false) {
    const dir = mkdtempSync(join(tmpdir(), 'iam-serve-signals-'));
    const fifo = join(dir, 'grants.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = `${ignoreSigterm ? "process.on('SIGTERM', () => {}); " : ''}process.stdout.write(require('node:fs').readFileSync(${JSON.stringify(fifo)}))`;
    const configDir = tempConfigDir({
      ...MINIMAL_FIRM,
      'connectors/sample-data/hr.csv': TRADING_DESK_HR,
      'connectors/trading.yaml': MINIMAL_FIRM['connectors/trading.yaml']!.replace(/connector:[\s\S]*$/, `connector:\n  type: baton\n  command: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(reader)}]\n`),
    });
    return { fifo, configDir, dataDir: join(dir, 'data') };
  }

  function serve(configDir: string, dataDir: string) {
    const child = spawn(process.execPath, [join(REPO, 'bin/iam-review.js'), 'serve'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'info', PORT: '0', HEALTH_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    const waiters: { pattern: RegExp; done: () => void }[] = [];
    const take = (d: Buffer) => {
      out += d.toString();
      for (const w of waiters.splice(0)) (w.pattern.test(out) ? w.done : () => waiters.push(w))();
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    // 'close', not 'exit': after 'exit' the output may still be arriving.
    const exited = new Promise<{ code: number | null; signal: string | null; out: string }>((done) => child.on('close', (code, signal) => done({ code, signal, out })));
    /** Resolves once the output matches (the process said it). */
    const said = (pattern: RegExp) => new Promise<void>((done) => (pattern.test(out) ? done() : waiters.push({ pattern, done })));
    return { child, exited, said };
  }

  async function cli(configDir: string, dataDir: string, ...args: string[]) {
    const io = captureIo();
    const code = await run(['node', 'iam-review', ...args], { io, env: { IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent' } });
    return { code, out: io.stdout() };
  }

  it('SIGTERM during a sync: the sync is stopped and stored as failed, serve exits 0, the ledger verifies; the next start syncs', async () => {
    const { fifo, configDir, dataDir } = firm();
    const first = serve(configDir, dataDir);
    // Opening the write end waits for the connector to open the read end: the sync is under way.
    const writer = await open(fifo, 'w');
    first.child.kill('SIGTERM');
    const { code, out } = await first.exited;
    await writer.close();
    expect(out).toMatch(/Stopped \(SIGTERM\)\./);
    expect(code).toBe(0);
    const snapshots = async () => {
      const store = openSqliteStore({ file: join(dataDir, 'iam-review.db') });
      try {
        return { trading: await store.snapshots.list({ systemId: 'trading' }), current: await store.snapshots.current('trading'), running: await store.snapshots.list({ status: 'running' }) };
      } finally {
        await store.close();
      }
    };
    const stopped = await snapshots();
    expect(stopped.trading.map((s) => s.status)).toEqual(['failed']);
    expect(stopped.current).toBeNull();
    expect(stopped.running).toEqual([]);
    expect((await cli(configDir, dataDir, 'audit', 'verify')).code).toBe(EXIT.ok);

    // The next start syncs the system it could not finish.
    const second = serve(configDir, dataDir);
    const next = await open(fifo, 'w');
    await next.writeFile(GRANTS);
    await next.close();
    await second.said(/"msg":"initial sync done"/);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    const synced = await snapshots();
    expect(synced.current?.status).toBe('complete');
    expect((await cli(configDir, dataDir, 'audit', 'verify')).code).toBe(EXIT.ok);
  });

  it('a second signal while stopping exits at once (128 + SIGTERM)', async () => {
    const { fifo, configDir, dataDir } = firm(true);
    const { child, exited, said } = serve(configDir, dataDir);
    const writer = await open(fifo, 'w');
    child.kill('SIGTERM');
    // Signals do not queue: the second is sent once the first was taken.
    await said(/"msg":"stopping"/);
    child.kill('SIGTERM');
    const { code, out } = await exited;
    expect(out).toMatch(/Second signal \(SIGTERM\): exiting at once/);
    expect(out).not.toMatch(/Stopped \(SIGTERM\)/);
    expect(code).toBe(143);
    // The connector's command gets its end of file and goes.
    await writer.close();
  });
});
