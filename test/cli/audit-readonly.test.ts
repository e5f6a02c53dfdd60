/**
 * Auditors verify what they may not change: `audit verify` opens the store read-only (nothing
 * created, nothing migrated, the database's bytes unchanged), works on a copy on read-only
 * media, and reports a missing or empty ledger as exit 2, never as a pass.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp } from '../../src/app.js';
import { verifyLedger } from '../../src/audit/verify-ledger.js';
import { run } from '../../src/cli.js';
import { EXIT } from '../../src/cli/cli-error.js';
import { openInMemoryCopy } from '../../src/store/sqlite/open-database.js';
import { SqliteLedgerStore } from '../../src/store/sqlite/sqlite-ledger-store.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { seedReviewedCampaign, TestClock } from '../audit/evidence-fixture.js';
import { captureIo } from '../helpers/capture-io.js';

const REPO = resolve(import.meta.dirname, '../..');

async function audit(dataDir: string, ...args: string[]) {
  const io = captureIo();
  const code = await run(['node', 'iam-review', 'audit', ...args], { io, env: { IAM_REVIEW_CONFIG_DIR: REPO, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }, cwd: REPO, openApp: (env, o) => openApp(env, o) });
  return { code, out: io.stdout(), err: io.stderr() };
}

/** A data folder with a reviewed campaign's ledger, closed cleanly (no -wal left). */
async function seededDataDir(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'iam-ro-'));
  const store = openSqliteStore({ file: join(dataDir, 'iam-review.db') });
  await seedReviewedCampaign(store, new TestClock());
  await store.close();
  return dataDir;
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('read-only verification', () => {
  it('a missing data folder is "no ledger" (exit 2), and nothing is created', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'iam-ro-')), 'typo');
    for (const cmd of [['verify'], ['head'], ['log']]) {
      const r = await audit(dataDir, ...cmd);
      expect(r.code, cmd.join(' ')).toBe(EXIT.invalidInput);
      expect(r.err).toContain(`no ledger at ${join(dataDir, 'iam-review.db')}`);
    }
    expect(existsSync(dataDir)).toBe(false);
  });

  it('an empty ledger is "no ledger" (exit 2), not "intact"', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'iam-ro-'));
    await openSqliteStore({ file: join(dataDir, 'iam-review.db') }).close();
    const r = await audit(dataDir, 'verify');
    expect(r.code).toBe(EXIT.invalidInput);
    expect(r.err).toMatch(/no ledger at .*iam-review\.db: it has no events/);
  });

  it('verify, head and log leave the database file byte for byte as it was', async () => {
    const dataDir = await seededDataDir();
    const db = join(dataDir, 'iam-review.db');
    const before = sha(db);
    expect((await audit(dataDir, 'verify')).code).toBe(EXIT.ok);
    expect((await audit(dataDir, 'head')).code).toBe(EXIT.ok);
    expect((await audit(dataDir, 'log', '--limit', '3')).code).toBe(EXIT.ok);
    expect(sha(db)).toBe(before);
  });

  it('reads a copy without its -wal and -shm from memory (what read-only media force), but not one whose log holds transactions', async () => {
    const dataDir = await seededDataDir();
    const copy = join(mkdtempSync(join(tmpdir(), 'iam-ro-copy-')), 'iam-review.db');
    copyFileSync(join(dataDir, 'iam-review.db'), copy);
    const db = openInMemoryCopy(copy);
    const r = await verifyLedger(new SqliteLedgerStore(db));
    db.close();
    expect(r).toMatchObject({ ok: true, checked: 17 });

    writeFileSync(`${copy}-wal`, 'x'.repeat(4096));
    expect(() => openInMemoryCopy(copy)).toThrow(/holds transactions the file alone does not have/);
  });

  // A real read-only file system: a tmpfs remounted read-only (root in this sandbox may mount).
  const canMount = (() => {
    try {
      const m = mkdtempSync(join(tmpdir(), 'iam-ro-mount-probe-'));
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', m], { stdio: 'ignore' });
      execFileSync('umount', [m], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!canMount)(`verifies a copy on a read-only file system${canMount ? '' : ' (skipped: this machine does not let the test mount a tmpfs)'}`, async () => {
    const dataDir = await seededDataDir();
    const mount = mkdtempSync(join(tmpdir(), 'iam-ro-mount-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mount]);
    try {
      mkdirSync(join(mount, 'data'));
      copyFileSync(join(dataDir, 'iam-review.db'), join(mount, 'data', 'iam-review.db'));
      execFileSync('mount', ['-o', 'remount,ro', mount]);
      const r = await audit(join(mount, 'data'), 'verify');
      expect(r.err).toBe('');
      expect(r.code).toBe(EXIT.ok);
      expect(r.out).toMatch(/^Hash chain intact: 17 events checked/);
    } finally {
      execFileSync('umount', [mount]);
    }
  });
});
