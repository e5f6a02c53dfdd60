import { Command } from 'commander';
import { configLoader } from '../app.js';
import type { CliContext } from './cli-context.js';

/** `iam-review validate`: load and check all config; print a summary. Exit 2 on any problem. */
export function validateCommand(ctx: CliContext): Command {
  return new Command('validate')
    .description('load and check connectors/, policies/ and reviews/; print a summary (exit 2 on any problem, naming file, line and key)')
    .option('--json', 'print the summary as JSON')
    .action((opts: { json?: boolean }) => {
      const env = ctx.env();
      const config = configLoader(env)();
      if (opts.json) {
        ctx.io.out(JSON.stringify({
          configDir: config.configDir,
          systems: config.systems.map((s) => ({ id: s.id, kind: s.kind, criticality: s.criticality, connector: s.connector.type, schedule: s.schedule?.cron ?? null })),
          policies: config.policies.map((p) => ({ system: p.system, roles: Object.keys(p.roles).length })),
          sodRules: config.sodRules.length,
          reviews: config.reviews.map((r) => ({ id: r.id, period: r.period, schedule: r.schedule.cron })),
          warnings: config.warnings,
        }, null, 2));
        return;
      }
      const lines: string[] = [`Config OK: ${config.configDir}`, '', `Systems (${config.systems.length}):`];
      for (const s of config.systems) {
        lines.push(`  ${s.id.padEnd(24)} ${s.kind.padEnd(9)} ${s.criticality.padEnd(9)} ${s.connector.type.padEnd(14)} ${s.schedule ? `cron "${s.schedule.cron}"` : 'no schedule'}`);
      }
      lines.push('', `Policies (${config.policies.length}):`);
      for (const p of config.policies) {
        const roles = Object.entries(p.roles);
        lines.push(`  ${p.system.padEnd(24)} ${roles.length} roles (${roles.filter(([, r]) => r.privileged).length} privileged)`);
      }
      lines.push('', `Separation-of-duties rules: ${config.sodRules.length}`);
      lines.push('', `Reviews (${config.reviews.length}):`);
      for (const r of config.reviews) lines.push(`  ${r.id.padEnd(24)} every ${r.period.padEnd(9)} cron "${r.schedule.cron}"  due in ${r.dueInDays} days${r.stages.length > 1 ? `, ${r.stages.length} stages (${r.stages.map((st) => st.name).join(', then ')}; outcome ${r.outcome})` : ''}`);
      if (config.warnings.length > 0) {
        lines.push('', `Warnings (${config.warnings.length}):`);
        for (const w of config.warnings) lines.push(`  - ${w}`);
      }
      ctx.io.out(lines.join('\n'));
    });
}
