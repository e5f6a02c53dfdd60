/**
 * The targets (ISSUE 18): each firm case's CPU-time ratio against the sum of its
 * floors (measured in the same run on the same data), and its peak RSS limit.
 */
export interface CaseTarget {
  floors: readonly string[];
  ratio: number;
  /** Peak RSS limit in MB at this size (undefined: none). */
  rssMb: (grants: number) => number | undefined;
}

const GB = 1024;

export const FIRM_CASES = ['sync-initial', 'sync-delta', 'check', 'campaign-open', 'export', 'audit-verify'] as const;
export type FirmCase = (typeof FIRM_CASES)[number];

export const TARGETS: Record<FirmCase, CaseTarget> = {
  'sync-initial': { floors: ['csv-parse', 'sqlite-insert'], ratio: 1.3, rssMb: () => 1.2 * GB },
  'sync-delta': { floors: ['csv-parse-day1', 'sqlite-scan'], ratio: 1.5, rssMb: (g) => (g > 1_500_000 ? 1.5 * GB : 1.2 * GB) },
  check: { floors: ['sqlite-scan', 'check-eval'], ratio: 1.5, rssMb: () => 1 * GB },
  'campaign-open': { floors: ['campaign-insert'], ratio: 1.5, rssMb: () => 500 },
  export: { floors: ['export-io'], ratio: 3, rssMb: () => 300 },
  'audit-verify': { floors: ['sha256-chain'], ratio: 1.5, rssMb: () => undefined },
};

/** Across sizes: cost per grant may grow at most this much from one size to the next. */
export const MAX_GROWTH = 0.25;
/** campaign-open's RSS at a size may be at most this multiple of the smaller size's (issue: 1.25x of 100k). */
export const RSS_GROWTH: Partial<Record<FirmCase, number>> = { 'campaign-open': 1.25, export: 1.25 };
