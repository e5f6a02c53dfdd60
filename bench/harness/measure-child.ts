/**
 * Runs one command as a child process with bench/measure.mjs preloaded, so the figures are
 * the child's own: CPU time (user + system, every thread) and peak RSS, plus the wall time
 * seen from here (process start included). stdout and stderr go to files, not memory.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Measurement {
  exit: number | null;
  wall_ms: number;
  cpu_ms: number;
  peak_rss_mb: number;
}

const MEASURE = fileURLToPath(new URL('../measure.mjs', import.meta.url));

/** `node --import measure.mjs ...args`; stdout to `stdoutFile`, stderr to `stderrFile`. */
export function measureChild(args: readonly string[], opts: { env: NodeJS.ProcessEnv; stdoutFile: string; stderrFile: string; cwd?: string }): Measurement {
  const measureFile = `${opts.stdoutFile}.measure.json`;
  rmSync(measureFile, { force: true });
  const out = openSync(opts.stdoutFile, 'w');
  const err = openSync(opts.stderrFile, 'w');
  const t0 = performance.now();
  const child = spawnSync(process.execPath, ['--import', MEASURE, ...args], { stdio: ['ignore', out, err], env: { ...opts.env, BENCH_MEASURE_FILE: measureFile }, cwd: opts.cwd });
  const wall = performance.now() - t0;
  closeSync(out);
  closeSync(err);
  if (!existsSync(measureFile)) return { exit: child.status ?? -1, wall_ms: Math.round(wall), cpu_ms: NaN, peak_rss_mb: NaN };
  const m = JSON.parse(readFileSync(measureFile, 'utf8')) as { user_ms: number; sys_ms: number; max_rss_kb: number };
  rmSync(measureFile, { force: true });
  return { exit: child.status, wall_ms: Math.round(wall), cpu_ms: Math.round(m.user_ms + m.sys_ms), peak_rss_mb: Math.round(m.max_rss_kb / 1024) };
}
