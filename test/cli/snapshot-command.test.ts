/**
 * `iam-review snapshot list|show|diff` through run(), on snapshots stored by real syncs of a
 * temp firm: a quarantined snapshot can be listed, shown (reason, hash, who synced it, the
 * accept command) and diffed against the current state before it is accepted.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { EXIT } from '../../src/cli/cli-error.js';
import type { Snapshot } from '../../src/domain/index.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { captureIo } from '../helpers/capture-io.js';
import { MINIMAL_FIRM, tempConfigDir } from '../helpers/temp-config.js';

const HR_HEADER = 'id,email,display_name,department,job_title,manager,status,employment_type,contract_end,groups';
const ALICE = 'E1,alice@example.com,Alice,Trading,Trader,,active,employee,,';
const HEADER = 'account_id,identity,role,scope,status,last_activity_at,display_name,account_type';
const row = (i: number, status = 'active', role = 'VIEWER') => `acc-${i},alice@example.com,${role},,${status},2026-11-23T10:00:00Z,A${i},human`;
const csv = (header: string, rows: string[]) => [header, ...rows].join('\n') + '\n';
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('iam-review snapshot', () => {
  let configDir: string;
  let dataDir: string;

  async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    const io = captureIo();
    const code = await run(['node', 'iam-review', ...args], { io, env: { IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent' } });
    return { code, out: io.stdout(), err: io.stderr() };
  }
  const write = (file: string, text: string) => writeFileSync(join(configDir, 'connectors/sample-data', file), text);
  async function withStore<T>(f: (store: ReturnType<typeof openSqliteStore>) => Promise<T>): Promise<T> {
    const store = openSqliteStore({ file: join(dataDir, 'iam-review.db') });
    try {
      return await f(store);
    } finally {
      await store.close();
    }
  }
  const snapshots = (systemId: string) => withStore((s) => s.snapshots.list({ systemId }));

  /** First a complete pull of 20 grants, then one that keeps acc-0 (now disabled), adds acc-50 and loses 19: quarantined. */
  async function quarantine(): Promise<{ first: Snapshot; quarantined: Snapshot }> {
    write('trading.csv', csv(HEADER, [row(0, 'disabled'), row(50, 'active', 'TRADER')]));
    expect((await cli('sync')).code).toBe(EXIT.syncQuarantined);
    const [quarantined, first] = await snapshots('trading');
    expect(quarantined!.status).toBe('quarantined');
    return { first: first!, quarantined: quarantined! };
  }

  beforeEach(async () => {
    configDir = tempConfigDir({ ...MINIMAL_FIRM, 'connectors/sample-data/hr.csv': csv(HR_HEADER, [ALICE]), 'connectors/sample-data/trading.csv': csv(HEADER, range(20).map((i) => row(i))) });
    dataDir = mkdtempSync(join(tmpdir(), 'iam-snapshot-cli-'));
    expect((await cli('sync')).code).toBe(EXIT.ok);
  });

  it('lists snapshots newest first, marking the current one; --system and --status filter', async () => {
    const { first, quarantined } = await quarantine();
    const r = await cli('snapshot', 'list', '--system', 'trading');
    expect(r.code).toBe(EXIT.ok);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^ID\s+SYSTEM\s+STATUS\s+GRANTS/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/).slice(0, 4))).toEqual([
      [quarantined.id, 'trading', 'quarantined', '2'],
      [first.id, 'trading', 'complete (current)', '20'],
    ]);
    const json = JSON.parse((await cli('snapshot', 'list', '--status', 'quarantined', '--json')).out) as { snapshots: (Snapshot & { current: boolean })[] };
    expect(json.snapshots.map((s) => [s.id, s.current])).toEqual([[quarantined.id, false]]);
    expect((await cli('snapshot', 'list', '--status', 'nope')).code).toBe(EXIT.invalidInput);
    const newest = await cli('snapshot', 'list', '--limit', '1');
    const [, only, note] = newest.out.split('\n');
    expect(only!.split(/\s+/)[0]).toBe(quarantined.id);
    expect(note).toBe('(the newest 1 shown: --limit N for more)');
  });

  it('shows a quarantined snapshot: reason, counts, hash, who synced it, and the commands to inspect and accept it', async () => {
    const { quarantined } = await quarantine();
    const syncEvent = await withStore(async (s) => (await s.ledger.query({ type: 'sync.quarantined' })).find((e) => e.data.snapshotId === quarantined.id)!);
    const r = await cli('snapshot', 'show', quarantined.id);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toContain(`Snapshot ${quarantined.id}`);
    expect(r.out).toMatch(/Status: +quarantined \(not applied\)/);
    expect(r.out).toContain(`Synced by: ${syncEvent.actor}`);
    expect(r.out).toContain(`Hash:      ${quarantined.contentHash}`);
    expect(r.out).toContain('2 grants; against the previous state +1 added, -19 removed, ~1 changed');
    expect(r.out).toContain(`Quarantined because:\n    - ${quarantined.problems[0]}`);
    expect(r.out).toContain(`iam-review snapshot diff ${quarantined.id}`);
    expect(r.out).toContain(`iam-review sync --accept-quarantined ${quarantined.id}`);

    const json = JSON.parse((await cli('snapshot', 'show', quarantined.id, '--json', '--grants', '1')).out);
    expect(json).toMatchObject({ snapshot: { id: quarantined.id, status: 'quarantined', acceptedBy: null }, current: false, syncedBy: syncEvent.actor, syncedAt: syncEvent.at, storedGrants: 2, grantsPruned: false, accept: `iam-review sync --accept-quarantined ${quarantined.id}` });
    expect(json.grants).toHaveLength(1);

    expect((await cli('sync', '--accept-quarantined', quarantined.id, '--as', 'ops@example.com')).code).toBe(EXIT.ok);
    const accepted = await cli('snapshot', 'show', quarantined.id);
    expect(accepted.out).toMatch(/Status: +complete \(the current state of its system\)/);
    expect(accepted.out).toMatch(/Accepted: +by ops@example\.com at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(it was quarantined\)/);
    expect(accepted.out).not.toContain('--accept-quarantined');
  });

  it('lists the first N grants with --grants N', async () => {
    const [current] = await snapshots('trading');
    const ids = await withStore(async (s) => {
      const out: string[] = [];
      for await (const b of s.snapshots.grants(current!.id)) out.push(...b.map((g) => g.accountId));
      return out.slice(0, 3);
    });
    const r = await cli('snapshot', 'show', current!.id, '--grants', '3');
    expect(r.out).toContain('Grants (first 3 of 20):');
    expect(r.out.split('Grants (first 3 of 20):\n')[1]!.split('\n').map((l) => l.trim().split(/\s+/)[0])).toEqual(ids);
  });

  it('diffs a quarantined snapshot against the current state: what accepting it would change', async () => {
    const { first, quarantined } = await quarantine();
    const r = await cli('snapshot', 'diff', quarantined.id);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toContain(`Snapshot ${quarantined.id} (trading, quarantined) against ${first.id} (complete):`);
    expect(r.out).toContain('grants:     +1 added, -19 removed, ~1 changed');
    expect(r.out).toContain('  + acc-50  TRADER  E1  active');
    expect(r.out).toContain('  ~ acc-0  VIEWER: accountStatus active -> disabled');
    expect(r.out).toContain('  - acc-7  VIEWER  E1  active');
    expect(r.out).toContain(`Apply it deliberately: iam-review sync --accept-quarantined ${quarantined.id}`);

    const json = JSON.parse((await cli('snapshot', 'diff', quarantined.id, '--json', '--limit', '5')).out);
    expect(json).toMatchObject({ snapshot: { id: quarantined.id, status: 'quarantined' }, against: { id: first.id, status: 'complete' }, grants: { added: 1, removed: 19, changed: 1 }, limit: 5 });
    const kinds = (json.grants.lines as { kind: string; accountId: string; fields: string[] }[]).map((l) => [l.kind, l.accountId, l.fields]);
    expect(kinds.filter(([k]) => k === 'removed')).toHaveLength(5); // counted 19, shown 5
    const others = kinds.filter(([k]) => k !== 'removed');
    expect(others).toHaveLength(2);
    expect(others).toEqual(expect.arrayContaining([['changed', 'acc-0', ['accountStatus']], ['added', 'acc-50', []]]));
    expect((await cli('snapshot', 'diff', quarantined.id, '--limit', '5')).out).toContain('(at most 5 lines of each kind shown');

    // The same against the first snapshot by id; and once accepted, nothing differs from the current state.
    expect((await cli('snapshot', 'diff', quarantined.id, '--against', first.id)).out).toContain('grants:     +1 added, -19 removed, ~1 changed');
    expect((await cli('snapshot', 'diff', first.id, '--against', quarantined.id)).out).toContain('grants:     +19 added, -1 removed, ~1 changed');
    expect((await cli('sync', '--accept-quarantined', quarantined.id, '--as', 'ops@example.com')).code).toBe(EXIT.ok);
    expect((await cli('snapshot', 'diff', quarantined.id)).out).toContain('grants:     +0 added, -0 removed, ~0 changed');
  });

  it('diffs a directory snapshot\'s identities', async () => {
    write('hr.csv', csv(HR_HEADER, [ALICE.replace('Trading,Trader', 'Treasury,Trader'), 'E2,bob@example.com,Bob,Trading,Trader,,active,employee,,']));
    expect((await cli('sync', '--system', 'hr')).code).toBe(EXIT.ok);
    const [second, first] = await snapshots('hr');
    const r = await cli('snapshot', 'diff', second!.id, '--against', first!.id);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toContain('identities: +1 added, -0 removed, ~1 changed');
    expect(r.out).toContain('  + E2  Bob');
    expect(r.out).toContain('  ~ E1  Alice: department');
  });

  it('refuses an unknown snapshot, snapshots of two systems and pruned grants (exit 2)', async () => {
    const [trading] = await snapshots('trading');
    const [hr] = await snapshots('hr');
    const unknown = await cli('snapshot', 'show', 'nope');
    expect(unknown.code).toBe(EXIT.invalidInput);
    expect(unknown.err).toContain('no snapshot "nope"');
    expect((await cli('snapshot', 'diff', 'nope')).code).toBe(EXIT.invalidInput);
    const mixed = await cli('snapshot', 'diff', trading!.id, '--against', hr!.id);
    expect(mixed.code).toBe(EXIT.invalidInput);
    expect(mixed.err).toContain('only snapshots of one system can be compared');

    // A partial pull (a bad row; 19 grants changed) is stored, never applied; a later complete
    // pull supersedes it. Pruning deletes the partial one's grant rows, never an applied
    // snapshot's (the first one still reads for evidence).
    write('trading.csv', csv(HEADER, [...range(19).map((i) => row(i, 'disabled')), row(99, 'bogus')]));
    expect((await cli('sync', '--system', 'trading')).code).toBe(EXIT.syncPartial);
    const [partial] = await withStore((s) => s.snapshots.list({ systemId: 'trading', status: 'partial' }));
    write('trading.csv', csv(HEADER, range(19).map((i) => row(i))));
    expect((await cli('sync', '--system', 'trading')).code).toBe(EXIT.ok);
    expect(await withStore((s) => s.snapshots.pruneGrants(0))).toBe(19);
    const pruned = await cli('snapshot', 'diff', partial!.id);
    expect(pruned.code).toBe(EXIT.invalidInput);
    expect(pruned.err).toContain(`the grants of snapshot "${partial!.id}" were pruned`);
    expect((await cli('snapshot', 'show', partial!.id)).out).toContain('grant rows pruned');
    expect((await cli('snapshot', 'diff', trading!.id)).code).toBe(EXIT.ok);
  });
});
