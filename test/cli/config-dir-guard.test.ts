/**
 * One data folder, one firm: a store first used with one config folder refuses another (exit 2,
 * naming both), unless `--force`, which ledgers the move in config.loaded.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { EXIT } from '../../src/cli/cli-error.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { captureIo } from '../helpers/capture-io.js';
import { MINIMAL_FIRM, tempConfigDir } from '../helpers/temp-config.js';

const HR = 'id,email,display_name,department,job_title,manager,status,employment_type,contract_end,groups\nE1,alice@example.com,Alice,Trading,Trader,,active,employee,,\n';
const TRADING = 'account_id,identity,role\nalice,alice@example.com,TRADER\n';
const firm = () => tempConfigDir({ ...MINIMAL_FIRM, 'connectors/sample-data/hr.csv': HR, 'connectors/sample-data/trading.csv': TRADING });

async function cli(configDir: string, dataDir: string, ...args: string[]) {
  const io = captureIo();
  const code = await run(['node', 'iam-review', ...args], { io, env: { IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent' } });
  return { code, out: io.stdout(), err: io.stderr() };
}

describe('a data folder used with another config folder', () => {
  it('is refused with the reason, changes nothing, and is accepted with --force (ledgered)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'iam-firm-'));
    const first = firm();
    const second = firm();
    expect((await cli(first, dataDir, 'sync')).code).toBe(EXIT.ok);
    expect((await cli(first, dataDir, 'check')).code).toBe(EXIT.ok);

    const refused = await cli(second, dataDir, 'sync');
    expect(refused.code).toBe(EXIT.invalidInput);
    expect(refused.err).toContain(`first used with the config folder ${first}, not ${second}`);
    expect(refused.err).toMatch(/--force/);
    expect((await cli(second, dataDir, 'check')).code).toBe(EXIT.invalidInput);

    const store = openSqliteStore({ file: join(dataDir, 'iam-review.db') });
    const syncsBefore = (await store.ledger.query({ type: 'sync.' })).length;
    await store.close();
    expect(syncsBefore).toBe(2); // the refused run synced nothing

    expect((await cli(second, dataDir, '--force', 'sync')).code).toBe(EXIT.ok);
    expect((await cli(second, dataDir, 'check')).code).toBe(EXIT.ok);
    const after = openSqliteStore({ file: join(dataDir, 'iam-review.db') });
    const loaded = await after.ledger.query({ type: 'config.loaded' });
    await after.close();
    expect(loaded.map((e) => e.data.configDir)).toEqual([first, second]);
    expect(loaded[1]!.data.previousConfigDir).toBe(first);
  });
});
