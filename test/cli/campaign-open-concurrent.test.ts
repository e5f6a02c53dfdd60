/**
 * Several `campaign open` processes at once on one SQLite file (a cron job and an operator,
 * two replicas): whatever the interleaving, each item exists once and its assignment is in
 * the ledger once, the campaign is opened once, and the chain holds. The processes are real
 * (`node --import tsx src/cli.ts`), as is the file they share; the assertions hold for every
 * interleaving, so the test never depends on which process gets where first.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { verifyRun } from '../../src/domain/index.js';
import type { LedgerEvent } from '../../src/domain/index.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { grant, identity, seedGrants, seedIdentities } from '../helpers/seed-state.js';
import { MINIMAL_FIRM, tempConfigDir } from '../helpers/temp-config.js';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const PROCESSES = 3;
/** Enough items that the openers' batches (2,000 items each) overlap in time. */
const GRANTS = 12_000;

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { ...process.env, ...env, LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('concurrent campaign openers (real processes, one SQLite file)', () => {
  it('record exactly one assignment per item and one opening, whatever the interleaving', async () => {
    const configDir = tempConfigDir(MINIMAL_FIRM);
    const dataDir = mkdtempSync(join(tmpdir(), 'iam-openers-'));
    const store = openSqliteStore({ file: join(dataDir, 'iam-review.db') });
    await seedIdentities(store, 'hr', [identity('boss', { department: 'Trading' })]);
    await seedGrants(store, 'trading', Array.from({ length: GRANTS }, (_, i) => grant('trading', `acc-${String(i).padStart(5, '0')}`, 'VIEWER', null)));
    await store.close();

    const env = { IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: dataDir };
    // The first run binds the data folder to the config folder; the openers then race.
    expect((await run(['validate'], env)).code).toBe(0);
    const runs = await Promise.all(Array.from({ length: PROCESSES }, () => run(['campaign', 'open', 'semiannual', '--period', '2026-H2'], env)));
    for (const r of runs) expect(r, r.stderr).toMatchObject({ code: 0 });

    const after = openSqliteStore({ file: join(dataDir, 'iam-review.db') });
    try {
      const items = await after.campaigns.items('semiannual:2026-H2');
      expect(items).toHaveLength(GRANTS);
      const events: LedgerEvent[] = [];
      for await (const batch of after.ledger.read()) events.push(...batch);
      expect(verifyRun(events, null).break).toBeNull();
      const assigned = events.filter((e) => e.type === 'item.assigned').map((e) => e.subject);
      expect(assigned).toHaveLength(GRANTS);
      expect(new Set(assigned).size).toBe(GRANTS);
      const opened = events.filter((e) => e.type === 'campaign.opened');
      expect(opened).toHaveLength(1);
      expect(opened[0]!.data).toMatchObject({ items: GRANTS });
      expect(await after.campaigns.get('semiannual:2026-H2')).toMatchObject({ state: 'open' });
    } finally {
      await after.close();
    }
  }, 180_000);
});
