/**
 * What an evidence pack shows of the removals of revoked access: the remediation columns of
 * decisions.csv (never blank for a revoke), remediations.csv (one row per remediation, tied
 * to its ledger event), the report's Remediation section, a regulatory mapping that cites
 * only what the pack holds, and the refusal to export remediations the ledger disagrees with.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.js';
import type { ExportFormat } from '../../src/audit/evidence-pack.js';
import { EXPORT_FORMATS, writeEvidencePack } from '../../src/audit/evidence-pack.js';
import { EvidenceExporter } from '../../src/audit/evidence-exporter.js';
import { LedgerMismatchError } from '../../src/audit/ledger-mismatch-error.js';
import { PackRemediationCheck, readPackRemediations } from '../../src/audit/evidence-remediations.js';
import { pseudonymizer } from '../../src/audit/pseudonymizer.js';
import { verifyExport } from '../../src/audit/verify-export.js';
import { eventAt } from '../../src/audit/verify-ledger.js';
import type { LoadedConfig } from '../../src/config/load-config.js';
import type { Campaign } from '../../src/domain/index.js';
import type { Store } from '../../src/store/ports.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { REMEDIATED, seedReviewedCampaign, TestClock } from './evidence-fixture.js';

const root = mkdtempSync(join(tmpdir(), 'iam-evidence-rem-'));
let n = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

const CRITICALITY = new Map([['custody-wallet', 'critical'], ['trading', 'important']]);
const OWNERS = new Map([['custody-wallet', 'custody-owner@firm.li'], ['trading', 'trading-owner@firm.li']]);
type Row = Record<string, string>;
const csv = (dir: string, name: string): Row[] => parse(readFileSync(join(dir, name)), { columns: true }) as Row[];

describe('remediation evidence', () => {
  let store: Store;
  let file: string;
  let clock: TestClock;
  let campaign: Campaign;

  async function seed(remediations: boolean) {
    file = join(root, `s${++n}.db`);
    store = openSqliteStore({ file });
    clock = new TestClock();
    ({ campaign } = await seedReviewedCampaign(store, clock, { remediations }));
    clock.at(30);
  }
  afterEach(async () => store.close());

  async function pack(opts: { formats?: ExportFormat[]; key?: string } = {}) {
    return writeEvidencePack(
      { store, audit: new AuditLog(store.ledger, clock.now), now: clock.now, criticality: CRITICALITY, owners: OWNERS },
      { campaigns: [campaign], dir: join(root, `pack-${++n}`), formats: new Set(opts.formats ?? EXPORT_FORMATS), exportedBy: 'auditor@firm.li', scope: { from: null, to: null }, pseudonymizer: opts.key ? pseudonymizer(opts.key) : undefined, batchSize: 2 },
    );
  }

  it('decisions.csv: the remediation state, verified removal time, snapshot and hours of every revoke; blank for the others', async () => {
    await seed(true);
    const { dir } = await pack();
    const rows = csv(dir, 'decisions.csv');
    const by = (system: string, account: string) => rows.find((r) => r.system === system && r.account === account)!;
    expect(by('custody-wallet', 'alice')).toMatchObject({ decision: 'revoke', remediation_state: 'verified', removed_verified_at: REMEDIATED.verifiedAt, verified_snapshot: REMEDIATED.verifiedSnapshot.id, hours_to_removal: '12' });
    expect(by('trading', 'svc-bot')).toMatchObject({ decision: 'revoke', remediation_state: 'overdue', removed_verified_at: '', verified_snapshot: '', hours_to_removal: '' });
    for (const r of rows.filter((x) => x.decision !== 'revoke')) expect([r.remediation_state, r.removed_verified_at, r.hours_to_removal]).toEqual(['', '', '']);
    const json = JSON.parse(readFileSync(join(dir, 'decisions.json'), 'utf8')) as Array<Record<string, unknown>>;
    expect(json.find((r) => r.account === 'alice' && r.system === 'custody-wallet')).toMatchObject({ remediationState: 'verified', removedVerifiedAt: REMEDIATED.verifiedAt, verifiedSnapshot: REMEDIATED.verifiedSnapshot.id, hoursToRemoval: 12 });
  });

  it('remediations.csv: one row per remediation with due, times, snapshot id and hash, owner, and the ledger event that left it in its state', async () => {
    await seed(true);
    const r = await pack();
    const rows = csv(r.dir, 'remediations.csv');
    expect(rows).toHaveLength(2);
    expect(r.manifest.files.find((f) => f.name === 'remediations.csv')).toMatchObject({ rows: 2 });
    const verified = rows.find((x) => x.system === 'custody-wallet')!;
    expect(verified).toMatchObject({
      item_id: expect.stringMatching(/^quarterly-critical:2026-Q4\//), campaign: campaign.id, criticality: 'critical', owner: 'custody-owner@firm.li', account: 'alice', role: 'SIGNER',
      state: 'verified', reason: `decision:${verified.item_id}`, requested_by: 'mia@firm.li', decided_at: '2026-10-02T09:00:00.000Z', due_at: '2026-10-03T09:00:00.000Z', sla_hours: '24',
      verified_at: REMEDIATED.verifiedAt, verified_snapshot_id: REMEDIATED.verifiedSnapshot.id, verified_snapshot_hash: REMEDIATED.verifiedSnapshot.contentHash, hours_to_removal: '12', removed_within_due: 'yes',
    });
    expect(verified.remediation_id).toBe(`rem:${verified.item_id}`);
    const overdue = rows.find((x) => x.system === 'trading')!;
    expect(overdue).toMatchObject({ state: 'overdue', owner: 'trading-owner@firm.li', due_at: REMEDIATED.overdueDueAt, sla_hours: '72', overdue_at: '2026-10-08T09:00:00.000Z', verified_at: '', removed_within_due: '' });
    // Each row names the ledger event of its state: the seq holds that event, with that hash.
    for (const row of rows) {
      const e = (await eventAt(store.ledger, Number(row.ledger_seq)))!;
      expect([e.type, e.subject, e.hash]).toEqual([`remediation.${row.state}`, row.remediation_id, row.ledger_hash]);
    }
    expect((await verifyExport(r.dir, store.ledger)).ok).toBe(true);
    // verify-export checks the new file like the others.
    writeFileSync(join(r.dir, 'remediations.csv'), readFileSync(join(r.dir, 'remediations.csv'), 'utf8').replace(',overdue,', ',verified,'));
    expect((await verifyExport(r.dir, store.ledger)).problems).toEqual([expect.stringMatching(/^remediations\.csv: modified/)]);
  });

  it('pseudonymized: owners, accounts and requesters of remediations.csv are keyed hashes', async () => {
    await seed(true);
    const r = await pack({ key: 'k' });
    const text = readFileSync(join(r.dir, 'remediations.csv'), 'utf8');
    expect(text).not.toMatch(/@firm\.li|,alice,/);
    expect(csv(r.dir, 'remediations.csv')[0]!.owner).toMatch(/^anon-[0-9a-f]{20}$/);
  });

  it('a revoke without a remediation says not-opened (never blank) and the pack has no remediation rows', async () => {
    await seed(false);
    const r = await pack();
    expect(csv(r.dir, 'decisions.csv').filter((x) => x.decision === 'revoke').map((x) => x.remediation_state)).toEqual(['not-opened', 'not-opened']);
    expect(csv(r.dir, 'remediations.csv')).toEqual([]);
    expect(r.remediations.byState.get('not-opened')).toBe(2);
  });

  it('report.html: a Remediation section with counts by state, time to removal per criticality against the due time, and the overdue removals with their owners', async () => {
    await seed(true);
    const html = readFileSync(join((await pack()).dir, 'report.html'), 'utf8');
    const figure = (name: string) => new RegExp(`data-figure="${name}">([^<]*)<`).exec(html)?.[1];
    expect([figure('revokes'), figure('remediation-verified'), figure('remediation-overdue'), figure('remediation-open'), figure('remediation-not-opened')]).toEqual(['2', '1', '1', '0', '0']);
    const row = (c: string) => [...new RegExp(`<tr data-criticality="${c}">(.*?)</tr>`).exec(html)![1]!.matchAll(/<td>([^<]*)<\/td>/g)].map((m) => m[1]);
    // Criticality, due within, revokes, verified, within due, after due, median, longest, open, past due, reappeared, not opened.
    expect(row('critical')).toEqual(['critical', '24 h', '1', '1', '1', '0', '12 h', '12 h', '0', '0', '0', '0']);
    expect(row('important')).toEqual(['important', '72 h', '1', '0', '0', '0', '—', '—', '0', '1', '0', '0']);
    expect(html).toContain('data-chart="removal-by-criticality"');
    const overdue = /<table data-table="overdue-removals">(.*?)<\/table>/s.exec(html)![1]!;
    expect(overdue).toMatch(/<td>trading<\/td><td>trading-owner@firm\.li<\/td><td>svc-bot<\/td><td>ADMIN<\/td><td>overdue<\/td><td><time datetime="2026-10-07T09:00:00\.000Z">7 Oct 2026, 09:00 UTC<\/time><\/td><td>576 h<\/td>/);
  });

  it('the regulatory mapping cites Art. 21(e) and remediation evidence only when the pack holds remediation data, and only the files the pack holds', async () => {
    const mapping = (html: string) => /<table data-table="mapping">(.*?)<\/table>/s.exec(html)![1]!;
    await seed(true);
    const full = mapping(readFileSync(join((await pack()).dir, 'report.html'), 'utf8'));
    expect(full).toContain('Art. 21(e) (access withdrawn without undue delay)');
    expect(full).toMatch(/remediations\.csv: one row per revoked access right/);
    const htmlOnly = mapping(readFileSync(join((await pack({ formats: ['html'] })).dir, 'report.html'), 'utf8'));
    // Only report.html, events.csv and manifest.json are in that pack.
    expect(htmlOnly).not.toMatch(/decisions\.csv|decisions\.json|findings\.csv|remediations\.csv/);
    expect(htmlOnly).toContain('Remediation section: time to verified removal');
    await store.close();

    await seed(false);
    const none = mapping(readFileSync(join((await pack()).dir, 'report.html'), 'utf8'));
    expect(none).not.toContain('Art. 21(e)');
    expect(none).not.toMatch(/remediation/i);
    expect(none).toContain('Art. 21 (access control: periodic review)');
  });

  it('the exporter writes events.csv in the same read of the ledger as its check: the file writeEvidencePack writes alone, pseudonymized or not', async () => {
    await seed(false);
    const exporter = new EvidenceExporter({ store, audit: new AuditLog(store.ledger, clock.now), now: clock.now, loadConfig: () => ({ systems: [] }) as unknown as LoadedConfig, warn: () => {} });
    for (const key of [undefined, 'k'.repeat(32)]) {
      const dir = join(root, `exported-${++n}`);
      const exported = await exporter.write({ campaigns: [campaign], dir, formats: new Set(EXPORT_FORMATS), exportedBy: 'auditor@firm.li', ...(key ? { key } : {}) });
      const alone = await pack(key ? { key } : {});
      const events = (d: string) => readFileSync(join(d, 'events.csv'), 'utf8');
      expect(csv(dir, 'events.csv').length).toBeGreaterThan(10);
      expect(events(dir)).toBe(events(alone.dir));
      // The head differs: each export ledgers its own export.performed after the closed campaign's slice.
      const slice = ({ headSeq: _seq, headHash: _hash, ...rest }: typeof exported.manifest.ledger) => rest;
      expect(slice(exported.manifest.ledger)).toEqual(slice(alone.manifest.ledger));
      expect(exported.manifest.ledger.headSeq).toBe(exported.event.seq - 1);
      expect(exported.manifest.files.find((f) => f.name === 'events.csv')).toEqual(alone.manifest.files.find((f) => f.name === 'events.csv'));
      // Renamed into place: no temporary file is left beside the pack's files.
      expect(readdirSync(dir).sort()).toEqual(['decisions.csv', 'decisions.json', 'events.csv', 'findings.csv', 'manifest.json', 'remediations.csv', 'report.html']);
    }
  });

  it('PackRemediationCheck given the ledger in seq order finds what readPackRemediations\' ledger query finds, agreeing or not', async () => {
    await seed(true);
    const inSeqOrder = async () => {
      const head = (await store.ledger.head())!.seq;
      const check = await PackRemediationCheck.read(store, [campaign], head);
      for await (const batch of store.ledger.read(1, head)) for (const e of batch) check.event(e);
      return check.result();
    };
    const agreeing = await inSeqOrder();
    expect(agreeing.count).toBe(0);
    expect(agreeing.byItem.size).toBe(2);
    expect([...agreeing.byItem.values()].every((pr) => pr.event !== null)).toBe(true);
    expect(agreeing).toEqual(await readPackRemediations(store, [campaign]));
    const db = new Database(file);
    db.prepare("UPDATE remediations SET state = 'verified', verified_at = ?, verified_snapshot_id = 'forged', verified_snapshot_hash = ? WHERE system_id = 'trading'").run('2026-10-05T09:00:00.000Z', 'b'.repeat(64));
    db.close();
    const forged = await inSeqOrder();
    expect(forged.count).toBe(2);
    expect(forged).toEqual(await readPackRemediations(store, [campaign]));
  });

  it('an export removes the temporary events file an earlier, killed export left in its folder', async () => {
    await seed(false);
    const exporter = new EvidenceExporter({ store, audit: new AuditLog(store.ledger, clock.now), now: clock.now, loadConfig: () => ({ systems: [] }) as unknown as LoadedConfig, warn: () => {} });
    const dir = join(root, `leftover-${++n}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '.events-0123456789ab.csv.partial'), 'seq,at\n1,');
    writeFileSync(join(dir, 'notes.txt'), 'the auditor\'s own file');
    await exporter.write({ campaigns: [campaign], dir, formats: new Set(EXPORT_FORMATS), exportedBy: 'auditor@firm.li' });
    expect(readdirSync(dir).sort()).toEqual(['decisions.csv', 'decisions.json', 'events.csv', 'findings.csv', 'manifest.json', 'notes.txt', 'remediations.csv', 'report.html']);
  });

  it('a refused export leaves a folder holding an earlier pack as it was (no file added, removed or changed)', async () => {
    await seed(false);
    const exporter = new EvidenceExporter({ store, audit: new AuditLog(store.ledger, clock.now), now: clock.now, loadConfig: () => ({ systems: [] }) as unknown as LoadedConfig, warn: () => {} });
    const dir = join(root, `kept-${++n}`);
    await exporter.write({ campaigns: [campaign], dir, formats: new Set(EXPORT_FORMATS), exportedBy: 'auditor@firm.li' });
    writeFileSync(join(dir, '.events-0123456789ab.csv.partial'), 'seq,at\n1,');
    const before = readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]);
    const db = new Database(file);
    db.prepare("UPDATE review_items SET reviewer_id = 'mallory' WHERE id = (SELECT min(id) FROM review_items)").run();
    db.close();
    await expect(exporter.write({ campaigns: [campaign], dir, formats: new Set(EXPORT_FORMATS), exportedBy: 'auditor@firm.li' })).rejects.toThrow(/reviewerId = "mallory"/);
    expect(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')])).toEqual(before);
  });

  it('the exporter refuses remediations the ledger disagrees with, naming row and event, and writes nothing', async () => {
    await seed(true);
    const db = new Database(file);
    db.prepare("UPDATE remediations SET state = 'verified', verified_at = ?, verified_snapshot_id = 'forged', verified_snapshot_hash = ? WHERE system_id = 'trading'").run('2026-10-05T09:00:00.000Z', 'b'.repeat(64));
    db.close();
    const exporter = new EvidenceExporter({ store, audit: new AuditLog(store.ledger, clock.now), now: clock.now, loadConfig: () => ({ systems: [] }) as unknown as LoadedConfig, warn: () => {} });
    const dir = join(root, `refused-${++n}`);
    const refused = exporter.write({ campaigns: [campaign], dir, formats: new Set(EXPORT_FORMATS), exportedBy: 'auditor@firm.li' });
    await expect(refused).rejects.toThrow(LedgerMismatchError);
    await expect(refused).rejects.toThrow(/remediations row "rem:quarterly-critical:2026-Q4\/\S+" state = "verified", but ledger seq \d+ remediation\.overdue says state "overdue"/);
    await expect(refused).rejects.toThrow(/verifiedSnapshotId = "forged": no remediation\.verified event/);
    expect(() => readFileSync(join(dir, 'manifest.json'))).toThrow();
    expect(existsSync(dir)).toBe(false);
  });
});
