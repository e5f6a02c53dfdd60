/**
 * report.html opened in a real browser: Debian's chromium through playwright-core. Checks the
 * summary figures against the fixture's known campaign, that every chart is drawn, and that
 * the page loads nothing from anywhere (self-contained: it must render offline, in an archive).
 */
import { AuditLog } from '../../src/audit/audit-log.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_FORMATS, writeEvidencePack } from '../../src/audit/evidence-pack.js';
import type { EvidencePackResult } from '../../src/audit/evidence-pack.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { CHROMIUM_PATH, CHROMIUM_SUITE, suiteTitle } from '../helpers/optional-suites.js';
import { EXPECTED, seedReviewedCampaign, TestClock } from './evidence-fixture.js';

const CHARTS = ['outcome', 'completion-over-time', 'completion-by-reviewer', 'revocation-by-system', 'findings-by-type', 'findings-by-system', 'removal-by-criticality'];

describe.skipIf(!CHROMIUM_SUITE.available)(suiteTitle(CHROMIUM_SUITE), () => {
  const root = mkdtempSync(join(tmpdir(), 'iam-report-'));
  let browser: Browser;
  let page: Page;
  let pack: EvidencePackResult;
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    const store = openSqliteStore({ memory: true });
    const clock = new TestClock();
    const { campaign } = await seedReviewedCampaign(store, clock);
    clock.at(30);
    pack = await writeEvidencePack(
      { store, audit: new AuditLog(store.ledger, clock.now), now: clock.now, criticality: new Map([['custody-wallet', 'critical'], ['trading', 'important']]) },
      { campaigns: [campaign], dir: join(root, 'pack'), formats: new Set(EXPORT_FORMATS), exportedBy: 'auditor@firm.li', scope: { from: null, to: null } },
    );
    await store.close();
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.route('**/*', async (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      foreignRequests.push(url);
      return route.abort();
    });
    await page.goto(pathToFileURL(join(pack.dir, 'report.html')).href);
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const figure = (name: string) => page.locator(`[data-figure="${name}"]`).innerText();

  it('shows the campaign summary figures', async () => {
    expect(await page.title()).toContain('quarterly-critical:2026-Q4');
    expect(await figure('total')).toBe(String(EXPECTED.total));
    expect(await figure('approved')).toBe(String(EXPECTED.approved));
    expect(await figure('revoked')).toBe(String(EXPECTED.revoked));
    expect(await figure('expired')).toBe(String(EXPECTED.expired));
    expect(await figure('pending')).toBe(String(EXPECTED.pending));
    expect(await figure('overdue')).toBe('0');
    expect(await figure('decided-late')).toBe(String(EXPECTED.decidedLate));
    expect(await figure('delegated')).toBe(String(EXPECTED.delegated));
    expect(await figure('with-findings')).toBe(String(EXPECTED.withFindings));
    expect(await figure('completion')).toBe(EXPECTED.completion);
    expect(await figure('revocation-rate')).toBe(EXPECTED.revocationRate);
  });

  it('draws every chart as inline SVG with visible marks', async () => {
    expect(await page.locator('svg[data-chart]').evaluateAll((els) => els.map((e) => e.getAttribute('data-chart')))).toEqual(CHARTS);
    for (const name of CHARTS) {
      const chart = page.locator(`svg[data-chart="${name}"]`);
      const box = await chart.boundingBox();
      expect(box?.width, name).toBeGreaterThan(200);
      expect(box?.height, name).toBeGreaterThan(30);
      expect(await chart.locator('rect, path').count(), name).toBeGreaterThan(0);
    }
    // Completion over time: one point per day with decisions (days 1, 3 and 20), and the due-date marker.
    expect(await page.locator('svg[data-chart="completion-over-time"] circle').count()).toBe(3);
    expect(await page.locator('svg[data-chart="completion-over-time"]').innerHTML()).toContain('>due<');
    const reviewers = await page.locator('svg[data-chart="completion-by-reviewer"] text[text-anchor="end"]').allTextContents();
    expect(reviewers.sort()).toEqual(['mia@firm.li', 'noah@firm.li', 'olga@firm.li']);
    const byType = await page.locator('svg[data-chart="findings-by-type"]').textContent();
    expect(byType).toMatch(/orphaned-account/);
    expect(byType).toMatch(/sod-conflict/);
  });

  it('lists overdue and expired items, the regulatory mapping and the chain head', async () => {
    const exceptions = await page.locator('table[data-table="exceptions"] tbody tr').allInnerTexts();
    expect(exceptions).toHaveLength(2);
    expect(exceptions.join('\n')).toMatch(/expired.*carol/s);
    expect(exceptions.join('\n')).toMatch(/late.*bob/s);
    const mapping = await page.locator('table[data-table="mapping"]').innerText();
    for (const ref of ['Art. 20', 'Art. 21', 'Art. 12', 'A.5.18', 'A.8.2']) expect(mapping).toContain(ref);
    expect(await page.locator('[data-field="head-hash"]').innerText()).toBe(pack.manifest.ledger.headHash);
    expect(await page.locator('[data-field="head-seq"]').innerText()).toBe(String(pack.manifest.ledger.headSeq));
  });

  it('is self-contained: no request leaves the file, no script runs', async () => {
    expect(foreignRequests).toEqual([]);
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('link[rel="stylesheet"], img, iframe').count()).toBe(0);
  });
});
