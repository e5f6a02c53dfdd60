import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { openApp } from '../../src/app.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { EVENT } from '../../src/audit/event-types.js';
import { run } from '../../src/cli.js';
import { parseFormats } from '../../src/cli/export-command.js';
import type { EvidenceManifest } from '../../src/audit/evidence-manifest.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { captureIo } from '../helpers/capture-io.js';
import { seedReviewedCampaign, TestClock } from '../audit/evidence-fixture.js';

const REPO = resolve(import.meta.dirname, '../..');
const root = mkdtempSync(join(tmpdir(), 'iam-export-cli-'));
let n = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));
const CAMPAIGN = 'quarterly-critical:2026-Q4';

describe('iam-review export', () => {
  let dataDir: string;
  const clock = new TestClock();

  beforeEach(async () => {
    dataDir = join(root, `d${++n}`);
    const store = openSqliteStore({ file: join(dataDir, 'iam-review.db') });
    await seedReviewedCampaign(store, clock);
    // An earlier, empty campaign for the period selection.
    await store.campaigns.create({ id: 'quarterly-critical:2026-Q3', reviewId: 'quarterly-critical', period: '2026-Q3', name: 'Q3', state: 'closed', openedAt: '2026-07-01T09:00:00.000Z', dueAt: '2026-07-15T09:00:00.000Z', closedAt: '2026-07-20T09:00:00.000Z', openedBy: 'scheduler' });
    // Its events, as the engine records them (an export is checked against the ledger).
    const audit = new AuditLog(store.ledger, clock.now);
    await audit.record(EVENT.campaignOpened, 'scheduler', 'quarterly-critical:2026-Q3', { reviewId: 'quarterly-critical', period: '2026-Q3', dueAt: '2026-07-15T09:00:00.000Z', items: 0 });
    await audit.record(EVENT.campaignClosed, 'scheduler', 'quarterly-critical:2026-Q3', { items: 0, approved: 0, revoked: 0, expired: 0 });
    await store.close();
    clock.at(30);
  });

  async function cli(args: string[], env: Record<string, string> = {}) {
    const io = captureIo();
    const code = await run(['node', 'iam-review', ...args], {
      io, env: { IAM_REVIEW_CONFIG_DIR: REPO, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env }, cwd: REPO,
      openApp: (e) => openApp(e, { now: clock.now }),
    });
    return { code, out: io.stdout(), err: io.stderr() };
  }
  const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as EvidenceManifest;

  it('--campaign writes the whole pack, prints its path and files, and ledgers the export', async () => {
    const dir = join(dataDir, 'pack');
    const r = await cli(['export', '--campaign', CAMPAIGN, '--out', dir, '--as', 'auditor@firm.li']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Evidence pack written: .*pack\//);
    expect(r.out).toContain(`${CAMPAIGN}: 6 items, 3 approved, 2 revoked, 1 expired, 0 pending`);
    expect(r.out).toMatch(/manifest\.json sha256 [0-9a-f]{64}, ledgered as seq 20/);
    expect(readdirSync(dir).sort()).toEqual(['decisions.csv', 'decisions.json', 'events.csv', 'findings.csv', 'manifest.json', 'remediations.csv', 'report.html']);
    // Criticality comes from the connectors config of the sample firm.
    expect(readFileSync(join(dir, 'decisions.csv'), 'utf8')).toMatch(/,custody-wallet,critical,/);
    const log = await cli(['audit', 'log', '--type', 'export.', '--json']);
    expect(JSON.parse(log.out)).toMatchObject({ actor: 'auditor@firm.li', subject: CAMPAIGN, data: { formats: ['csv', 'html', 'json'], via: 'cli' } });
  });

  it('--format picks the artefacts (events.csv and the manifest always)', async () => {
    const dir = join(dataDir, 'pack');
    expect((await cli(['export', '--campaign', CAMPAIGN, '--out', dir, '--format', 'json,html'])).code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['decisions.json', 'events.csv', 'manifest.json', 'report.html']);
    expect([...parseFormats('all')].sort()).toEqual(['csv', 'html', 'json']);
    // pdf is a format of its own (test/cli/export-pdf.test.ts), never part of `all`; unknown ones are refused.
    expect([...parseFormats('csv,pdf')].sort()).toEqual(['csv', 'pdf']);
    expect(() => parseFormats('csv,xml')).toThrow(/--format must be/);
  });

  it('--from/--to exports every campaign opened in the period (--to includes its day)', async () => {
    const dir = join(dataDir, 'period');
    expect((await cli(['export', '--from', '2026-07-01', '--to', '2026-10-01', '--out', dir])).code).toBe(0);
    expect(manifestOf(dir).scope).toEqual({ campaigns: ['quarterly-critical:2026-Q3', CAMPAIGN], from: '2026-07-01T00:00:00.000Z', to: '2026-10-02T00:00:00.000Z' });
    const q4 = join(dataDir, 'q4');
    expect((await cli(['export', '--from', '2026-08-01', '--out', q4])).code).toBe(0);
    expect(manifestOf(q4).scope.campaigns).toEqual([CAMPAIGN]);
    expect((await cli(['audit', 'verify-export', dir])).code).toBe(0);
  });

  it('--pseudonymize needs IAM_REVIEW_PSEUDONYM_KEY (exit 2) and then replaces personal data', async () => {
    const dir = join(dataDir, 'anon');
    const refused = await cli(['export', '--campaign', CAMPAIGN, '--out', dir, '--pseudonymize']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/--pseudonymize needs a secret key in IAM_REVIEW_PSEUDONYM_KEY/);
    expect(existsSync(dir)).toBe(false);
    expect((await cli(['export', '--campaign', CAMPAIGN, '--out', dir, '--pseudonymize'], { IAM_REVIEW_PSEUDONYM_KEY: 'secret' })).code).toBe(0);
    expect(readFileSync(join(dir, 'decisions.csv'), 'utf8')).not.toMatch(/@firm\.li/);
    expect(manifestOf(dir).pseudonymized).toBe(true);
  });

  it('refuses bad input with exit 2', async () => {
    expect((await cli(['export'])).code).toBe(2);
    expect((await cli(['export', '--campaign', 'nope:2026-Q1', '--out', join(dataDir, 'x')])).err).toMatch(/no campaign "nope:2026-Q1"/);
    expect((await cli(['export', '--campaign', CAMPAIGN, '--from', '2026-01-01'])).code).toBe(2);
    expect((await cli(['export', '--from', 'last tuesday'])).code).toBe(2);
    expect((await cli(['export', '--campaign', CAMPAIGN, '--format', 'xml'])).code).toBe(2);
  });
});
