import { Command, Option } from 'commander';
import type { SystemCoverage } from '../domain/index.js';
import { readReviewCoverage } from '../policies/read-review-coverage.js';
import type { CliContext } from './cli-context.js';

/**
 * `iam-review coverage [--format table|json]`: DORA review cadence per system: the last
 * completed campaign that reviewed all its grants, when the next review is due by its
 * criticality, and whether it is overdue (domain/review-coverage.ts). Only reads.
 */
export function coverageCommand(ctx: CliContext): Command {
  return new Command('coverage')
    .description('DORA review cadence per system: last complete review, next due date by criticality (policies/global.yaml reviewCadenceMonths), overdue')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (opts: { format: 'table' | 'json' }) => {
      const app = await ctx.app();
      const coverage = await readReviewCoverage({ store: app.store, config: app.loadConfig(), now: () => app.now() });
      if (opts.format === 'json') return ctx.io.out(JSON.stringify(coverageJson(coverage), null, 2));
      ctx.io.out(coverageTable(coverage));
    });
}

/** The `--format json` shape: a public contract (scripts and supervisors' checks read it). */
export function coverageJson(coverage: readonly SystemCoverage[]) {
  return {
    systems: coverage.map((c) => ({ system: c.system, criticality: c.criticality, lastReviewedAt: c.lastReviewedAt, campaign: c.campaign, nextDueAt: c.nextDueAt, overdue: c.overdue })),
  };
}

function coverageTable(coverage: readonly SystemCoverage[]): string {
  if (coverage.length === 0) return 'No systems to review.';
  const day = (iso: string | null) => (iso === null ? '-' : iso.slice(0, 10));
  const rows = coverage.map((c) => [
    c.system,
    c.criticality,
    `${c.cadenceMonths} months`,
    day(c.lastReviewedAt),
    c.campaign ?? (c.incompleteCampaign ? `(${c.incompleteCampaign}: items expired)` : '-'),
    c.nextDueAt === null ? 'never synced' : day(c.nextDueAt),
    c.overdue ? 'OVERDUE' : c.nextDueAt === null ? '-' : 'ok',
  ]);
  const head = ['SYSTEM', 'CRITICALITY', 'CADENCE', 'LAST REVIEWED', 'CAMPAIGN', 'NEXT DUE', 'STATUS'];
  const widths = head.map((h, n) => Math.max(h.length, ...rows.map((r) => r[n]!.length)));
  return [head, ...rows].map((r) => r.map((v, n) => v.padEnd(widths[n]!)).join('  ').trimEnd()).join('\n');
}
