/**
 * `iam-review demo` as a newcomer runs it: the shipped sample firm, the embedded store in a
 * fresh data dir, twice in a row (the second run must work too).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { captureIo } from '../helpers/capture-io.js';

const REPO = resolve(import.meta.dirname, '../..');

describe('iam-review demo', () => {
  it('runs the whole pipeline on the sample firm, and again without --reset', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'iam-demo-'));
    const out = join(dataDir, 'out');
    const env = { IAM_REVIEW_CONFIG_DIR: REPO, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    const first = captureIo();
    expect(await run(['node', 'iam-review', 'demo', '--reset', '--out', out], { io: first, env, cwd: REPO })).toBe(0);
    const text = first.stdout();
    expect(text).toMatch(/custody-wallet\s+complete/);
    expect(text).toMatch(/hr\s+complete\s+48/);
    expect(text).toMatch(/Opened: .*half-yearly-critical:2026-H\d|Opened: .*half-yearly-critical:\d{4}-H\d/);
    expect(text).toMatch(/SIMULATED/);
    expect(text).toMatch(/Closed: \d+ approved, \d+ revoked, 0 expired/);
    expect(text).toContain('Every finding type is present in the sample firm.');
    expect(text).toMatch(/Hash chain intact: \d+ events/);
    // The audit step reconciles the state tables with the ledger, as `audit verify` does.
    expect(text).toMatch(/\nState agrees with the ledger: 1 campaigns, \d+ items, \d+ decisions, \d+ snapshots, \d+ findings rows, \d+ remediations reconciled with \d+ events\.\n/);
    const previews = readdirSync(join(out, 'slack'));
    expect(previews.length).toBeGreaterThan(3);
    const blocks = JSON.parse(readFileSync(join(out, 'slack', previews[0]!), 'utf8')) as Array<{ blocks: unknown[] }>;
    expect(blocks[0]!.blocks.length).toBeGreaterThan(3);
    expect(existsSync(join(dataDir, 'iam-review.db'))).toBe(true);

    // A superseded snapshot's hash edited in the database between the runs: the second run's audit step names it.
    const db = new Database(join(dataDir, 'iam-review.db'));
    const { id } = db.prepare<[], { id: string }>("SELECT id FROM snapshots WHERE system_id = 'trading' ORDER BY started_at LIMIT 1").get()!;
    db.prepare("UPDATE snapshots SET content_hash = 'edited' WHERE id = ?").run(id);
    db.close();
    const second = captureIo();
    expect(await run(['node', 'iam-review', 'demo', '--out', out], { io: second, env, cwd: REPO })).toBe(0);
    expect(second.stdout()).toMatch(/Already closed/);
    expect(second.stdout()).toMatch(/Hash chain intact/);
    expect(second.stdout()).toContain('\nSTATE DIFFERS FROM THE LEDGER: 1 difference(s)');
    expect(second.stdout()).toMatch(new RegExp(`\\n  snapshots row "${id}" contentHash = "edited", but ledger seq \\d+ sync\\.completed says contentHash "[0-9a-f]+"\\n`));
  }, 120_000);
});
