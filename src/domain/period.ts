/** Review periods name campaigns: 2026-Q4, 2026-H2, 2026-11, 2026. */
export const PERIOD_KINDS = ['month', 'quarter', 'half-year', 'year'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

/**
 * The period containing `date`, computed in `timeZone` (a campaign opened at 00:30 on
 * 1 January in Vaduz belongs to the new year even though it is still 31 December in UTC).
 */
export function periodOf(kind: PeriodKind, date: Date, timeZone = 'UTC'): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' }).formatToParts(date);
  const year = Number(parts.find((p) => p.type === 'year')?.value);
  const month = Number(parts.find((p) => p.type === 'month')?.value);
  switch (kind) {
    case 'month':
      return `${year}-${String(month).padStart(2, '0')}`;
    case 'quarter':
      return `${year}-Q${Math.floor((month - 1) / 3) + 1}`;
    case 'half-year':
      return `${year}-H${month <= 6 ? 1 : 2}`;
    case 'year':
      return String(year);
  }
}

const PERIOD_PATTERNS: Record<PeriodKind, RegExp> = {
  month: /^\d{4}-(0[1-9]|1[0-2])$/,
  quarter: /^\d{4}-Q[1-4]$/,
  'half-year': /^\d{4}-H[12]$/,
  year: /^\d{4}$/,
};

export function isPeriod(kind: PeriodKind, value: string): boolean {
  return PERIOD_PATTERNS[kind].test(value);
}

/** Months a period kind covers: the maximum interval between two reviews. */
export function periodMonths(kind: PeriodKind): number {
  return { month: 1, quarter: 3, 'half-year': 6, year: 12 }[kind];
}
