/**
 * `export --format pdf`: report.html printed by Chromium into the pack (listed in the manifest,
 * verified like every file) when Chromium is installed; a clear error (exit 1) and nothing
 * written or ledgered when the Chromium named is not there.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { openApp } from '../../src/app.js';
import type { EvidenceManifest } from '../../src/audit/evidence-manifest.js';
import { run } from '../../src/cli.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { seedReviewedCampaign, TestClock } from '../audit/evidence-fixture.js';
import { captureIo } from '../helpers/capture-io.js';
import { CHROMIUM_PATH, CHROMIUM_SUITE, suiteTitle } from '../helpers/optional-suites.js';

const REPO = resolve(import.meta.dirname, '../..');
const CAMPAIGN = 'quarterly-critical:2026-Q4';
const root = mkdtempSync(join(tmpdir(), 'iam-export-pdf-'));
let n = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('iam-review export --format pdf', () => {
  let dataDir: string;
  const clock = new TestClock();

  beforeEach(async () => {
    dataDir = join(root, `d${++n}`);
    const store = openSqliteStore({ file: join(dataDir, 'iam-review.db') });
    await seedReviewedCampaign(store, clock);
    await store.close();
    clock.at(30);
  });

  async function cli(args: string[], env: Record<string, string>) {
    const io = captureIo();
    const code = await run(['node', 'iam-review', ...args], {
      io, env: { IAM_REVIEW_CONFIG_DIR: REPO, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env }, cwd: REPO,
      openApp: (e) => openApp(e, { now: clock.now }),
    });
    return { code, out: io.stdout(), err: io.stderr() };
  }

  it('without Chromium at the path given: exit 1 naming the path and the way out, no pack, no export ledgered', async () => {
    const dir = join(dataDir, 'pack');
    const r = await cli(['export', '--campaign', CAMPAIGN, '--out', dir, '--format', 'pdf'], { CHROMIUM_PATH: join(root, 'no-such-chromium') });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`--format pdf needs Chromium: CHROMIUM_PATH is ${join(root, 'no-such-chromium')}, which is not an executable file`);
    expect(r.err).toContain('export --format html (the same report)');
    expect(existsSync(dir)).toBe(false);
    expect((await cli(['audit', 'log', '--type', 'export.', '--json'], {})).out.trim()).toBe('');
  });

  it('without CHROMIUM_PATH and no Chromium on PATH: exit 1 saying how to install or point at one', async () => {
    const r = await cli(['export', '--campaign', CAMPAIGN, '--out', join(dataDir, 'pack'), '--format', 'pdf'], { PATH: join(root, 'empty-bin') });
    expect(r.code).toBe(1);
    expect(r.err).toContain('--format pdf needs Chromium, and none was found on PATH (chromium, chromium-browser, google-chrome, google-chrome-stable)');
  });

  describe.skipIf(!CHROMIUM_SUITE.available)(suiteTitle({ ...CHROMIUM_SUITE, name: 'report.pdf printed by Chromium', file: 'test/cli/export-pdf.test.ts' }), () => {
    it('writes report.pdf (a PDF) beside report.html, lists it in the manifest, and the pack verifies', async () => {
      const dir = join(dataDir, 'pack');
      const r = await cli(['export', '--campaign', CAMPAIGN, '--out', dir, '--format', 'pdf', '--as', 'auditor@firm.li'], { CHROMIUM_PATH });
      expect(r, r.err).toMatchObject({ code: 0 });
      expect(readdirSync(dir).sort()).toEqual(['events.csv', 'manifest.json', 'report.html', 'report.pdf']);
      const pdf = readFileSync(join(dir, 'report.pdf'));
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      // A4 pages (595 x 842 points), more than one: each campaign part starts a page.
      const text = pdf.toString('latin1');
      const boxes = [...new Set([...text.matchAll(/\/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]/g)].map((m) => `${Math.round(Number(m[1]))}x${Math.round(Number(m[2]))}`))];
      expect(boxes).toEqual(['595x842']);
      expect(Math.max(...[...text.matchAll(/\/Count (\d+)/g)].map((m) => Number(m[1])))).toBeGreaterThan(1);
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as EvidenceManifest;
      expect(manifest.files.map((f) => f.name)).toEqual(['events.csv', 'report.html', 'report.pdf']);
      expect(manifest.files.find((f) => f.name === 'report.pdf')!.bytes).toBe(pdf.length);
      expect((await cli(['audit', 'verify-export', dir], {})).code).toBe(0);
      const log = JSON.parse((await cli(['audit', 'log', '--type', 'export.', '--json'], {})).out) as { data: { formats: string[] } };
      expect(log.data.formats).toEqual(['pdf']);
    }, 120_000);
  });
});
