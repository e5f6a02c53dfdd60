/**
 * Across sizes (several --grants): each firm case's CPU cost per grant may grow at most 25%
 * from one size to the next, and campaign-open's and export's peak RSS stay near flat (issue
 * 18). One line per case when it ran at two sizes or more.
 */
import { MAX_GROWTH, RSS_GROWTH } from './targets.js';
import type { FirmCase } from './targets.js';

interface CaseFigures {
  case: string;
  grants: number;
  us_per_grant: number;
  peak_rss_mb: number;
}

export function growthLines(lines: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const byCase = new Map<string, CaseFigures[]>();
  for (const l of lines) {
    if (l.kind !== 'case' || typeof l.us_per_grant !== 'number') continue;
    const c = l as unknown as CaseFigures;
    byCase.set(c.case, [...(byCase.get(c.case) ?? []), c]);
  }
  const out: Record<string, unknown>[] = [];
  for (const [name, runs] of byCase) {
    if (runs.length < 2) continue;
    runs.sort((a, b) => a.grants - b.grants);
    const growth = runs.slice(1).map((r, i) => r.us_per_grant / runs[i]!.us_per_grant - 1);
    const rssGrowth = runs.slice(1).map((r, i) => r.peak_rss_mb / runs[i]!.peak_rss_mb);
    const rssLimit = RSS_GROWTH[name as FirmCase];
    const flagged = growth.some((g) => g > MAX_GROWTH) || (rssLimit !== undefined && rssGrowth.some((g) => g > rssLimit));
    out.push({
      kind: 'growth', case: name, sizes: runs.map((r) => r.grants), us_per_grant: runs.map((r) => r.us_per_grant),
      growth_pct: growth.map((g) => Math.round(g * 100)), peak_rss_mb: runs.map((r) => r.peak_rss_mb), rss_growth_limit: rssLimit ?? null, pass: !flagged,
    });
  }
  return out;
}
