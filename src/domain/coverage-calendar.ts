/**
 * The review cadence of each system month by month (report.html's coverage calendar), by the
 * rule of review-coverage.ts: a system is reviewed by a closed campaign that covered every grant
 * and let none of its items expire; each review (before the first one: the first applied
 * snapshot) starts a clock of `cadenceMonths`; the system is overdue from the end of a clock
 * until the next review. A due month is one where a review fell due that no earlier review
 * had already replaced (the next due shows while it is in the calendar's months). Pure: months are named by the caller's `monthOf` (the firm's zone).
 */
import type { CoverageCampaignInput, CoverageSystemInput } from './review-coverage.js';
import { addMonths } from './review-coverage.js';

/** What happened to a system in a month: a review closed, a review fell due, it was overdue at some time. */
export type CalendarMark = 'reviewed' | 'due' | 'overdue';

export interface CalendarMonth {
  /** `YYYY-MM` */
  month: string;
  /** False for the months before its first applied snapshot (no clock yet). */
  tracked: boolean;
  marks: CalendarMark[];
}

export interface CalendarRow {
  system: string;
  months: CalendarMonth[];
}

/** The `count` months (`YYYY-MM`) up to and including `last`, oldest first. */
export function monthsUpTo(last: string, count: number): string[] {
  const [y, m] = last.split('-').map(Number) as [number, number];
  return Array.from({ length: count }, (_, n) => {
    const index = y * 12 + (m - 1) - (count - 1 - n);
    return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
  });
}

export function coverageCalendar(
  systems: readonly CoverageSystemInput[],
  campaigns: readonly CoverageCampaignInput[],
  months: readonly string[],
  now: Date,
  monthOf: (iso: string) => string,
): CalendarRow[] {
  const nowIso = now.toISOString();
  return systems.map((s) => {
    const reviews = campaigns.filter((c) => c.systems.get(s.id)?.expired === 0).map((c) => c.closedAt).sort();
    const anchors = [...(s.firstAppliedAt !== null && (reviews.length === 0 || s.firstAppliedAt < reviews[0]!) ? [s.firstAppliedAt] : []), ...reviews];
    const marks = new Map<string, Set<CalendarMark>>(months.map((m) => [m, new Set()]));
    const mark = (month: string, what: CalendarMark) => marks.get(month)?.add(what);
    for (const r of reviews) mark(monthOf(r), 'reviewed');
    anchors.forEach((from, n) => {
      const due = addMonths(from, s.cadenceMonths);
      // A review on or before the due instant restarts the clock: that due never fell.
      const next = anchors[n + 1];
      if (next !== undefined && next <= due) return;
      mark(monthOf(due), 'due');
      // Overdue after the due instant until the next review (or now): every month that span touches.
      const until = next ?? nowIso;
      if (until <= due) return;
      const [first, last] = [monthOf(due), monthOf(until)];
      for (const m of months) if (m >= first && m <= last) mark(m, 'overdue');
    });
    const start = anchors[0] ? monthOf(anchors[0]) : null;
    return {
      system: s.id,
      months: months.map((month) => ({ month, tracked: start !== null && month >= start, marks: ORDER.filter((k) => marks.get(month)!.has(k)) })),
    };
  });
}

const ORDER: readonly CalendarMark[] = ['reviewed', 'due', 'overdue'];
