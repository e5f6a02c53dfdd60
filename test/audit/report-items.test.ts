/**
 * report.html's item-level lists and the words around them: every revoked item with its
 * justification (also in a campaign far larger than the capped lists), approvals of items with
 * findings, expired items and delegations with people and reviewers named "Name <email>",
 * systems by their display names, times in the firm's zone, rounded figures, the campaign's
 * scope in words. Built from the evidence fixture through the real pack writer, and from
 * records added one by one for the large campaign.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.js';
import { EXPORT_FORMATS, writeEvidencePack } from '../../src/audit/evidence-pack.js';
import { decisionRecord } from '../../src/audit/evidence-record.js';
import { addRecord, emptyStats } from '../../src/audit/evidence-stats.js';
import { keepPersonalData } from '../../src/audit/pseudonymizer.js';
import { renderReport } from '../../src/audit/report-html.js';
import { ITEMS_SHOWN } from '../../src/audit/report-items.js';
import { barChart } from '../../src/audit/svg-charts.js';
import type { Campaign, Decision, ReviewItem } from '../../src/domain/index.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { seedReviewedCampaign, TestClock } from './evidence-fixture.js';

const root = mkdtempSync(join(tmpdir(), 'iam-report-items-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The body rows of a table, each as its cells' text (tags removed). */
function tableRows(html: string, name: string): string[][] {
  const table = new RegExp(`<table data-table="${name}">(.*?)</table>`, 's').exec(html)?.[1];
  if (table === undefined) return [];
  const body = /<tbody>(.*?)<\/tbody>/s.exec(table)![1]!;
  return [...body.matchAll(/<tr[^>]*>(.*?)<\/tr>/gs)].map((m) => [...m[1]!.matchAll(/<td[^>]*>(.*?)<\/td>/gs)].map((c) => c[1]!.replace(/<br>/g, ' | ').replace(/<[^>]+>/g, '')));
}

async function fixtureReport(): Promise<string> {
  const store = openSqliteStore({ memory: true });
  const clock = new TestClock();
  const { campaign } = await seedReviewedCampaign(store, clock);
  clock.at(30);
  const pack = await writeEvidencePack(
    {
      store, audit: new AuditLog(store.ledger, clock.now), now: clock.now, criticality: new Map([['custody-wallet', 'critical'], ['trading', 'important']]),
      timeZone: 'Europe/Vaduz', systemNames: new Map([['custody-wallet', 'Custody wallet'], ['trading', 'Trading platform']]),
      definitions: [{ id: 'quarterly-critical', scope: { criticality: ['critical', 'important'], privilegedOnly: false, includeFindings: false }, reviewers: ['manager', 'systemOwner'], dueInDays: 14, file: 'reviews/quarterly-critical.yaml' }],
    },
    { campaigns: [campaign], dir: join(root, 'pack'), formats: new Set(EXPORT_FORMATS), exportedBy: 'auditor@firm.li', scope: { from: null, to: null }, batchSize: 2 },
  );
  await store.close();
  return readFileSync(join(pack.dir, 'report.html'), 'utf8');
}

describe('report.html item-level lists (evidence fixture)', async () => {
  const html = await fixtureReport();

  it('lists every revoked item with person, system name, role, reviewer name and email, decision time in the firm zone and justification', () => {
    // In the pack's item order (as decisions.csv); sorted here by decision time.
    expect(tableRows(html, 'revocations').sort((a, b) => a[5]!.localeCompare(b[5]!))).toEqual([
      ['Alice Adler &lt;alice@firm.li&gt; | account alice', 'Custody wallet', 'SIGNER', '—', 'Mia Manager &lt;mia@firm.li&gt;', '2 Oct 2026, 11:00 CEST', '=HYPERLINK(&quot;http://evil.example&quot;,&quot;click&quot;)', 'sod-conflict (high): alice breaks sod-conflict; ask alice@firm.li'],
      ['unowned account svc-bot', 'Trading platform', 'ADMIN', '—', 'Noah Norr &lt;noah@firm.li&gt;', '4 Oct 2026, 11:00 CEST', 'Unowned service account, nobody claims it.', 'orphaned-account (high): svc-bot breaks orphaned-account; ask alice@firm.li'],
    ]);
    // The exact instant stays machine-readable beside the words.
    expect(html).toContain('<time datetime="2026-10-02T09:00:00.000Z">2 Oct 2026, 11:00 CEST</time>');
  });

  it('lists the expired item with its assigned reviewer, and the delegation with both reviewers, who, when, why and how it ended', () => {
    expect(tableRows(html, 'expired')).toEqual([['Carol Cerny &lt;carol@firm.li&gt; | account carol', 'Custody wallet', 'APPROVER', '—', 'Mia Manager &lt;mia@firm.li&gt;']]);
    expect(tableRows(html, 'delegations')).toEqual([
      ['Alice Adler &lt;alice@firm.li&gt; | account alice', 'Trading platform', 'TRADER', '—', 'Olga Ott &lt;olga@firm.li&gt;', 'Noah Norr &lt;noah@firm.li&gt; → Olga Ott &lt;olga@firm.li&gt;, by Noah Norr &lt;noah@firm.li&gt;, 3 Oct 2026, 11:00 CEST: “on leave” | ended approved', '4 Oct 2026, 11:00 CEST', 'none given'],
    ]);
    // No approval in the fixture carried findings: the section says so.
    expect(html).toMatch(/<section class="items" data-section="approvals-with-findings"><h3>Approved items with findings<\/h3><p>None\.<\/p>/);
  });

  it('states the scope in words, shows no raw ISO time and no unrounded figure anywhere', () => {
    const scope = /<ul class="scope" data-field="campaign-scope">(.*?)<\/ul>/s.exec(html)![1]!;
    expect(scope).toContain('Systems (2): Custody wallet (custody-wallet), Trading platform (trading); the review covers the systems of criticality critical or important.');
    expect(scope).toContain('Access: every grant (account, role and scope) on these systems.');
    expect(scope).toContain('People: 3 people and 1 unowned account, 6 grants reviewed.');
    expect(scope).toContain("Reviewers: each item went to the person&#39;s manager, else the system&#39;s owner, else the fallback reviewer");
    expect(scope).toContain('Due: 14 days after opening, 15 Oct 2026, 11:00 CEST.');
    expect(scope).toContain('reviews/quarterly-critical.yaml (as configured now: the opening did not record its scope)');
    const visible = html.replace(/datetime="[^"]*"/g, '');
    expect(visible).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
    expect(visible).not.toMatch(/\d\.\d{3,}/);
    // The fixture's opening recorded no fingerprint and the ledger no hashed config before it.
    expect(html).toContain('<p data-field="config-fingerprint">No configuration fingerprint');
    expect(html).toContain('<p data-field="sign-off">Not signed off.');
  });

  it('is still one file without scripts, with a print stylesheet (A4, a page per campaign, charts never cut)', () => {
    expect(html).not.toMatch(/<script|<link|<img|<iframe|src=/i);
    expect(html).toContain('@page{size:A4');
    expect(html).toMatch(/@media print\{[^]*section\.campaign,section\.remediation,section\.closing\{break-before:page\}/);
    expect(html).toMatch(/@media print\{[^]*\.chart,[^{]*\{break-inside:avoid\}/);
  });
});

describe('report.html in a large campaign', () => {
  const campaign: Campaign = { id: 'big:2026-Q4', reviewId: 'big', period: '2026-Q4', name: 'Big review', state: 'closed', openedAt: '2026-10-01T00:00:00.000Z', dueAt: '2026-10-15T00:00:00.000Z', closedAt: '2026-10-16T00:00:00.000Z', openedBy: 'x' };
  const ctx = { campaign, criticality: () => 'critical', person: () => null, slackId: () => null, delegations: () => [], p: keepPersonalData };
  const report = { systemName: () => 'Key vault', person: (id: string) => (id === 'M1' ? { name: 'Mia Manager', email: 'mia@firm.li' } : null) };
  const item = (n: number, state: ReviewItem['state'], findings = false): ReviewItem => ({
    id: `big:2026-Q4/g${n}`, campaignId: campaign.id, grantId: `g${n}`, systemId: 'kms', accountId: `acc-${n}`, role: 'admin', scope: '', identityId: null, reviewerId: 'M1', reviewerSource: 'manager', state,
    findings: findings ? [{ key: `k${n}`, type: 'dormant-account', severity: 'medium', systemId: 'kms', grantId: `g${n}`, accountId: `acc-${n}`, identityId: null, role: null, scope: null, ruleId: 'r', reason: 'unused', evidence: {} }] : [],
    lastActivityAt: null, decisionId: null, updatedAt: 't',
  });
  const decision = (i: ReviewItem, outcome: 'approve' | 'revoke'): Decision => ({
    id: i.id, itemId: i.id, campaignId: campaign.id, outcome, reviewerId: 'M1', reviewerEmail: 'mia@firm.li', reviewerSlackId: null, channel: 'cli', justification: `why ${i.id}`, decidedAt: '2026-10-05T10:00:00.000Z', findingsAtDecision: i.findings, simulated: false, operator: null,
  });
  const REVOKED = 1_500;
  const EXPIRED = ITEMS_SHOWN + 100;
  const KEPT = ITEMS_SHOWN + 7;

  it('lists every revoked item with its justification; the capped lists say how many they show and point to decisions.csv', () => {
    const s = emptyStats(campaign, 'UTC');
    const now = new Date('2026-10-20T00:00:00.000Z');
    let n = 0;
    for (let k = 0; k < REVOKED; k++) { const i = item(++n, 'revoked'); addRecord(s, decisionRecord(i, decision(i, 'revoke'), ctx), now, report); }
    for (let k = 0; k < EXPIRED; k++) addRecord(s, decisionRecord(item(++n, 'expired'), null, ctx), now, report);
    for (let k = 0; k < KEPT; k++) { const i = item(++n, 'approved', true); addRecord(s, decisionRecord(i, decision(i, 'approve'), ctx), now, report); }
    const html = renderReport({ generatedAt: '2026-10-20T00:00:00.000Z', exportedBy: 'a', tool: { name: 'iam-review', version: '1' }, scope: campaign.id, pseudonymized: false, campaigns: [s], ledger: { fromSeq: 0, toSeq: 0, toHash: null, headSeq: 0, headHash: null, events: 0 } });

    const revoked = tableRows(html, 'revocations');
    expect(revoked).toHaveLength(REVOKED);
    for (let k = 1; k <= REVOKED; k++) expect(revoked[k - 1]!.slice(0, 7)).toEqual([`unowned account acc-${k}`, 'Key vault', 'admin', '—', 'Mia Manager &lt;mia@firm.li&gt;', '5 Oct 2026, 10:00 UTC', `why big:2026-Q4/g${k}`]);
    expect(html).not.toContain('data-field="revocations-capped"');

    expect(tableRows(html, 'expired')).toHaveLength(ITEMS_SHOWN);
    expect(html).toContain(`<p class="muted" data-field="expired-capped">First ${ITEMS_SHOWN} of ${EXPIRED} shown; decisions.csv lists every item`);
    expect(tableRows(html, 'approvals-with-findings')).toHaveLength(ITEMS_SHOWN);
    expect(html).toContain(`<p class="muted" data-field="approvals-with-findings-capped">First ${ITEMS_SHOWN} of ${KEPT} shown;`);
    expect(html).toMatch(new RegExp(`Revoked items <span class="muted">\\(${REVOKED}\\)</span>`));
  });

  it('rounds shares in chart labels and tooltips', () => {
    const chart = barChart('share', 'Share', [{ label: 'kms', segments: [{ name: 'revoked share', value: 9 / 28, color: '#000' }] }], { percent: true });
    expect(chart).toContain('<title>kms: revoked share 32%</title>');
    expect(chart).toContain('data-value="32%"');
    expect(barChart('n', 'N', [{ label: 'x', segments: [{ name: 'n', value: 1 / 3, color: '#000' }] }])).toContain('<title>x: n 0.33</title>');
    expect(chart).not.toMatch(/\d\.\d{3,}/);
  });
});

describe('charts stay inside their box', () => {
  it('a long legend wraps onto a new line and the chart grows to hold it', () => {
    const segments = ['verified within due', 'verified after due', 'open, not yet due', 'past due', 'not opened'].map((name) => ({ name, value: 1, color: '#000' }));
    const chart = barChart('legend', 'Legend', [{ label: 'critical', segments }]);
    const width = Number(/width="(\d+)" height/.exec(chart)![1]);
    const height = Number(/height="(\d+)" viewBox/.exec(chart)![1]);
    const legend = [...chart.matchAll(/<rect x="(\d+)" y="(\d+)" width="10"/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) }));
    expect(legend).toHaveLength(5);
    for (const [i, l] of legend.entries()) {
      expect(l.x + 24 + segments[i]!.name.length * 7, segments[i]!.name).toBeLessThanOrEqual(width);
      expect(l.y + 10, segments[i]!.name).toBeLessThanOrEqual(height);
    }
    expect(new Set(legend.map((l) => l.y)).size).toBe(2);
  });
});
