/**
 * The benchmark firm generator (bench/firm/generate-firm.ts) writes a firm the real CLI
 * accepts: validate passes, a sync applies every system, check finds several kinds of
 * finding, and the churned day syncs as a delta (added, removed and changed grants).
 * The same seed writes the same bytes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateFirm, useDay } from '../../bench/firm/generate-firm.js';
import { run } from '../../src/cli.js';
import { captureIo } from '../helpers/capture-io.js';

const root = mkdtempSync(join(tmpdir(), 'iam-firm-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function cli(dir: string, args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await run(['node', 'iam-review', ...args], { io, env: { IAM_REVIEW_CONFIG_DIR: dir, IAM_REVIEW_DATA_DIR: join(dir, 'data'), IAM_REVIEW_OPERATOR: 'bench@example.com', LOG_LEVEL: 'silent' } });
  return { code, out: io.stdout(), err: io.stderr() };
}

describe('generateFirm', () => {
  it('writes a firm that validates, syncs, yields findings of several types and a 1% churn day', async () => {
    const dir = join(root, 'firm');
    const firm = await generateFirm({ out: dir, grants: 2000, identities: 200, churn: 0.01, seed: 7 });
    expect(firm.grants).toBe(2000);
    expect(firm.systems).toHaveLength(5);

    expect((await cli(dir, ['validate'])).code).toBe(0);
    const first = await cli(dir, ['sync', '--json']);
    expect(first.code).toBe(0);
    const applied = JSON.parse(first.out) as { applied: boolean; snapshot: { counts: { grants: number } } }[];
    expect(applied.every((s) => s.applied)).toBe(true);
    expect(applied.reduce((n, s) => n + s.snapshot.counts.grants, 0)).toBe(2000);

    const check = await cli(dir, ['check', '--format', 'json']);
    expect(check.code).toBe(0);
    const { findings, summary } = JSON.parse(check.out) as { findings: unknown[]; summary: Record<string, number> };
    const types = Object.entries(summary).filter(([, n]) => n > 0).map(([t]) => t);
    for (const t of ['dormant', 'leaver-access', 'orphaned-account', 'contract-ended', 'sod-conflict']) expect(types).toContain(t);
    // A few percent of grants, as in a real estate (the issue saw 87k findings at 1M grants).
    expect(findings.length).toBeGreaterThan(2000 * 0.02);
    expect(findings.length).toBeLessThan(2000 * 0.2);

    useDay(dir, 1);
    const delta = await cli(dir, ['sync', '--json']);
    expect(delta.code).toBe(0);
    const counts = (JSON.parse(delta.out) as { applied: boolean; snapshot: { counts: Record<string, number> } }[]).reduce(
      (c, s) => ({ added: c.added + s.snapshot.counts.added!, removed: c.removed + s.snapshot.counts.removed!, changed: c.changed + s.snapshot.counts.changed! }),
      { added: 0, removed: 0, changed: 0 },
    );
    expect(counts.added).toBeGreaterThan(0);
    expect(counts.removed).toBeGreaterThan(0);
    expect(counts.changed).toBeGreaterThan(0);
    expect(counts.added + counts.removed + counts.changed).toBeLessThan(2000 * 0.05);
  });

  it('writes the same bytes for the same seed, other bytes for another', async () => {
    const read = (d: string): string => readFileSync(join(d, 'connectors/exports/trading.csv'), 'utf8') + readFileSync(join(d, 'connectors/exports/hr.csv'), 'utf8');
    const today = new Date('2026-12-06T00:00:00Z');
    await generateFirm({ out: join(root, 'a'), grants: 500, identities: 50, seed: 3, today });
    await generateFirm({ out: join(root, 'b'), grants: 500, identities: 50, seed: 3, today });
    await generateFirm({ out: join(root, 'c'), grants: 500, identities: 50, seed: 4, today });
    expect(read(join(root, 'a'))).toBe(read(join(root, 'b')));
    expect(read(join(root, 'a'))).not.toBe(read(join(root, 'c')));
  });
});
