import { describe, expect, it } from 'vitest';
import type { CoverageCampaignInput, CoverageSystemInput } from '../../src/domain/index.js';
import { addMonths, reviewCoverage } from '../../src/domain/index.js';

const NOW = new Date('2026-12-06T12:00:00.000Z');
const trading: CoverageSystemInput = { id: 'trading', criticality: 'critical', cadenceMonths: 6, firstAppliedAt: '2025-01-10T08:00:00.000Z' };
const vault: CoverageSystemInput = { id: 'vault', criticality: 'important', cadenceMonths: 12, firstAppliedAt: '2026-03-01T00:00:00.000Z' };

function campaign(id: string, closedAt: string, systems: Record<string, number>): CoverageCampaignInput {
  return { id, closedAt, systems: new Map(Object.entries(systems).map(([s, expired]) => [s, { expired }])) };
}

describe('reviewCoverage', () => {
  it('the last closed campaign that covered every grant and let none expire is the last review; next due = close + cadence', () => {
    const [t] = reviewCoverage([trading], [campaign('q1', '2026-04-02T10:00:00.000Z', { trading: 0 }), campaign('h1', '2026-07-15T09:00:00.000Z', { trading: 0 }), campaign('old', '2025-12-01T00:00:00.000Z', { trading: 0 })], NOW);
    expect(t).toEqual({ system: 'trading', criticality: 'critical', cadenceMonths: 6, lastReviewedAt: '2026-07-15T09:00:00.000Z', campaign: 'h1', nextDueAt: '2027-01-15T09:00:00.000Z', overdue: false, incompleteCampaign: null });
  });

  it('a campaign that let items of the system expire does not review it (named as incomplete); one that did not cover it is ignored', () => {
    const [t] = reviewCoverage([trading], [campaign('h1', '2026-05-01T00:00:00.000Z', { trading: 0 }), campaign('h2', '2026-11-20T00:00:00.000Z', { trading: 3 }), campaign('vault-only', '2026-11-30T00:00:00.000Z', { vault: 0 })], NOW);
    expect(t).toMatchObject({ lastReviewedAt: '2026-05-01T00:00:00.000Z', campaign: 'h1', nextDueAt: '2026-11-01T00:00:00.000Z', overdue: true, incompleteCampaign: 'h2' });
  });

  it('never reviewed: the clock starts at the first applied snapshot; never synced: no clock, not overdue', () => {
    const never: CoverageSystemInput = { id: 'keys', criticality: 'critical', cadenceMonths: 6, firstAppliedAt: null };
    const [t, v, k] = reviewCoverage([trading, vault, never], [], NOW);
    expect(t).toMatchObject({ lastReviewedAt: null, campaign: null, nextDueAt: '2025-07-10T08:00:00.000Z', overdue: true });
    expect(v).toMatchObject({ lastReviewedAt: null, nextDueAt: '2027-03-01T00:00:00.000Z', overdue: false });
    expect(k).toMatchObject({ lastReviewedAt: null, campaign: null, nextDueAt: null, overdue: false });
  });

  it('due at the exact instant is not overdue yet; a millisecond later it is', () => {
    const s = { ...trading, firstAppliedAt: '2026-06-06T12:00:00.000Z' };
    expect(reviewCoverage([s], [], NOW)[0]!.overdue).toBe(false);
    expect(reviewCoverage([s], [], new Date(NOW.getTime() + 1))[0]!.overdue).toBe(true);
  });
});

describe('addMonths', () => {
  it('adds calendar months in UTC; a day the month lacks becomes its last day', () => {
    expect(addMonths('2026-08-31T10:00:00.000Z', 6)).toBe('2027-02-28T10:00:00.000Z');
    expect(addMonths('2027-08-31T10:00:00.000Z', 6)).toBe('2028-02-29T10:00:00.000Z');
    expect(addMonths('2026-01-31T00:00:00.000Z', 1)).toBe('2026-02-28T00:00:00.000Z');
    expect(addMonths('2026-07-15T09:30:00.000Z', 12)).toBe('2027-07-15T09:30:00.000Z');
    expect(addMonths('2026-12-06T00:00:00.000Z', 6)).toBe('2027-06-06T00:00:00.000Z');
  });
});
