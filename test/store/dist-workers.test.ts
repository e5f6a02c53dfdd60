/**
 * The built CLI (bin/iam-review.js over dist/, as `npm install` builds it) runs the SQLite
 * store's worker threads from their built .js modules: a sync large enough for the bulk
 * worker (its writes, and its reads of the previous snapshot on the second sync), and an
 * export, read by the page reader. dist/ is built into a folder of its own (the package's
 * layout: bin/, dist/, package.json, node_modules), so the repository's dist/ is neither
 * needed nor touched.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINIMAL_FIRM, tempConfigDir } from '../helpers/temp-config.js';

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../..');
const root = mkdtempSync(join(tmpdir(), 'iam-dist-workers-'));
const pkg = join(root, 'pkg');
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeAll(async () => {
  mkdirSync(join(pkg, 'bin'), { recursive: true });
  copyFileSync(join(REPO, 'bin/iam-review.js'), join(pkg, 'bin/iam-review.js'));
  copyFileSync(join(REPO, 'package.json'), join(pkg, 'package.json'));
  symlinkSync(join(REPO, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  await run(process.execPath, [tsc, '-p', join(REPO, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')]);
}, 300_000);

/** Grants of the trading system: rows [from, to) of accounts, those below `disabledBelow` disabled. */
function tradingCsv(from: number, to: number, disabledBelow = 0): string {
  let csv = 'account_id,identity,role,scope,status,last_activity_at,display_name,account_type\n';
  for (let i = from; i < to; i++) csv += `acc-${i},p${i % 20}@example.com,${i % 2 ? 'TRADER' : 'VIEWER'},desk-${i % 7},${i < disabledBelow ? 'disabled' : 'active'},2026-11-0${(i % 9) + 1}T00:00:00Z,Account ${i},human\n`;
  return csv;
}

describe('the built CLI', () => {
  it('syncs through the bulk worker and exports through the page reader', async () => {
    let hr = 'id,email,display_name,department,job_title,manager,status,employment_type,contract_end,groups\n';
    for (let i = 0; i < 20; i++) hr += `E${i},p${i}@example.com,Person ${i},Trading,Trader,,active,employee,,\n`;
    // 2,500 grants: written in batches of 1,000, which go to the bulk worker.
    const config = tempConfigDir({ ...MINIMAL_FIRM, 'connectors/sample-data/hr.csv': hr, 'connectors/sample-data/trading.csv': tradingCsv(0, 2_500) });
    const dataDir = join(root, 'data');
    // A clean environment: no MONGODB_URI or Slack token of the caller's.
    const env = { PATH: process.env.PATH ?? '', IAM_REVIEW_CONFIG_DIR: config, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    const cli = async (...args: string[]) => (await run(process.execPath, [join(pkg, 'bin/iam-review.js'), ...args], { env, cwd: root })).stdout;

    expect(await cli('sync')).toMatch(/^trading\s+complete\s+0\s+2500\s+2500\s+0\s+0 /m);
    expect(await cli('campaign', 'open', 'semiannual')).toMatch(/^Opened: semiannual:\d{4}-H\d .*2500 items/m);
    // The second sync reads the previous snapshot through the worker: 100 removed, 100 changed, 100 added.
    writeFileSync(join(config, 'connectors/sample-data/trading.csv'), tradingCsv(100, 2_600, 200));
    expect(await cli('sync')).toMatch(/^trading\s+complete\s+0\s+2500\s+100\s+100\s+100 /m);

    const db = new Database(join(dataDir, 'iam-review.db'), { readonly: true });
    const current = db
      // The current state: the rows of applied deltas not removed since (migration 12).
      .prepare(`SELECT g.account_id AS account, g.account_status AS status FROM grants g JOIN grant_systems gs ON gs.key = g.system_key
        JOIN grant_deltas d ON d.key = g.delta_key WHERE gs.system_id = 'trading' AND d.version IS NOT NULL AND g.removed IS NULL ORDER BY g.account_id`)
      .all() as { account: string; status: string }[];
    const campaign = (db.prepare(`SELECT id FROM campaigns`).get() as { id: string }).id;
    db.close();
    const expected = Array.from({ length: 2_500 }, (_, k) => ({ account: `acc-${k + 100}`, status: k + 100 < 200 ? 'disabled' : 'active' }));
    expect(current).toEqual(expected.sort((a, b) => (a.account < b.account ? -1 : 1)));

    const pack = join(root, 'pack');
    expect(await cli('export', '--campaign', campaign, '--format', 'csv', '--out', pack)).toMatch(/2500 items, 0 approved, 0 revoked, 0 expired, 2500 pending/);
    const lines = readFileSync(join(pack, 'decisions.csv'), 'utf8').trimEnd().split('\n');
    const account = lines[0]!.split(',').indexOf('account');
    const accounts = lines.slice(1).map((l) => l.split(',')[account]);
    expect(accounts.sort()).toEqual(Array.from({ length: 2_500 }, (_, i) => `acc-${i}`).sort());
    expect(await cli('audit', 'verify-export', pack)).toMatch(/^Evidence pack verified\.$/m);
  }, 300_000);
});
