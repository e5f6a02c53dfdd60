/**
 * `npx tsx bench/readme-table.ts [FILE]` (else stdin): turns `npm run bench -- --json` lines
 * into the README's benchmark table (markdown), dated, noting the machine was shared. Given the
 * lines of runs at several sizes (concatenated), it adds the cost-per-grant comparison.
 */
import { readFileSync } from 'node:fs';
import { growthLines } from './harness/growth.js';

const text = readFileSync(process.argv[2] ?? 0, 'utf8');
const lines = text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
const sec = (ms: unknown): string => (typeof ms === 'number' && Number.isFinite(ms) ? (ms / 1000).toFixed(1) : '-');
const date = new Date().toISOString().slice(0, 10);
const out: string[] = [
  `Measured ${date} on a shared 2-core machine (other jobs running): CPU-time ratios are indicative, wall times are not comparable.`,
  '',
  '| case | grants | CPU s | wall s | floor (CPU s) | ratio | target | peak RSS MB | RSS limit | us/grant | pass |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
];
for (const c of lines.filter((l) => l.kind === 'case')) {
  const floor = c.floor !== undefined ? `${String(c.floor)} (${sec(c.floor_cpu_ms)})` : `in-process baseline (${sec(c.ref_ms)} ${String(c.ratio_basis ?? '').startsWith('CPU') ? 'CPU' : 'wall'})`;
  out.push(`| ${String(c.case)} | ${String(c.grants ?? c.n)} | ${sec(c.cpu_ms ?? c.process_cpu_ms)} | ${sec(c.wall_ms ?? c.process_wall_ms)} | ${floor} | ${String(c.ratio)} | ${String(c.target)} | ${String(c.peak_rss_mb)} | ${String(c.rss_limit_mb ?? c.rss_target_mb ?? '-')} | ${String(c.us_per_grant ?? '-')} | ${c.pass ? 'yes' : '**no**'} |`);
}
// Lines of separate runs (one size each) get their size comparison here.
const printed = lines.filter((l) => l.kind === 'growth');
const growth = printed.length > 0 ? printed : growthLines(lines);
if (growth.length > 0) {
  out.push('', '| case | sizes | us/grant | growth % | peak RSS MB | within 25% |', '|---|---|---|---|---|---|');
  for (const g of growth) out.push(`| ${String(g.case)} | ${String(g.sizes)} | ${String(g.us_per_grant)} | ${String(g.growth_pct)} | ${String(g.peak_rss_mb)} | ${g.pass ? 'yes' : '**no**'} |`);
}
const floors = lines.filter((l) => l.kind === 'floor');
if (floors.length > 0) out.push('', `Floors (CPU s of the measured phase): ${floors.map((f) => `${String(f.floor)} ${sec(f.cpu_ms)} (${String(f.grants)})`).join(', ')}.`);
console.log(out.join('\n'));
