/**
 * Migration 12 (grant rows stored once per change): a database written with one full copy of
 * the grants per snapshot reads the same afterwards, snapshot by snapshot, including a current
 * snapshot that was promoted again after a newer one; syncs then continue from it.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import type { Grant } from '../../src/domain/index.js';
import { grantDetailText } from '../../src/domain/index.js';
import { MIGRATIONS, migrate } from '../../src/store/sqlite/migrations.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { at, batchesOf, finish, grant, grants, snapshot } from './store-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'iam-migration-12-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function byId(gs: readonly Grant[]): Grant[] {
  return [...gs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

it('migration 12 keeps what every snapshot reads; the current one (even one promoted again) is where the next sync starts', async () => {
  const file = join(dir, 'old.db');
  mkdirSync(dir, { recursive: true });
  const db = new Database(file);
  migrate(db, MIGRATIONS.filter((m) => m.version < 12));
  const addSnapshot = db.prepare(`INSERT INTO snapshots (id, system_id, status, started_at, counts, problems) VALUES (?, ?, ?, ?, '{}', '[]')`);
  const addGrant = db.prepare(`INSERT INTO grants (snapshot_key, id, account_id, role, scope, identity_id, identity_ref, account_display_name, account_type,
      account_status, last_activity_at, first_seen_at, detail) VALUES ((SELECT key FROM snapshots WHERE id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const setCurrent = db.prepare('INSERT INTO system_state (system_id, snapshot_id) VALUES (?, ?)');
  const content: Record<string, Grant[]> = {
    v1: grants('vault', 3),
    v2: [...grants('vault', 2, 1), { ...grant('vault', 'acct-9', 'admin'), detail: { summary: 'kept' } }],
    f3: grants('vault', 1, 50),
    k1: grants('kms', 2),
    k2: grants('kms', 4, 10),
  };
  const old: [string, string, string, number][] = [
    ['v1', 'vault', 'complete', 0],
    ['k1', 'kms', 'complete', 1],
    ['v2', 'vault', 'complete', 10],
    ['k2', 'kms', 'complete', 11],
    ['f3', 'vault', 'failed', 20],
    ['p0', 'vault', 'complete', -10], // pruned before: no grant rows
  ];
  for (const [id, systemId, status, minute] of old) {
    addSnapshot.run(id, systemId, status, at(minute));
    for (const g of content[id] ?? []) addGrant.run(id, g.id, g.accountId, g.role, g.scope, g.identityId, g.identityRef, g.accountDisplayName, g.accountType, g.accountStatus, g.lastActivityAt, g.firstSeenAt, grantDetailText(g.detail));
  }
  setCurrent.run('vault', 'v2');
  setCurrent.run('kms', 'k1'); // promoted again after k2
  db.close();

  const store = openSqliteStore({ file });
  const read = async (id: string) => {
    const ordered = (await batchesOf(store.snapshots.grants(id, 2))).flat();
    expect(byId((await batchesOf(store.snapshots.scanGrants(id, 2))).flat())).toEqual(ordered);
    expect(await store.snapshots.countGrants(id)).toBe(ordered.length);
    return ordered;
  };
  for (const id of ['v1', 'v2', 'f3', 'k1', 'k2']) expect(await read(id), id).toEqual(byId(content[id]!));
  expect(await read('p0')).toEqual([]);

  // The next syncs start from the current snapshots.
  await store.snapshots.create(snapshot('k3', 'kms', at(30), { previousSnapshotId: 'k1' }), { fromPrevious: true });
  await store.snapshots.removeGrants('k3', [content.k1![0]!.id]);
  await store.snapshots.appendGrants('k3', [grant('kms', 'new', 'admin')]);
  await store.snapshots.finish('k3', finish('complete'), () => [], { promote: true });
  expect(await read('k3')).toEqual(byId([content.k1![1]!, grant('kms', 'new', 'admin')]));
  await store.snapshots.create(snapshot('v4', 'vault', at(30), { previousSnapshotId: 'v2' }), { fromPrevious: true });
  await store.snapshots.appendGrants('v4', [grant('vault', 'new', 'admin')]);
  await store.snapshots.finish('v4', finish('complete'), () => [], { promote: true });
  expect(await read('v4')).toEqual(byId([...content.v2!, grant('vault', 'new', 'admin')]));
  for (const id of ['v1', 'v2', 'f3', 'k1', 'k2']) expect(await read(id), `${id} after the next syncs`).toEqual(byId(content[id]!));
  // The failed snapshot was never applied: pruning takes its rows, never the applied ones'.
  expect(await store.snapshots.pruneGrants(0)).toBe(1);
  expect(await read('f3')).toEqual([]);
  for (const id of ['v1', 'v2', 'k1', 'k2']) expect(await read(id), `${id} after pruning`).toEqual(byId(content[id]!));
  await store.close();
});
