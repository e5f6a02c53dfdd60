/**
 * Rubber-stamp detection (domain/review-quality.ts): the per-reviewer numbers and every
 * pattern at its threshold, one step on each side of it.
 */
import { describe, expect, it } from 'vitest';
import type { Decision, Finding, ReviewQualityThresholds, Severity } from '../../src/domain/index.js';
import { DEFAULT_REVIEW_QUALITY, median, reviewQuality } from '../../src/domain/index.js';

const T0 = Date.parse('2026-11-02T09:00:00.000Z');

function finding(severity: Severity): Finding {
  return { key: `k-${severity}`, type: 'dormant', severity, systemId: 's', grantId: 'g', accountId: 'a', identityId: 'i', role: 'r', scope: null, ruleId: 'r', reason: 'x', evidence: {} };
}

let n = 0;
function decision(reviewerId: string, atSeconds: number, outcome: 'approve' | 'revoke' = 'approve', severities: Severity[] = [], extra: Partial<Decision> = {}): Decision {
  const id = `c/${reviewerId}/${String(n++).padStart(4, '0')}`;
  return {
    id, itemId: id, campaignId: 'c', outcome, reviewerId, reviewerEmail: null, reviewerSlackId: null, channel: 'cli', justification: null,
    decidedAt: new Date(T0 + atSeconds * 1000).toISOString(), findingsAtDecision: severities.map(finding), simulated: false, operator: null, ...extra,
  };
}

/** `count` approvals `gap` seconds apart, the first with a finding of `severity` (none: no finding). */
function approvals(reviewerId: string, count: number, gap: number, severity?: Severity): Decision[] {
  return Array.from({ length: count }, (_, k) => decision(reviewerId, k * gap, 'approve', k === 0 && severity ? [severity] : []));
}

const patterns = (ds: Decision[], t: ReviewQualityThresholds = DEFAULT_REVIEW_QUALITY) => reviewQuality(ds, t).reviewers.map((r) => [r.reviewerId, r.observations.map((o) => o.pattern)]);

describe('reviewQuality', () => {
  it('counts, shares, gaps in decision order and approve-all use per reviewer', () => {
    const ds = [
      decision('a', 10, 'approve', ['high', 'low']),
      decision('a', 0, 'approve', [], { approveAll: true }),
      decision('a', 4, 'revoke', ['high']),
      decision('a', 5, 'approve', ['medium']),
      decision('b', 100, 'approve'),
    ];
    const q = reviewQuality(ds);
    expect(q.flagged).toBe(0);
    expect(q.reviewers).toEqual([
      { reviewerId: 'a', decided: 4, approved: 3, approvalShare: 0.75, approvedWithFindings: 2, approvedWithSevereFindings: 1, medianGapSeconds: 4, minGapSeconds: 1, approveAllDecisions: 1, observations: [] },
      { reviewerId: 'b', decided: 1, approved: 1, approvalShare: 1, approvedWithFindings: 0, approvedWithSevereFindings: 0, medianGapSeconds: null, minGapSeconds: null, approveAllDecisions: 0, observations: [] },
    ]);
    expect(reviewQuality([]).reviewers).toEqual([]);
  });

  it('a reviewer of a very large campaign: no argument-count limit on the gaps', () => {
    const many = approvals('big', 200_000, 0.5);
    expect(reviewQuality(many).reviewers[0]).toMatchObject({ decided: 200_000, medianGapSeconds: 0.5, minGapSeconds: 0.5 });
  });

  it('median: odd and even counts, unsorted input', () => {
    expect(median([])).toBeNull();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 10])).toBe(3.5);
  });

  it('approved-everything: 20 items all approved with a high finding; not 19, not one revoke, not only a medium finding', () => {
    // 10 s apart: only this pattern can fire.
    expect(patterns(approvals('r', 20, 10, 'high'))).toEqual([['r', ['approved-everything']]]);
    expect(patterns(approvals('r', 19, 10, 'high'))).toEqual([['r', []]]);
    expect(patterns([...approvals('r', 20, 10, 'high'), decision('r', 500, 'revoke')])).toEqual([['r', []]]);
    expect(patterns(approvals('r', 25, 10, 'medium'))).toEqual([['r', []]]);
    expect(patterns(approvals('r', 25, 10))).toEqual([['r', []]]);
    const q = reviewQuality(approvals('r', 20, 10, 'high')).reviewers[0]!;
    expect(q.observations[0]).toEqual({ type: 'review-quality', pattern: 'approved-everything', text: 'approved all of 20 items (at least 20), 1 of them with a high or more severe finding' });
  });

  it('approved-everything with configured thresholds: share and severity at the boundary', () => {
    const t: ReviewQualityThresholds = { ...DEFAULT_REVIEW_QUALITY, approvedEverything: { minItems: 5, minApprovalShare: 0.8, findingSeverity: 'medium' } };
    const fourOfFive = [...approvals('r', 4, 10, 'medium'), decision('r', 100, 'revoke')];
    expect(patterns(fourOfFive, t)).toEqual([['r', ['approved-everything']]]);
    expect(patterns([...approvals('r', 3, 10, 'medium'), decision('r', 100, 'revoke'), decision('r', 110, 'revoke')], t)).toEqual([['r', []]]);
    expect(patterns(fourOfFive, { ...t, approvedEverything: false })).toEqual([['r', []]]);
    expect(reviewQuality(fourOfFive, t).reviewers[0]!.observations[0]!.text).toBe('approved 80% (at least 80%) of 5 items (at least 5), 1 of them with a medium or more severe finding');
  });

  it('fast-decisions: median gap under 3 s over 10 decisions; exactly 3 s, or 9 decisions, is not flagged', () => {
    expect(patterns(approvals('r', 10, 2.9))).toEqual([['r', ['fast-decisions']]]);
    expect(patterns(approvals('r', 10, 3))).toEqual([['r', []]]);
    expect(patterns(approvals('r', 9, 1))).toEqual([['r', []]]);
    // The median, not the mean: one long pause does not hide a run of quick clicks.
    const paused = [...approvals('r', 10, 1), decision('r', 3_600)];
    expect(reviewQuality(paused).reviewers[0]).toMatchObject({ medianGapSeconds: 1, minGapSeconds: 1 });
    expect(patterns(paused)).toEqual([['r', ['fast-decisions']]]);
    expect(reviewQuality(approvals('r', 10, 1)).reviewers[0]!.observations[0]!.text).toBe('10 decisions a median 1 s apart (under 3 s), the fastest 1 s');
    expect(patterns(approvals('r', 10, 1), { ...DEFAULT_REVIEW_QUALITY, fastDecisions: false })).toEqual([['r', []]]);
    expect(patterns(approvals('r', 4, 5), { ...DEFAULT_REVIEW_QUALITY, fastDecisions: { minItems: 4, medianGapSeconds: 5.5 } })).toEqual([['r', ['fast-decisions']]]);
  });

  it('a rubber stamp: 20 approvals 2 s apart including high findings raises both patterns; a careful reviewer none', () => {
    const stamp = approvals('stamp', 20, 2, 'high');
    const careful = [...approvals('careful', 24, 45, 'high'), decision('careful', 2_000, 'revoke', ['high'])];
    const q = reviewQuality([...careful, ...stamp]);
    expect(q.flagged).toBe(1);
    expect(q.reviewers.map((r) => [r.reviewerId, r.observations.map((o) => o.pattern)])).toEqual([
      ['stamp', ['approved-everything', 'fast-decisions']],
      ['careful', []],
    ]);
  });

  it('approve-all-with-findings: approve-all used, then every item with findings approved; not when one was revoked, nor without approve-all', () => {
    const bulk = [decision('r', 0, 'approve', [], { approveAll: true }), decision('r', 0, 'approve', [], { approveAll: true })];
    expect(patterns([...bulk, decision('r', 60, 'approve', ['low'])])).toEqual([['r', ['approve-all-with-findings']]]);
    expect(patterns([...bulk, decision('r', 60, 'approve', ['low']), decision('r', 120, 'revoke', ['high'])])).toEqual([['r', []]]);
    expect(patterns([...bulk])).toEqual([['r', []]]);
    expect(patterns([decision('r', 0), decision('r', 60, 'approve', ['low'])])).toEqual([['r', []]]);
    expect(patterns([...bulk, decision('r', 60, 'approve', ['low'])], { ...DEFAULT_REVIEW_QUALITY, approveAllWithFindings: false })).toEqual([['r', []]]);
    expect(reviewQuality([...bulk, decision('r', 60, 'approve', ['low'])]).reviewers[0]!.observations[0]!.text).toBe('used approve-all for 2 items, then approved all 1 items with findings too (nothing revoked)');
  });
});
