/**
 * `npm run bench -- --json` (bench/run.ts) at a tiny size, one quick case, the CLI from source:
 * the case line carries the fields the README table and the growth check read, and the floors
 * it was compared with are named in lines of their own. No timing is asserted.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '../..');

it('prints one JSON line per case with CPU time, peak RSS, floor, ratio and target', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(REPO, 'bench/run.ts'), '--grants', '1000', '--identities', '100', '--case', 'sync-initial', '--json', '--from-source'], { cwd: REPO }).catch((e: { stdout: string }) => e);
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const cases = lines.filter((l) => l.kind === 'case');
  expect(cases).toHaveLength(1);
  const c = cases[0]!;
  expect(c).toMatchObject({ case: 'sync-initial', grants: 1000, floor: 'csv-parse + sqlite-insert', target: 1.3, rss_limit_mb: 1229 });
  for (const k of ['wall_ms', 'cpu_ms', 'peak_rss_mb', 'floor_cpu_ms', 'ratio', 'us_per_grant']) expect(c[k], k).toEqual(expect.any(Number));
  expect(c.cpu_ms as number).toBeGreaterThan(0);
  expect(c.peak_rss_mb as number).toBeGreaterThan(0);
  expect(c.pass).toEqual(expect.any(Boolean));
  expect(lines.filter((l) => l.kind === 'floor').map((l) => l.floor)).toEqual(['cli-startup', 'csv-parse', 'sqlite-insert']);
  expect(lines.find((l) => l.kind === 'firm')).toMatchObject({ grants: 1000, identities: 100 });
}, 120_000); // four node processes (validate, sync, two floors) under tsx: ~10 s idle, more on a loaded machine
