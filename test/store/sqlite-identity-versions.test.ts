/**
 * SQLite stores each distinct identity content once (migration 15): a directory sync of the same
 * people adds a few bytes per person, not a copy of each, and every snapshot still reads back
 * exactly the people it held.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { Identity } from '../../src/domain/index.js';
import { MIGRATIONS, migrate } from '../../src/store/sqlite/migrations.js';
import { openDatabase } from '../../src/store/sqlite/open-database.js';
import { CURRENT_IDENTITIES_SQL, CURRENT_IDENTITY_BY_EMAIL_SQL, CURRENT_IDENTITY_BY_ID_SQL } from '../../src/store/sqlite/sqlite-identity-store.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { at, currentSnapshot, identity, snapshot } from './store-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'iam-identity-versions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const count = (file: string, table: string): number => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
};

const people = (): Identity[] => [
  identity('a', 'anna@firm.li', 'hr', { groups: ['ops'], aliases: ['A1'] }),
  identity('b', 'ben@firm.li', 'hr', { managerId: 'a' }),
  identity('c', null, 'hr', { employmentType: 'contractor', contractEnd: '2027-01-31' }),
];

describe('identities stored once per distinct content', () => {
  it('a sync of unchanged people adds no identity row; a changed person one; every snapshot reads its own', async () => {
    const file = join(dir, 'versions.db');
    const store = openSqliteStore({ file });
    const day1 = people();
    await currentSnapshot(store, snapshot('hr@1', 'hr', at(0)), { identities: day1 });
    await currentSnapshot(store, snapshot('hr@2', 'hr', at(10)), { identities: people() });
    expect(count(file, 'identity_versions')).toBe(3);
    // Ben leaves and changes email: one new version; day 1 and 2 still read as they were.
    const day3 = [day1[0]!, { ...day1[1]!, status: 'terminated' as const, email: 'ben.old@firm.li' }, day1[2]!];
    await currentSnapshot(store, snapshot('hr@3', 'hr', at(20)), { identities: day3 });
    expect(count(file, 'identity_versions')).toBe(4);
    expect(count(file, 'snapshot_identities')).toBe(9);
    expect(await store.snapshots.identities('hr@1')).toEqual(day1);
    expect(await store.snapshots.identities('hr@2')).toEqual(day1);
    expect(await store.snapshots.identities('hr@3')).toEqual(day3);
    // Current reads see only the current snapshot's versions.
    expect(await store.identities.current()).toEqual(day3);
    expect(await store.identities.get('b')).toEqual(day3[1]);
    expect(await store.identities.findByEmail('ben@firm.li')).toBeNull();
    expect(await store.identities.findByEmail('BEN.OLD@firm.li')).toEqual(day3[1]);
    await store.close();
  });

  it('current reads start from the current snapshots and go by key: no scan of every snapshot\'s people', () => {
    const db = openDatabase({ memory: true });
    const plan = (sql: string, ...params: unknown[]) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join(' | ');
    expect(plan(CURRENT_IDENTITIES_SQL)).toMatch(/^SCAN st.* \| SEARCH s USING COVERING INDEX sqlite_autoindex_snapshots_1 \(id=\?\) \| SEARCH m USING PRIMARY KEY \(snapshot_key=\?\) \| SEARCH i USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    expect(plan(CURRENT_IDENTITY_BY_ID_SQL, 'a')).toMatch(/SEARCH m USING PRIMARY KEY \(snapshot_key=\? AND id=\?\) \| SEARCH i USING INTEGER PRIMARY KEY/);
    expect(plan(CURRENT_IDENTITY_BY_EMAIL_SQL, 'a@firm.li')).toMatch(/^SEARCH i USING INDEX identity_versions_by_email \(<expr>=\?\) \| SCAN st.* \| SEARCH m USING PRIMARY KEY \(snapshot_key=\? AND id=\?\)/);
    db.close();
  });

  it('migration 15 moves every snapshot\'s identities, storing each distinct content once', async () => {
    const file = join(dir, 'old.db');
    const db = new Database(file);
    migrate(db, MIGRATIONS.filter((m) => m.version < 15));
    const addSnapshot = db.prepare(`INSERT INTO snapshots (id, system_id, status, started_at, counts, problems) VALUES (?, 'hr', 'complete', ?, '{}', '[]')`);
    const addIdentity = db.prepare(`INSERT INTO identities (snapshot_id, id, email, display_name, department, job_title, manager_id, groups, aliases, status,
      employment_type, contract_end, last_sign_in_at, source_system_id) VALUES (?, @id, @email, @displayName, @department, @jobTitle, @managerId, ?, ?, @status,
      @employmentType, @contractEnd, @lastSignInAt, @sourceSystemId)`);
    const odd = identity('d', 'dora@firm.li', 'hr', { displayName: 'Dóra "D" Ünal\u001f', groups: ['a,b', 'ü'], lastSignInAt: '2026-01-01T00:00:00Z' });
    const held: Record<string, Identity[]> = { 'hr@1': [...people(), odd], 'hr@2': [people()[0]!, { ...people()[1]!, status: 'terminated' }, odd] };
    for (const [i, [id, list]] of Object.entries(held).entries()) {
      addSnapshot.run(id, at(i));
      for (const p of list) addIdentity.run(id, p, JSON.stringify(p.groups), JSON.stringify(p.aliases));
    }
    db.prepare(`INSERT INTO system_state (system_id, snapshot_id) VALUES ('hr', 'hr@2')`).run();
    db.close();

    const store = openSqliteStore({ file });
    expect(await store.snapshots.identities('hr@1')).toEqual(held['hr@1']);
    expect(await store.snapshots.identities('hr@2')).toEqual(held['hr@2']);
    expect(await store.identities.current()).toEqual(held['hr@2']);
    expect(count(file, 'identity_versions')).toBe(5);
    // New syncs reuse the moved versions.
    await currentSnapshot(store, snapshot('hr@3', 'hr', at(5)), { identities: held['hr@2']! });
    expect(count(file, 'identity_versions')).toBe(5);
    expect(await store.identities.findByEmail('dora@firm.li')).toEqual(odd);
    await store.close();
  });
});
