import { describe, expect, it } from 'vitest';
import { delegationChain } from '../../src/audit/evidence-record.js';
import { addRecord, emptyStats } from '../../src/audit/evidence-stats.js';
import { keepPersonalData, pseudonymizer } from '../../src/audit/pseudonymizer.js';
import { renderReport } from '../../src/audit/report-html.js';
import { barChart, esc, lineChart } from '../../src/audit/svg-charts.js';
import type { Campaign } from '../../src/domain/index.js';
import { DEFAULT_REVIEW_QUALITY, reviewQuality } from '../../src/domain/index.js';
import { decisionRecord } from '../../src/audit/evidence-record.js';

const campaign: Campaign = { id: 'r:2026-Q4', reviewId: 'r', period: '2026-Q4', name: '<script>alert(1)</script> review', state: 'open', openedAt: '2026-10-01T00:00:00.000Z', dueAt: '2026-10-15T00:00:00.000Z', closedAt: null, openedBy: 'x' };

describe('report.html rendering', () => {
  it('escapes every text taken from data', () => {
    const html = renderReport({ generatedAt: 't', exportedBy: '"><img src=x>', tool: { name: 'iam-review', version: '1' }, scope: 's', pseudonymized: false, campaigns: [emptyStats(campaign)], ledger: { fromSeq: 0, toSeq: 0, toHash: null, headSeq: 0, headHash: null, events: 0 } });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; review');
    expect(esc(`a&b<"'>`)).toBe('a&amp;b&lt;&quot;&#39;&gt;');
  });

  it('counts pending items past the due date as overdue', () => {
    const s = emptyStats(campaign);
    const item = { id: 'r:2026-Q4/g1', campaignId: campaign.id, grantId: 'g1', systemId: 'kms', accountId: 'a', role: 'admin', scope: '', identityId: null, reviewerId: 'M1', reviewerSource: 'manager', state: 'pending' as const, findings: [], lastActivityAt: null, decisionId: null, updatedAt: 't' };
    const ctx = { campaign, criticality: () => 'critical', person: () => null, slackId: () => null, delegations: () => [], p: keepPersonalData };
    addRecord(s, decisionRecord(item, null, ctx), new Date('2026-10-20T00:00:00.000Z'));
    addRecord(s, decisionRecord({ ...item, id: 'r:2026-Q4/g2' }, null, ctx), new Date('2026-10-10T00:00:00.000Z'));
    expect(s).toMatchObject({ total: 2, pending: 2, overdue: 1 });
    expect(s.exceptions).toEqual([expect.objectContaining({ kind: 'overdue', item: 'r:2026-Q4/g1' })]);
  });

  it('charts: bars scale to the largest total, a line has one point per day', () => {
    const bars = barChart('b', 'B', [{ label: 'x', segments: [{ name: 'n', value: 2, color: '#000' }] }, { label: 'y', segments: [{ name: 'n', value: 1, color: '#000' }] }]);
    const widths = [...bars.matchAll(/<rect [^>]*width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toEqual([420, 210]);
    expect(bars).toContain('data-chart="b"');
    const line = lineChart('l', 'L', [{ x: '2026-10-01', y: 0.5 }, { x: '2026-10-02', y: 1 }], 1);
    expect(line.match(/<circle/g)).toHaveLength(2);
    expect(lineChart('l', 'L', [], 1)).toContain('no decisions');
  });

  it('"Review quality": only for campaigns given one, reviewers named by the label given and escaped', () => {
    const base = { generatedAt: 't', exportedBy: 'x', tool: { name: 'iam-review', version: '1' }, scope: 's', pseudonymized: false, campaigns: [emptyStats(campaign)], ledger: { fromSeq: 0, toSeq: 0, toHash: null, headSeq: 0, headHash: null, events: 0 } };
    expect(renderReport(base)).not.toContain('Review quality');
    const decided = (id: string, at: string) => ({ id, itemId: id, campaignId: campaign.id, outcome: 'approve' as const, reviewerId: '<E1>', reviewerEmail: null, reviewerSlackId: null, channel: 'cli' as const, justification: null, decidedAt: at, findingsAtDecision: [], simulated: false, operator: null });
    const quality = reviewQuality([decided('a', '2026-10-02T09:00:00.000Z'), decided('b', '2026-10-02T09:00:01.500Z')], { ...DEFAULT_REVIEW_QUALITY, fastDecisions: { minItems: 2, medianGapSeconds: 2 } });
    const html = renderReport({ ...base, reviewQuality: new Map([[campaign.id, quality]]), reviewerLabel: (id) => `label of ${id}` });
    expect(html).toContain('<h3>Review quality</h3>');
    expect(html).toContain('flagged when at least 20 items with all approved, including a high finding; or at least 2 decisions a median under 2 s apart; or approve-all used and every item with findings approved too');
    expect(html).toContain('<tr data-flagged="true"><td>label of &lt;E1&gt;</td><td>2</td><td>100.0%</td><td>0 (0)</td><td>1.5 s</td><td>1.5 s</td><td>0</td><td><b>fast-decisions</b>: 2 decisions a median 1.5 s apart (under 2 s), the fastest 1.5 s</td></tr>');
  });

  it('delegation chain reads oldest first', () => {
    expect(delegationChain([])).toBe('');
    expect(delegationChain([{ from: 'A', to: 'B', by: 'A', at: 't', reason: null }, { from: 'B', to: 'C', by: 'B', at: 't', reason: null }])).toBe('A > B > C');
  });
});

describe('pseudonymizer', () => {
  it('is keyed and stable, case-insensitive for emails, and leaves non-personal values alone', () => {
    const p = pseudonymizer('key-1');
    const q = pseudonymizer('key-2');
    expect(p.value('Alice@Firm.li')).toBe(p.value('alice@firm.li'));
    expect(p.value('alice@firm.li')).toMatch(/^anon-[0-9a-f]{20}$/);
    expect(p.value('alice@firm.li')).not.toBe(q.value('alice@firm.li'));
    expect(p.value(null)).toBeNull();
    expect(p.value('')).toBe('');
    expect(p.text('ask alice@firm.li or bob@firm.li')).toBe(`ask ${p.value('alice@firm.li')} or ${p.value('bob@firm.li')}`);
    expect(p.json({ reviewerId: 'E1', systemId: 'kms', note: 'mail alice@firm.li', holderLabels: ['x', 'y'], snapshot: 'kms@2026-10-01T00:00:00Z' })).toEqual({
      reviewerId: p.value('E1'), systemId: 'kms', note: `mail ${p.value('alice@firm.li')}`, holderLabels: [p.value('x'), p.value('y')], snapshot: 'kms@2026-10-01T00:00:00Z',
    });
  });
});
