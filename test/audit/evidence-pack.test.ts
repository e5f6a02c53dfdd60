import { AuditLog } from '../../src/audit/audit-log.js';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import type { ExportFormat } from '../../src/audit/evidence-pack.js';
import { DelegationIndex, EXPORT_FORMATS, writeEvidencePack } from '../../src/audit/evidence-pack.js';
import { EvidenceExporter } from '../../src/audit/evidence-exporter.js';
import type { LoadedConfig } from '../../src/config/load-config.js';
import { pseudonymizer } from '../../src/audit/pseudonymizer.js';
import type { EvidenceManifest } from '../../src/audit/evidence-manifest.js';
import { sealManifest } from '../../src/audit/manifest-seal.js';
import { verifyExport } from '../../src/audit/verify-export.js';
import { verifyPack } from '../../src/audit/verify-pack.js';
import type { Campaign, LedgerEvent } from '../../src/domain/index.js';
import type { Store } from '../../src/store/ports.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { EXPECTED, seedReviewedCampaign, TestClock } from './evidence-fixture.js';

const root = mkdtempSync(join(tmpdir(), 'iam-evidence-'));
let n = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

const CRITICALITY = new Map([['custody-wallet', 'critical'], ['trading', 'important']]);
type Row = Record<string, string>;
const csv = (dir: string, name: string): Row[] => parse(readFileSync(join(dir, name)), { columns: true }) as Row[];

describe('evidence pack', () => {
  let store: Store;
  let file: string;
  let clock: TestClock;
  let campaign: Campaign;

  beforeEach(async () => {
    file = join(root, `s${++n}.db`);
    store = openSqliteStore({ file });
    clock = new TestClock();
    ({ campaign } = await seedReviewedCampaign(store, clock));
    clock.at(30);
  });
  afterEach(async () => store.close());

  async function pack(opts: { formats?: ExportFormat[]; key?: string; dir?: string; batchSize?: number } = {}) {
    const dir = opts.dir ?? join(root, `pack-${++n}`);
    return writeEvidencePack(
      { store, audit: new AuditLog(store.ledger, clock.now), now: clock.now, criticality: CRITICALITY },
      { campaigns: [campaign], dir, formats: new Set(opts.formats ?? EXPORT_FORMATS), exportedBy: 'auditor@firm.li', scope: { from: null, to: null }, pseudonymizer: opts.key ? pseudonymizer(opts.key) : undefined, batchSize: opts.batchSize ?? 2 },
    );
  }

  it('decisions.csv: one row per item with reviewer, decision, justification, delegation and lateness', async () => {
    const { dir } = await pack();
    const rows = csv(dir, 'decisions.csv');
    expect(rows).toHaveLength(EXPECTED.total);
    const by = (system: string, account: string) => rows.find((r) => r.system === system && r.account === account)!;
    expect(by('custody-wallet', 'alice')).toMatchObject({
      campaign: campaign.id, period: '2026-Q4', criticality: 'critical', identity_id: 'E1', identity_email: 'alice@firm.li', identity_name: 'Alice Adler',
      role: 'SIGNER', findings_at_review: 'sod-conflict:high', reviewer_id: 'M1', reviewer_email: 'mia@firm.li', reviewer_slack_id: 'U0MIA',
      state: 'revoked', decision: 'revoke', decided_at: '2026-10-02T09:00:00.000Z', decided_late: 'no', channel: 'cli', remediation_state: 'not-opened', removed_verified_at: '', verified_snapshot: '', hours_to_removal: '',
      // A formula typed as a justification is neutralised for spreadsheets.
      justification: `'=HYPERLINK("http://evil.example","click")`,
    });
    expect(by('trading', 'alice')).toMatchObject({ reviewer_id: 'M3', reviewer_email: 'olga@firm.li', reviewer_slack_id: 'U0OLGA', channel: 'slack', delegation_chain: 'M2 > M3', criticality: 'important' });
    expect(by('trading', 'svc-bot')).toMatchObject({ identity_id: '', identity_email: '', findings_at_review: 'orphaned-account:high', decision: 'revoke' });
    expect(by('trading', 'bob')).toMatchObject({ decided_late: 'yes', decision: 'approve', remediation_state: '' });
    expect(by('custody-wallet', 'carol')).toMatchObject({ state: 'expired', decision: '', decided_at: '', reviewer_id: 'M1' });
  });

  it('decisions.json holds the same records with findings and delegations as structures; findings.csv one row per finding', async () => {
    const { dir } = await pack();
    const records = JSON.parse(readFileSync(join(dir, 'decisions.json'), 'utf8')) as Array<Record<string, unknown>>;
    expect(records).toHaveLength(6);
    const delegated = records.find((r) => (r.delegation as unknown[]).length > 0)!;
    expect(delegated.delegation).toEqual([{ from: 'M2', to: 'M3', by: 'noah@firm.li', at: '2026-10-03T09:00:00.000Z', reason: 'on leave' }]);
    expect(records.find((r) => r.account === 'alice' && r.system === 'custody-wallet')!.findings).toEqual([
      expect.objectContaining({ type: 'sod-conflict', severity: 'high', rule: 'rule-sod-conflict' }),
    ]);
    const findings = csv(dir, 'findings.csv');
    expect(findings.map((f) => [f.system, f.account, f.type, f.decision]).sort()).toEqual([
      ['custody-wallet', 'alice', 'sod-conflict', 'revoke'],
      ['trading', 'svc-bot', 'orphaned-account', 'revoke'],
    ]);
  });

  it('the exporter gathers delegations in its read of the ledger: the same records as the pack\'s own ledger query', async () => {
    const exporter = new EvidenceExporter({ store, audit: new AuditLog(store.ledger, clock.now), now: clock.now, loadConfig: () => ({ systems: [] }) as unknown as LoadedConfig, warn: () => {} });
    const dir = join(root, `exported-${++n}`);
    await exporter.write({ campaigns: [campaign], dir, formats: new Set(EXPORT_FORMATS), exportedBy: 'auditor@firm.li' });
    const alone = await pack();
    const delegations = (d: string) => (JSON.parse(readFileSync(join(d, 'decisions.json'), 'utf8')) as { item: string; delegation: unknown[] }[]).map((r) => [r.item, r.delegation]);
    expect(delegations(dir).filter(([, d]) => (d as unknown[]).length > 0)).toHaveLength(EXPECTED.delegated);
    expect(delegations(dir)).toEqual(delegations(alone.dir));
    expect(csv(dir, 'decisions.csv').map((r) => r.delegation_chain)).toEqual(csv(alone.dir, 'decisions.csv').map((r) => r.delegation_chain));
  });

  it('DelegationIndex: reassignments of the campaigns since the first opening, per item in (at, seq) order', () => {
    const index = new DelegationIndex([campaign, { ...campaign, id: 'other:2026', openedAt: '2026-12-01T00:00:00.000Z' }]);
    let seq = 0;
    const reassigned = (at: string, subject: string, data: Record<string, unknown>): LedgerEvent => ({ seq: ++seq, at, type: 'item.reassigned', actor: 'noah@firm.li', subject, data, prevHash: '', hash: '' });
    const opened = campaign.openedAt;
    const later = (days: number) => new Date(Date.parse(opened) + days * 86_400_000).toISOString();
    const events = [
      reassigned(later(-1), 'i1', { campaignId: campaign.id, from: 'A', to: 'Z' }), // before the opening
      reassigned(later(3), 'i1', { campaignId: campaign.id, from: 'B', to: 'C' }),
      reassigned(later(2), 'i1', { campaignId: campaign.id, from: 'A', to: 'B', reason: 'on leave' }), // appended later, earlier time
      reassigned(later(2), 'i1', { campaignId: campaign.id, from: 'B', to: 'D' }), // same time: seq order
      reassigned(later(1), 'i2', { campaignId: 'elsewhere:2026', from: 'A', to: 'B' }),
      reassigned(later(1), 'i3', { campaignId: 'other:2026', from: 'E', to: 'F' }),
      { ...reassigned(later(1), 'i4', { campaignId: campaign.id, from: 'A', to: 'B' }), type: 'item.assigned' },
    ];
    expect(events.map((e) => index.wants(e.type, e.at))).toEqual([false, true, true, true, true, true, false]);
    for (const e of events) index.event(e);
    const byItem = index.byItem();
    expect([...byItem.keys()].sort()).toEqual(['i1', 'i3']);
    expect(byItem.get('i1')!.map((d) => `${d.from}>${d.to}`)).toEqual(['A>B', 'B>D', 'B>C']);
    expect(byItem.get('i1')![0]).toEqual({ from: 'A', to: 'B', by: 'noah@firm.li', at: later(2), reason: 'on leave' });
    expect(byItem.get('i3')).toEqual([{ from: 'E', to: 'F', by: 'noah@firm.li', at: later(1), reason: null }]);
  });

  it('events.csv is the contiguous ledger slice from the campaign opening to its closing, with seq and hashes', async () => {
    const { dir, manifest } = await pack();
    const events = csv(dir, 'events.csv');
    expect(events[0]!.type).toBe('item.assigned');
    expect(events.at(-1)!.type).toBe('campaign.closed');
    expect(events.map((e) => Number(e.seq))).toEqual(Array.from({ length: events.length }, (_, k) => manifest.ledger.fromSeq + k));
    expect(events.filter((e) => e.type === 'decision.recorded')).toHaveLength(5);
    for (let k = 1; k < events.length; k++) expect(events[k]!.prev_hash).toBe(events[k - 1]!.hash);
    expect(manifest.ledger).toMatchObject({ events: events.length, toSeq: Number(events.at(-1)!.seq), toHash: events.at(-1)!.hash });
  });

  it('manifest.json lists every file with its SHA-256; the export is ledgered with the manifest hash', async () => {
    const r = await pack();
    expect(r.manifest.files.map((f) => f.name)).toEqual(['decisions.csv', 'decisions.json', 'findings.csv', 'remediations.csv', 'events.csv', 'report.html']);
    for (const f of r.manifest.files) {
      const bytes = readFileSync(join(r.dir, f.name));
      expect(f).toMatchObject({ sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length });
    }
    expect(r.manifest).toMatchObject({ exportedBy: 'auditor@firm.li', exportedAt: '2026-10-31T09:00:00.000Z', pseudonymized: false, tool: { name: 'iam-review' } });
    const head = (await store.ledger.head())!;
    expect(head.seq).toBe(r.event.seq);
    expect(r.manifest.ledger.headSeq).toBe(head.seq - 1);
    expect(r.event).toMatchObject({ type: 'export.performed', actor: 'auditor@firm.li', subject: campaign.id, data: { manifestSha256: createHash('sha256').update(readFileSync(join(r.dir, 'manifest.json'))).digest('hex') } });
  });

  it('--format csv writes the CSVs and the manifest only; a re-export into the folder replaces the old pack', async () => {
    const dir = join(root, `pack-${++n}`);
    await pack({ dir });
    const r = await pack({ dir, formats: ['csv'] });
    expect(readdirSync(dir).sort()).toEqual(['decisions.csv', 'events.csv', 'findings.csv', 'manifest.json', 'remediations.csv']);
    expect((await verifyExport(r.dir, store.ledger)).ok).toBe(true);
  });

  it('pseudonymized: no email or name is left, and the same key gives the same pseudonyms', async () => {
    const a = await pack({ key: 'k-1' });
    const b = await pack({ key: 'k-1' });
    const c = await pack({ key: 'k-2' });
    for (const f of a.manifest.files) {
      const text = readFileSync(join(a.dir, f.name), 'utf8');
      expect(text, f.name).not.toMatch(/@firm\.li|Alice Adler|Mia Manager/);
    }
    const rowsA = csv(a.dir, 'decisions.csv');
    expect(rowsA.map((r) => r.reviewer_email)).toEqual(csv(b.dir, 'decisions.csv').map((r) => r.reviewer_email));
    expect(rowsA[0]!.reviewer_email).not.toBe(csv(c.dir, 'decisions.csv')[0]!.reviewer_email);
    expect(rowsA.find((r) => r.delegation_chain)!.delegation_chain).toMatch(/^anon-[0-9a-f]{20} > anon-[0-9a-f]{20}$/);
    // Hashes in events.csv are the ledger's: pseudonymizing changes content, never the chain columns.
    expect(csv(a.dir, 'events.csv').map((e) => e.hash)).toEqual(csv((await pack()).dir, 'events.csv').map((e) => e.hash));
    expect(a.manifest.pseudonymized).toBe(true);
    expect((await verifyExport(a.dir, store.ledger)).ok).toBe(true);
  });

  describe('verifyExport', () => {
    it('passes on an untouched pack', async () => {
      const r = await pack();
      const v = await verifyExport(r.dir, store.ledger);
      expect(v.problems).toEqual([]);
      expect(v.ok).toBe(true);
      expect(v.passed.join('\n')).toMatch(/export ledgered: export\.performed at seq \d+/);
    });

    it('detects a modified file, a missing file and an added file', async () => {
      const r = await pack();
      const target = join(r.dir, 'decisions.csv');
      writeFileSync(target, readFileSync(target, 'utf8').replace('revoke', 'approve'));
      rmSync(join(r.dir, 'findings.csv'));
      writeFileSync(join(r.dir, 'extra.csv'), 'x\n');
      const v = await verifyExport(r.dir, store.ledger);
      expect(v.ok).toBe(false);
      expect(v.problems).toEqual(expect.arrayContaining([
        expect.stringMatching(/^decisions\.csv: modified/),
        expect.stringMatching(/^findings\.csv: listed in the manifest but missing/),
        expect.stringMatching(/^extra\.csv: not listed/),
      ]));
    });

    it('detects a manifest rewritten to match a modified file (no ledgered export names it)', async () => {
      const r = await pack();
      const target = join(r.dir, 'report.html');
      appendFileSync(target, '<!-- edited -->');
      const manifest = JSON.parse(readFileSync(join(r.dir, 'manifest.json'), 'utf8')) as EvidenceManifest;
      const entry = manifest.files.find((f) => f.name === 'report.html')!;
      entry.sha256 = createHash('sha256').update(readFileSync(target)).digest('hex');
      entry.bytes = readFileSync(target).length;
      // The forger re-seals the unsigned manifest too: offline it checks out, only the ledger tells.
      writeFileSync(join(r.dir, 'manifest.json'), sealManifest(manifest, null).text);
      expect((await verifyPack(r.dir)).problems).toEqual([]);
      const v = await verifyExport(r.dir, store.ledger);
      expect(v.problems).toEqual([expect.stringMatching(/no export\.performed event in the ledger names this manifest/)]);
    });

    it('detects a ledger tampered with after the export', async () => {
      const r = await pack();
      const seq = r.manifest.ledger.fromSeq + 2;
      const db = new Database(file);
      db.exec('DROP TRIGGER ledger_events_no_update');
      db.prepare("UPDATE ledger_events SET hash = ? WHERE seq = ?").run('f'.repeat(64), seq);
      db.close();
      const v = await verifyExport(r.dir, store.ledger);
      expect(v.ok).toBe(false);
      expect(v.problems).toEqual(expect.arrayContaining([
        `ledger chain broken at seq ${seq}: content does not match its hash (modified)`,
        expect.stringMatching(new RegExp(`^events\\.csv: row 3: seq ${seq} hash`)),
      ]));
    });

    it('reports a missing or invalid manifest', async () => {
      const empty = join(root, `empty-${++n}`);
      const r = await pack({ dir: empty });
      writeFileSync(join(r.dir, 'manifest.json'), '{"format":"other"}');
      expect((await verifyExport(r.dir, store.ledger)).problems[0]).toMatch(/not a valid manifest/);
      rmSync(join(r.dir, 'manifest.json'));
      expect((await verifyExport(r.dir, store.ledger)).problems).toEqual([expect.stringMatching(/manifest\.json is missing/)]);
      expect(existsSync(r.dir)).toBe(true);
    });
  });
});
