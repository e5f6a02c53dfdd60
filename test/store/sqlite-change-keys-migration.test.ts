/**
 * Migration 13 (grant changes keyed by the snapshot key): the changes recorded before read the
 * same afterwards, snapshot by snapshot, and new ones are recorded next to them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import type { GrantChange } from '../../src/domain/index.js';
import { MIGRATIONS, migrate } from '../../src/store/sqlite/migrations.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { at, batchesOf, change, grants, snapshot } from './store-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'iam-migration-13-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('migration 13 keeps every recorded change of every snapshot, in grant id order', async () => {
  const file = join(dir, 'old.db');
  const db = new Database(file);
  migrate(db, MIGRATIONS.filter((m) => m.version < 13));
  const addSnapshot = db.prepare(`INSERT INTO snapshots (id, system_id, status, started_at, counts, problems) VALUES (?, ?, 'complete', ?, '{}', '[]')`);
  const addChange = db.prepare('INSERT INTO grant_changes (snapshot_id, grant_id, kind, system_id, account_id, role, scope, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const recorded: Record<string, GrantChange[]> = {
    v1: grants('vault', 5).map((g) => change('v1', g, 'added')),
    v2: [change('v2', grants('vault', 1, 2)[0]!, 'removed'), { ...change('v2', grants('vault', 1, 3)[0]!, 'changed'), before: 'old\u001factive\u001fhuman\u001fx' }],
    k1: grants('kms', 3).map((g) => change('k1', g, 'added')),
  };
  for (const [i, id] of ['v1', 'v2', 'k1'].entries()) {
    addSnapshot.run(id, id.startsWith('k') ? 'kms' : 'vault', at(i));
    for (const c of recorded[id]!) addChange.run(c.snapshotId, c.grantId, c.kind, c.systemId, c.accountId, c.role, c.scope, c.before, c.after);
  }
  db.close();

  const store = openSqliteStore({ file });
  const sorted = (cs: GrantChange[]) => [...cs].sort((a, b) => (a.grantId < b.grantId ? -1 : 1));
  for (const id of ['v1', 'v2', 'k1']) expect((await batchesOf(store.snapshots.changes(id, 2))).flat()).toEqual(sorted(recorded[id]!));
  await store.snapshots.create(snapshot('v3', 'vault', at(5)));
  const more = grants('vault', 2, 7).map((g) => change('v3', g, 'added'));
  await store.snapshots.appendChanges(more);
  expect((await batchesOf(store.snapshots.changes('v3'))).flat()).toEqual(sorted(more));
  expect((await batchesOf(store.snapshots.changes('v1'))).flat()).toHaveLength(5);
  await store.close();
});
