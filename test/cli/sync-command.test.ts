/**
 * `iam-review sync` exit codes through run(): a partial pull exits 5, a quarantined one 6, a
 * failed one 1 (the worst outcome of all systems decides); the state of those systems is unchanged.
 * A quarantined snapshot is named with its reason and the commands to inspect and accept it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { EXIT } from '../../src/cli/cli-error.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { captureIo } from '../helpers/capture-io.js';
import { MINIMAL_FIRM, tempConfigDir } from '../helpers/temp-config.js';

const HR = 'id,email,display_name,department,job_title,manager,status,employment_type,contract_end,groups\nE1,alice@example.com,Alice,Trading,Trader,,active,employee,,\n';
const HEADER = 'account_id,identity,role,scope,status,last_activity_at,display_name,account_type';
const row = (i: number, status = 'active') => `acc-${i},alice@example.com,VIEWER,,${status},2026-11-23T10:00:00Z,A${i},human`;
const trading = (rows: string[]) => [HEADER, ...rows].join('\n') + '\n';

describe('iam-review sync exit codes', () => {
  let configDir: string;
  let dataDir: string;

  async function sync(): Promise<{ code: number; out: string; err: string }> {
    const io = captureIo();
    const code = await run(['node', 'iam-review', 'sync'], { io, env: { IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent' } });
    return { code, out: io.stdout(), err: io.stderr() };
  }
  const writeTrading = (text: string) => writeFileSync(join(configDir, 'connectors/sample-data/trading.csv'), text);

  beforeEach(async () => {
    configDir = tempConfigDir({ ...MINIMAL_FIRM, 'connectors/sample-data/hr.csv': HR, 'connectors/sample-data/trading.csv': trading(Array.from({ length: 20 }, (_, i) => row(i))) });
    dataDir = mkdtempSync(join(tmpdir(), 'iam-sync-exit-'));
    expect((await sync()).code).toBe(EXIT.ok);
  });

  it('exits 5 when a system was read only partially', async () => {
    writeTrading(trading([...Array.from({ length: 20 }, (_, i) => row(i)), row(99, 'gone')]));
    const r = await sync();
    expect(r.code).toBe(EXIT.syncPartial);
    expect(r.err).toMatch(/read only partially and not applied/);
    expect(r.out).toMatch(/trading\s+partial\*/);
  });

  it('exits 6 when a snapshot was quarantined (most grants gone at once)', async () => {
    writeTrading(trading([row(0)]));
    const r = await sync();
    expect(r.code).toBe(EXIT.syncQuarantined);
    expect(r.err).toMatch(/quarantined and not applied/);
    // The snapshot is named with the reason and the commands to inspect and to accept it.
    const store = openSqliteStore({ file: join(dataDir, 'iam-review.db') });
    const [quarantined] = await store.snapshots.list({ systemId: 'trading', status: 'quarantined' });
    await store.close();
    const id = quarantined!.id;
    expect(r.err).toContain(`trading: snapshot ${id} quarantined: ${quarantined!.problems[0]}`);
    expect(r.err).toContain(`inspect: iam-review snapshot diff ${id}`);
    expect(r.err).toContain(`accept:  iam-review sync --accept-quarantined ${id}`);
  });

  it('names the quarantined snapshot and its commands in --json too (same exit code, stdout only JSON)', async () => {
    writeTrading(trading([row(0)]));
    const io = captureIo();
    const code = await run(['node', 'iam-review', 'sync', '--json'], { io, env: { IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent' } });
    expect(code).toBe(EXIT.syncQuarantined);
    const out = JSON.parse(io.stdout()) as { systemId: string; applied: boolean; snapshot: { id: string; status: string }; inspect?: string; accept?: string }[];
    const trade = out.find((o) => o.systemId === 'trading')!;
    expect(trade).toMatchObject({ applied: false, snapshot: { status: 'quarantined' }, inspect: `iam-review snapshot diff ${trade.snapshot.id}`, accept: `iam-review sync --accept-quarantined ${trade.snapshot.id}` });
    const hr = out.find((o) => o.systemId === 'hr')!;
    expect(hr.snapshot.status).toBe('complete');
    expect(hr).not.toHaveProperty('accept');
  });

  it('lists the exit codes in --help', async () => {
    const io = captureIo();
    expect(await run(['node', 'iam-review', '--help'], { io, env: { LOG_LEVEL: 'silent' } })).toBe(EXIT.ok);
    expect(io.stdout()).toMatch(/Exit codes:[\s\S]*\n {2}5 {2}`sync` read a system only partially[\s\S]*\n {2}6 {2}`sync` quarantined a snapshot/);
  });

  it('does not apply an export cut off inside its last field (no final line break): partial, naming the file', async () => {
    const hr = join(configDir, 'connectors/sample-data/hr.csv');
    // Bob's row cut inside its last (free-text) column: it still parses as a row of the right width.
    writeFileSync(hr, HR + 'E2,bob@example.com,Bob,Trading,Trader,alice@example.com,active,employee,,desk-admins;tra');
    const r = await sync();
    expect(r.code).toBe(EXIT.syncPartial);
    expect(r.out).toMatch(/hr\s+partial\*/);
    expect(r.out).toMatch(/sample-data\/hr\.csv: the file does not end with a line break: it may be truncated/);
    const store = openSqliteStore({ file: join(dataDir, 'iam-review.db') });
    expect((await store.identities.current()).map((i) => i.id)).toEqual(['E1']); // Bob never arrived
    await store.close();

    writeFileSync(hr, HR + 'E2,bob@example.com,Bob,Trading,Trader,alice@example.com,active,employee,,desk-admins;traders\n');
    expect((await sync()).code).toBe(EXIT.ok);
  });

  it('does not apply an export that disagrees with its declared manifest (cut at a line break): partial, naming both files', async () => {
    const yaml = join(configDir, 'connectors/trading.yaml');
    writeFileSync(yaml, MINIMAL_FIRM['connectors/trading.yaml']! + '  manifest: sample-data/trading.manifest\n');
    writeFileSync(join(configDir, 'connectors/sample-data/trading.manifest'), 'rows: 20\n');
    expect((await sync()).code).toBe(EXIT.ok);
    // The export lost its last five rows, cleanly at a line break: only the manifest can tell.
    writeTrading(trading(Array.from({ length: 15 }, (_, i) => row(i))));
    const r = await sync();
    expect(r.code).toBe(EXIT.syncPartial);
    expect(r.out).toMatch(/sample-data\/trading\.csv: has 15 data rows, its manifest sample-data\/trading\.manifest declares 20/);
    const store = openSqliteStore({ file: join(dataDir, 'iam-review.db') });
    const current = await store.snapshots.current('trading');
    expect(await store.snapshots.countGrants(current!.id)).toBe(20); // the cut file was not applied
    await store.close();
  });

  it('exits 1 when a system failed, whatever else happened', async () => {
    rmSync(join(configDir, 'connectors/sample-data/hr.csv'));
    writeTrading(trading([row(0)]));
    const r = await sync();
    expect(r.code).toBe(EXIT.failure);
    // The quarantined snapshot of the other system is still named with its accept command.
    expect(r.err).toMatch(/^error: one or more systems failed to sync[^\n]*\n {2}trading: snapshot (\S+) quarantined: [\s\S]*accept: {2}iam-review sync --accept-quarantined \1$/);
  });
});
