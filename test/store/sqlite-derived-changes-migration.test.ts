/**
 * Migration 19 (a first snapshot derives its added changes from its grants): a database from
 * before it stored its first snapshots' added lines as rows; they read the same afterwards,
 * and such a snapshot still takes lines (no snapshot of it is marked as deriving its changes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import type { GrantChange } from '../../src/domain/index.js';
import { MIGRATIONS, migrate } from '../../src/store/sqlite/migrations.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { at, batchesOf, change, grants } from './store-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'iam-migration-19-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('migration 19 keeps the recorded changes of first snapshots as rows, read as before', async () => {
  const file = join(dir, 'old.db');
  const db = new Database(file);
  migrate(db, MIGRATIONS.filter((m) => m.version < 19));
  // A first snapshot as a sync of version 18 left it: no previous one, its added lines stored.
  db.prepare(`INSERT INTO snapshots (id, system_id, status, started_at, counts, problems, previous_snapshot_id) VALUES ('v1', 'vault', 'complete', ?, '{}', '[]', NULL)`).run(at(0));
  const key = db.prepare<[], number>(`SELECT key FROM snapshots WHERE id = 'v1'`).pluck().get()!;
  const recorded: GrantChange[] = grants('vault', 5).map((g) => change('v1', g, 'added'));
  const addChange = db.prepare('INSERT INTO grant_changes (snapshot_key, grant_id, kind, system_id, account_id, role, scope, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  for (const c of recorded) addChange.run(key, c.grantId, c.kind, c.systemId, c.accountId, c.role, c.scope, c.before, c.after);
  db.close();

  const store = openSqliteStore({ file });
  const sorted = [...recorded].sort((a, b) => (a.grantId < b.grantId ? -1 : 1));
  expect((await batchesOf(store.snapshots.changes('v1', 2))).flat()).toEqual(sorted);
  const more = change('v1', grants('vault', 1, 9)[0]!, 'added');
  await store.snapshots.appendChanges([more]);
  expect((await batchesOf(store.snapshots.changes('v1'))).flat()).toEqual([...sorted, more].sort((a, b) => (a.grantId < b.grantId ? -1 : 1)));
  await store.close();
});
