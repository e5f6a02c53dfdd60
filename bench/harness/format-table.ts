/** The bench's lines as plain-text tables (floors, cases, growth across sizes). */
const s = (ms: unknown): string => (typeof ms === 'number' && Number.isFinite(ms) ? (ms / 1000).toFixed(1) : '-');

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatTable(lines: readonly Record<string, unknown>[]): string {
  const parts: string[] = [];
  const floors = lines.filter((l) => l.kind === 'floor');
  if (floors.length > 0) {
    parts.push('Floors (CPU of the measured phase only)', table(['floor', 'grants', 'rows', 'cpu s', 'wall s'], floors.map((f) => [String(f.floor), String(f.grants), String(f.rows), s(f.cpu_ms), s(f.wall_ms)])));
  }
  const cases = lines.filter((l) => l.kind === 'case');
  if (cases.length > 0) {
    parts.push(
      'Cases (ratio = case CPU / floor CPU; in-process cases: their own wall-time baseline)',
      table(
        ['case', 'n', 'wall s', 'cpu s', 'floor', 'floor cpu s', 'ratio', 'target', 'peak RSS MB', 'limit', 'us/grant', 'pass'],
        cases.map((c) => [
          String(c.case), String(c.grants ?? c.n), s(c.wall_ms ?? c.process_wall_ms), s(c.cpu_ms ?? c.process_cpu_ms), String(c.floor ?? c.baseline ?? 'in-process baseline'),
          s(c.floor_cpu_ms ?? c.ref_ms), String(c.ratio), String(c.target), String(c.peak_rss_mb), String(c.rss_limit_mb ?? c.rss_target_mb ?? '-'), String(c.us_per_grant ?? '-'), c.pass ? 'yes' : 'NO',
        ]),
      ),
    );
  }
  const growth = lines.filter((l) => l.kind === 'growth');
  if (growth.length > 0) {
    parts.push('Cost per grant across sizes (flag: > 25% growth)', table(['case', 'sizes', 'us/grant', 'growth %', 'peak RSS MB', 'pass'], growth.map((g) => [String(g.case), String(g.sizes), String(g.us_per_grant), String(g.growth_pct), String(g.peak_rss_mb), g.pass ? 'yes' : 'FLAG'])));
  }
  for (const e of lines.filter((l) => l.kind === 'error')) parts.push(`ERROR ${String(e.case ?? e.grants)}: ${String(e.error)}`);
  return parts.join('\n\n');
}
