/**
 * `npm run bench -- [--grants 1000000[,3000000]] [--case NAME ...] [--json] [--keep] [--no-build | --from-source]`
 * (--identities N, --seed N: the firm's shape; --keep: leave the firm and database under /tmp)
 *
 * Builds dist/ (the CLI the cases run), generates a seeded firm per size (bench/firm) and runs
 * the firm cases on it with the real CLI, each command in its own measured process (see
 * harness/run-firm-cases.ts), with their floors measured in the same run on the same data; then
 * the in-process cases (audit-append, fanout; remediation and reconcile on request).
 * Ratios are CPU-time ratios (user + system, every thread): the machine is shared, wall time
 * is shown but not judged. Prints a table, or with --json one JSON line per floor, case and
 * size comparison (kind: floor | case | growth | firm | error). Exits 1 when a case misses its
 * target or fails. Turn the JSON lines into the README table with bench/readme-table.ts.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { formatTable } from './harness/format-table.js';
import { growthLines } from './harness/growth.js';
import { measureChild } from './harness/measure-child.js';
import { runFirmCases } from './harness/run-firm-cases.js';
import { FIRM_CASES } from './harness/targets.js';
import type { FirmCase } from './harness/targets.js';
import { tmpdir } from 'node:os';
import { readFileSync, rmSync } from 'node:fs';

/** In-process cases (bench/cases.ts), each in its own measured child; `n` is passed where it means grants or events. */
const INPROC: Record<string, { legacy: string; sized: boolean; byDefault: boolean }> = {
  'audit-append': { legacy: 'audit', sized: true, byDefault: true },
  fanout: { legacy: 'fanout', sized: false, byDefault: true },
  remediation: { legacy: 'remediation', sized: false, byDefault: false },
  reconcile: { legacy: 'reconcile', sized: false, byDefault: false },
};

const args = process.argv.slice(2);
const values = (flag: string): string[] => args.flatMap((a, i) => (args[i - 1] === flag ? a.split(',') : []));
const json = args.includes('--json');
const sizes = (values('--grants').length > 0 ? values('--grants') : ['1000000']).map(Number);
const VALUE_FLAGS = ['--grants', '--case', '--identities', '--seed'];
const asked = [...values('--case'), ...args.filter((a, i) => !a.startsWith('--') && !VALUE_FLAGS.includes(args[i - 1] ?? ''))];
const known = [...FIRM_CASES, ...Object.keys(INPROC)];
const unknown = asked.filter((c) => !known.includes(c));
if (unknown.length > 0 || sizes.some((n) => !(n > 0))) {
  console.error(`unknown case(s) ${unknown.join(', ')} or bad --grants (cases: ${known.join(', ')})`);
  process.exit(2);
}
const firmCases = FIRM_CASES.filter((c) => (asked.length === 0 ? true : asked.includes(c))) as FirmCase[];
const inproc = Object.keys(INPROC).filter((c) => (asked.length === 0 ? INPROC[c]!.byDefault : asked.includes(c)));

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const lines: Record<string, unknown>[] = [];
const emit = (line: Record<string, unknown>): void => {
  lines.push(line);
  if (json) console.log(JSON.stringify(line));
  else if (line.kind === 'case' || line.kind === 'error') process.stderr.write(`  ${String(line.case ?? line.kind)} @ ${String(line.grants)}: ${line.pass ? 'pass' : 'FAIL'}\n`);
};

const fromSource = args.includes('--from-source');
if (firmCases.length > 0 && !args.includes('--no-build') && !fromSource) {
  const build = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) process.exit(1);
}
let ok = true;
for (const grants of sizes) {
  if (firmCases.length === 0) break;
  if (!json) process.stderr.write(`firm of ${grants} grants: ${firmCases.join(', ')}\n`);
  ok = (await runFirmCases({ grants, identities: Number(values('--identities')[0] ?? 20_000), seed: Number(values('--seed')[0] ?? 18), cases: firmCases, keep: args.includes('--keep'), fromSource, emit })) && ok;
}
for (const line of growthLines(lines)) emit(line);

for (const name of inproc) {
  const spec = INPROC[name]!;
  const n = spec.sized ? sizes[sizes.length - 1] : undefined;
  const base = join(tmpdir(), `iam-bench-${name}-${process.pid}`);
  const m = measureChild(['--import', 'tsx', join(ROOT, 'bench/run-case.ts'), spec.legacy, ...(n ? [String(n)] : [])], { env: process.env, stdoutFile: `${base}.out`, stderrFile: `${base}.err`, cwd: ROOT });
  const out = readFileSync(`${base}.out`, 'utf8').trim().split('\n').filter((l) => l.startsWith('{'));
  if (m.exit !== 0 || out.length === 0) emit({ kind: 'error', case: name, error: `exited ${m.exit}: ${readFileSync(`${base}.err`, 'utf8').slice(-1500)}`, pass: false });
  // The in-process cases keep their own in-process baseline (audit: CPU time, fanout: the rate limit's wall time,
  // as each line's ratio_basis says; wall time where a line names none); the process's CPU time and peak RSS are added.
  // The audit case also times an in-process verify of synthetic events: the firm's audit-verify replaces it.
  for (const l of out.filter((x) => (JSON.parse(x) as { case: string }).case === name || name !== 'audit-append')) emit({ kind: 'case', ratio_basis: 'wall, in-process baseline', ...(JSON.parse(l) as Record<string, unknown>), process_cpu_ms: m.cpu_ms, process_wall_ms: m.wall_ms, peak_rss_mb: m.peak_rss_mb });
  rmSync(`${base}.out`, { force: true });
  rmSync(`${base}.err`, { force: true });
}

if (!json) console.log(formatTable(lines));
process.exit(ok && lines.every((l) => l.kind === 'firm' || l.kind === 'floor' || l.pass === true) ? 0 : 1);
