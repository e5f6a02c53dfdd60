import { describe, expect, it } from 'vitest';
import type { CoverageCampaignInput, CoverageSystemInput } from '../../src/domain/index.js';
import { coverageCalendar, monthsUpTo } from '../../src/domain/index.js';

const NOW = new Date('2026-12-06T12:00:00.000Z');
const MONTHS = monthsUpTo('2026-12', 18);
const utcMonth = (iso: string) => iso.slice(0, 7);

function campaign(id: string, closedAt: string, systems: Record<string, number>): CoverageCampaignInput {
  return { id, closedAt, systems: new Map(Object.entries(systems).map(([s, expired]) => [s, { expired }])) };
}

/** Month -> marks, for the months that have any; and the first tracked month. */
function marksOf(row: { months: { month: string; tracked: boolean; marks: string[] }[] }) {
  return { marks: Object.fromEntries(row.months.filter((m) => m.marks.length > 0).map((m) => [m.month, m.marks])), firstTracked: row.months.find((m) => m.tracked)?.month ?? null };
}

describe('coverageCalendar', () => {
  it('monthsUpTo counts back across years', () => {
    expect(MONTHS).toHaveLength(18);
    expect([MONTHS[0], MONTHS[5], MONTHS[6], MONTHS[17]]).toEqual(['2025-07', '2025-12', '2026-01', '2026-12']);
    expect(monthsUpTo('2026-01', 2)).toEqual(['2025-12', '2026-01']);
  });

  it('reviewed, due and overdue months by the coverage rule; a system added later is tracked from its first applied snapshot', () => {
    const systems: CoverageSystemInput[] = [
      // Due 2026-01-10, reviewed (late) 2026-01-20; due again 2026-07-20, never reviewed since.
      { id: 'trading', criticality: 'critical', cadenceMonths: 6, firstAppliedAt: '2025-07-10T08:00:00.000Z' },
      // Reviewed before each due date: no due month until the one still open (2026-11-01), then overdue.
      { id: 'kms', criticality: 'critical', cadenceMonths: 6, firstAppliedAt: '2025-06-01T00:00:00.000Z' },
      // Added in September 2026: 12 months, nothing due yet.
      { id: 'vault', criticality: 'important', cadenceMonths: 12, firstAppliedAt: '2026-09-15T00:00:00.000Z' },
      { id: 'never', criticality: 'standard', cadenceMonths: 12, firstAppliedAt: null },
    ];
    const campaigns = [
      campaign('h1', '2026-01-20T16:00:00.000Z', { trading: 0 }),
      campaign('kms-1', '2025-11-15T00:00:00.000Z', { kms: 0 }),
      campaign('kms-2', '2026-05-01T00:00:00.000Z', { kms: 0 }),
      // Let an item of trading expire: not a review.
      campaign('h2', '2026-08-01T00:00:00.000Z', { trading: 1, kms: 2 }),
    ];
    const [trading, kms, vault, never] = coverageCalendar(systems, campaigns, MONTHS, NOW, utcMonth);
    expect(marksOf(trading!)).toEqual({
      firstTracked: '2025-07',
      marks: { '2026-01': ['reviewed', 'due', 'overdue'], '2026-07': ['due', 'overdue'], '2026-08': ['overdue'], '2026-09': ['overdue'], '2026-10': ['overdue'], '2026-11': ['overdue'], '2026-12': ['overdue'] },
    });
    expect(marksOf(kms!)).toEqual({ firstTracked: '2025-07', marks: { '2025-11': ['reviewed'], '2026-05': ['reviewed'], '2026-11': ['due', 'overdue'], '2026-12': ['overdue'] } });
    expect(marksOf(vault!)).toEqual({ firstTracked: '2026-09', marks: {} });
    expect(marksOf(never!)).toEqual({ firstTracked: null, marks: {} });
    expect(trading!.months.map((m) => m.month)).toEqual(MONTHS);
  });

  it('a due date still ahead in the last month is due, not overdue', () => {
    const [row] = coverageCalendar([{ id: 's', criticality: 'critical', cadenceMonths: 6, firstAppliedAt: '2026-06-20T00:00:00.000Z' }], [], MONTHS, NOW, utcMonth);
    expect(marksOf(row!).marks).toEqual({ '2026-12': ['due'] });
  });
});
