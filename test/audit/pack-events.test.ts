/**
 * events.csv holds only what belongs to the pack (src/audit/pack-events.ts): the campaign's own
 * events in full, other events of its range as link-only rows (seq, prev_hash, hash), and both
 * offline (verifyPack, docs/verify_pack.py) and online (verifyExport) verification re-chain them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.js';
import { EVENT } from '../../src/audit/event-types.js';
import { EXPORT_FORMATS, writeEvidencePack } from '../../src/audit/evidence-pack.js';
import type { PackMembers } from '../../src/audit/pack-events.js';
import { belongsToPack } from '../../src/audit/pack-events.js';
import { pseudonymizer } from '../../src/audit/pseudonymizer.js';
import { verifyExport } from '../../src/audit/verify-export.js';
import { verifyPack } from '../../src/audit/verify-pack.js';
import type { Campaign } from '../../src/domain/index.js';
import type { Store } from '../../src/store/ports.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { seedReviewedCampaign, T0, DAY, TestClock } from './evidence-fixture.js';

const SCRIPT = resolve(import.meta.dirname, '../../docs/verify_pack.py');
const HAS_PYTHON = spawnSync('python3', ['--version']).status === 0;
const root = mkdtempSync(join(tmpdir(), 'iam-pack-events-'));
let n = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));
type Row = Record<string, string>;
const rowsOf = (dir: string): Row[] => parse(readFileSync(join(dir, 'events.csv')), { columns: true }) as Row[];

describe('belongsToPack', () => {
  const m: PackMembers = { campaigns: new Set(['c1']), remediations: new Set(['r1']), snapshots: new Set(['s1']) };
  it.each([
    [true, 'campaign.opened', 'c1', {}],
    [true, 'decision.recorded', 'item-1', { campaignId: 'c1' }],
    [true, 'export.performed', 'export:q4', { campaigns: ['c0', 'c1'] }],
    [true, 'remediation.verified', 'r1', { snapshotId: 's9' }],
    [true, 'message.sent', 'delivery-1', { remediationId: 'r1' }],
    [true, 'sync.completed', 'hr', { snapshotId: 's1' }],
    [true, 'config.loaded', 'config', {}],
    [false, 'decision.recorded', 'item-2', { campaignId: 'c2' }],
    [false, 'sync.completed', 'trading', { snapshotId: 's2' }],
    [false, 'finding.opened', 'finding-1', { grantId: 'g1', campaignId: 7 }],
    [false, 'remediation.opened', 'r2', { campaignId: null, snapshotId: 's1' }],
  ] as const)('%s for %s about %s', (own, type, subject, data) => {
    expect(belongsToPack({ type, subject, data }, m)).toBe(own);
  });
});

describe('events.csv of a campaign whose range holds other events', () => {
  let store: Store;
  let clock: TestClock;
  let other: Campaign;
  let x: Campaign;

  beforeEach(async () => {
    store = openSqliteStore({ file: join(root, `s${++n}.db`) });
    clock = new TestClock();
    ({ campaign: other } = await seedReviewedCampaign(store, clock));
    const audit = new AuditLog(store.ledger, clock.now);
    clock.at(23);
    x = { id: 'monthly:2026-10', reviewId: 'monthly', period: '2026-10', name: 'Monthly', state: 'open', openedAt: clock.now().toISOString(), dueAt: new Date(T0 + 40 * DAY).toISOString(), closedAt: null, openedBy: 'scheduler' };
    await store.campaigns.create(x);
    await audit.record(EVENT.campaignOpened, 'scheduler', x.id, { reviewId: x.reviewId, period: x.period, dueAt: x.dueAt, items: 0 });
    // Another campaign's message and a refusal about its item: personal data that is not this pack's.
    await audit.record(EVENT.messageSent, 'slack', 'delivery-other', { campaignId: other.id, reviewerId: 'M1', note: 'for mia@firm.li' });
    await audit.record(EVENT.refusal, 'mallory@firm.li', 'item-of-other', { campaignId: other.id, reason: 'not the reviewer' });
    await audit.record(EVENT.reminderSent, 'scheduler', 'delivery-x', { campaignId: x.id, reviewerId: 'M2', pending: 0 });
    await audit.record(EVENT.configLoaded, 'scheduler', 'config', { changed: true });
    clock.at(24);
  });
  afterEach(async () => store.close());

  const pack = (key?: string) =>
    writeEvidencePack(
      { store, audit: new AuditLog(store.ledger, clock.now), now: clock.now, criticality: new Map() },
      { campaigns: [x], dir: join(root, `pack-${++n}`), formats: new Set(EXPORT_FORMATS), exportedBy: 'auditor@firm.li', scope: { from: null, to: null }, pseudonymizer: key ? pseudonymizer(key) : undefined },
    );

  it("writes the campaign's events in full and the others as seq, prev_hash and hash only", async () => {
    const r = await pack();
    const rows = rowsOf(r.dir);
    expect(rows.map((e) => [e.type, e.subject])).toEqual([
      ['campaign.opened', x.id], ['', ''], ['', ''], ['reminder.sent', 'delivery-x'], ['config.loaded', 'config'],
    ]);
    for (const linkOnly of [rows[1]!, rows[2]!]) {
      expect(linkOnly).toEqual({ seq: expect.stringMatching(/^\d+$/), at: '', type: '', actor: '', subject: '', prev_hash: expect.stringMatching(/^[0-9a-f]{64}$/), hash: expect.stringMatching(/^[0-9a-f]{64}$/), data: '' });
    }
    for (let k = 1; k < rows.length; k++) expect(rows[k]!.prev_hash).toBe(rows[k - 1]!.hash);
    const text = readFileSync(join(r.dir, 'events.csv'), 'utf8');
    expect(text).not.toMatch(/mallory|mia@firm\.li|delivery-other|quarterly-critical/);
    expect(r.manifest.ledger).toMatchObject({ events: 5, fullEvents: 3 });

    const offline = await verifyPack(r.dir);
    expect(offline.problems).toEqual([]);
    expect(offline.passed).toContain(`events.csv: chain intact from seq ${rows[0]!.seq} (prev_hash ${rows[0]!.prev_hash}) to seq ${rows[4]!.seq}: 5 rows, 2 link-only; 3 full rows' hashes recomputed`);
    const online = await verifyExport(r.dir, store.ledger);
    expect(online.problems).toEqual([]);
    expect(online.passed).toContain("events.csv: 5 events carry the ledger's seq and hashes");
    if (HAS_PYTHON) expect(spawnSync('python3', [SCRIPT, r.dir], { encoding: 'utf8' }).stdout).toBe('Signature: unsigned\nEvidence pack verified.\n');
  });

  it('a changed link-only row breaks the chain at the next row, offline and online', async () => {
    const r = await pack();
    const file = join(r.dir, 'events.csv');
    const lines = readFileSync(file, 'utf8').split('\n');
    const [seq, , , , , prev, hash] = lines[2]!.split(',');
    lines[2] = [seq, '', '', '', '', prev, hash!.replace(/^./, (c) => (c === '0' ? '1' : '0')), ''].join(',');
    writeFileSync(file, lines.join('\n'));
    const offline = await verifyPack(r.dir);
    expect(offline.problems).toEqual([
      expect.stringMatching(/^events\.csv: modified/),
      `events.csv: row 3 (seq ${Number(seq) + 1}): prev_hash is not the hash of the row before (rows re-ordered or changed)`,
    ]);
    const online = await verifyExport(r.dir, store.ledger);
    expect(online.problems).toContain(`events.csv: row 2: seq ${seq} hash ${lines[2]!.split(',')[6]} does not match the ledger's seq ${seq} hash ${hash}`);
  });

  it('a link-only row given a body, or a full row with changed content, fails its hash', async () => {
    const r = await pack();
    const file = join(r.dir, 'events.csv');
    const original = readFileSync(file, 'utf8');
    const rows = rowsOf(r.dir);
    writeFileSync(file, original.replace('"{""changed"":true}"', '"{""changed"":false}"'));
    expect((await verifyPack(r.dir)).problems).toContain(`events.csv: row 5 (seq ${rows[4]!.seq}): its fields do not give its hash (modified)`);
    const lines = original.split('\n');
    const [seq, , , , , prev, hash] = lines[2]!.split(',');
    lines[2] = [seq, rows[0]!.at, 'message.sent', 'slack', 'delivery-other', prev, hash, '{}'].join(',');
    writeFileSync(file, lines.join('\n'));
    expect((await verifyPack(r.dir)).problems).toContain(`events.csv: row 2 (seq ${seq}): its fields do not give its hash (modified)`);
  });

  it('pseudonymized: the links are checked and the result says the hashes cannot be recomputed', async () => {
    const r = await pack('k-1');
    const v = await verifyPack(r.dir);
    expect(v.problems).toEqual([]);
    expect(v.passed.join('\n')).toMatch(/links checked; the 3 full rows are pseudonymized, so their hashes cannot be recomputed/);
    expect((await verifyExport(r.dir, store.ledger)).ok).toBe(true);
  });
});
