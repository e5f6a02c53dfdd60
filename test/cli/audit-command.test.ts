import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { openApp } from '../../src/app.js';
import { run } from '../../src/cli.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { captureIo } from '../helpers/capture-io.js';
import { seedReviewedCampaign, TestClock } from '../audit/evidence-fixture.js';

const REPO = resolve(import.meta.dirname, '../..');
const root = mkdtempSync(join(tmpdir(), 'iam-audit-cli-'));
let n = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('iam-review audit', () => {
  let dataDir: string;
  let dbFile: string;
  const clock = new TestClock();

  beforeEach(async () => {
    dataDir = join(root, `d${++n}`);
    dbFile = join(dataDir, 'iam-review.db');
    const store = openSqliteStore({ file: dbFile });
    await seedReviewedCampaign(store, clock);
    await store.close();
    clock.at(30);
  });

  async function cli(...args: string[]) {
    const io = captureIo();
    const code = await run(['node', 'iam-review', ...args], {
      io, env: { IAM_REVIEW_CONFIG_DIR: REPO, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }, cwd: REPO,
      openApp: (env) => openApp(env, { now: clock.now }),
    });
    return { code, out: io.stdout(), err: io.stderr() };
  }

  function tamper(sql: string) {
    const db = new Database(dbFile);
    db.exec('DROP TRIGGER ledger_events_no_update; DROP TRIGGER ledger_events_no_delete;');
    db.exec(sql);
    db.close();
  }

  it('verify: an intact chain exits 0 and prints the head', async () => {
    const r = await cli('audit', 'verify');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Hash chain intact: 17 events checked \(seq 1 to 17\); head seq 17 [0-9a-f]{64}\nState agrees with the ledger: 1 campaigns, 6 items, 5 decisions, 1 snapshots, 0 findings rows, 0 remediations reconciled with 17 events\.$/);
  });

  it('verify: a modified event exits 4 and names the seq; --json carries the break', async () => {
    tamper("UPDATE ledger_events SET actor = 'mallory' WHERE seq = 9");
    const r = await cli('audit', 'verify');
    expect(r.code).toBe(4);
    expect(r.out).toBe('LEDGER BROKEN at seq 9: content does not match its hash (modified) (last intact: seq 8)');
    expect(r.err).toMatch(/audit ledger broken at seq 9/);
    const j = await cli('audit', 'verify', '--json');
    expect(j.code).toBe(4);
    expect(JSON.parse(j.out)).toMatchObject({ ok: false, break: { seq: 9 } });
  });

  it('verify --from skips a break before the anchor; a deleted event is named as missing', async () => {
    tamper('DELETE FROM ledger_events WHERE seq = 5');
    expect((await cli('audit', 'verify')).out).toMatch(/LEDGER BROKEN at seq 5: seq 5 is missing/);
    expect((await cli('audit', 'verify', '--from', '7')).code).toBe(0);
    expect((await cli('audit', 'verify', '--from', 'x')).code).toBe(2);
  });

  it('head prints SEQ:HASH, which verify --checkpoint accepts and which catches a truncated tail', async () => {
    const head = (await cli('audit', 'head')).out;
    expect(head).toMatch(/^17:[0-9a-f]{64}$/);
    expect((await cli('audit', 'verify', '--checkpoint', head)).out).toMatch(/checkpoint seq 17 found/);
    tamper('DELETE FROM ledger_events WHERE seq = 17');
    expect((await cli('audit', 'verify')).code).toBe(0);
    const r = await cli('audit', 'verify', '--checkpoint', head);
    expect(r.code).toBe(4);
    expect(r.out).toMatch(/seq 17 is missing .* deleted from the end/);
    expect((await cli('audit', 'verify', '--checkpoint', 'nope')).code).toBe(2);
  });

  it('log filters by type prefix, time and limit', async () => {
    const decisions = await cli('audit', 'log', '--type', 'decision.', '--json');
    const events = decisions.out.split('\n').map((l) => JSON.parse(l) as { type: string; seq: number });
    expect(events).toHaveLength(5);
    expect(events.every((e) => e.type === 'decision.recorded')).toBe(true);
    const late = await cli('audit', 'log', '--since', '2026-10-15', '--json');
    expect(late.out.split('\n').map((l) => (JSON.parse(l) as { type: string }).type)).toEqual(['decision.recorded', 'item.expired', 'campaign.closed', 'config.loaded']);
    const limited = await cli('audit', 'log', '--limit', '2');
    expect(limited.out.split('\n')).toHaveLength(2);
    expect(limited.out).toMatch(/^\s+1 {2}2026-10-01T08:00:00\.000Z {2}sync\.completed/);
    expect((await cli('audit', 'log', '--type', 'nothing.')).out).toBe('No events.');
    expect((await cli('audit', 'log', '--since', 'yesterday-ish')).code).toBe(2);
  });

  it('verify-export passes on a fresh pack and exits 4 once a file is modified', async () => {
    const dir = join(dataDir, 'pack');
    expect((await cli('export', '--campaign', 'quarterly-critical:2026-Q4', '--out', dir, '--as', 'auditor@firm.li')).code).toBe(0);
    const ok = await cli('audit', 'verify-export', dir);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/Evidence pack verified\.$/);
    writeFileSync(join(dir, 'events.csv'), 'seq\n');
    const bad = await cli('audit', 'verify-export', dir, '--json');
    expect(bad.code).toBe(4);
    expect(JSON.parse(bad.out)).toMatchObject({ ok: false, problems: expect.arrayContaining([expect.stringMatching(/^events\.csv: modified/)]) });
  });
});
