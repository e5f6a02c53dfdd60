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
import { identityContentKey, identityVersionRow } from '../../src/store/sqlite/identity-version.js';
import { at, currentSnapshot, finish, identity, snapshot } from './store-fixtures.js';

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
    // Snapshots not started from their previous one (fromPrevious) store all their people (migration 20).
    expect(count(file, 'identity_members')).toBe(9);
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
    // From each current snapshot's delta to its system's people (migration 20), by key.
    expect(plan(CURRENT_IDENTITIES_SQL)).toMatch(/^SCAN st.* \| SEARCH s USING INDEX sqlite_autoindex_snapshots_1 \(id=\?\) \| SEARCH d USING INTEGER PRIMARY KEY \(rowid=\?\) \| SEARCH m USING PRIMARY KEY \(system_key=\?\) \| SEARCH x USING INTEGER PRIMARY KEY \(rowid=\?\) \| SEARCH i USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    expect(plan(CURRENT_IDENTITY_BY_ID_SQL, 'a')).toMatch(/SEARCH m USING PRIMARY KEY \(system_key=\? AND id=\?\) \| SEARCH x USING INTEGER PRIMARY KEY \(rowid=\?\) \| SEARCH i USING INTEGER PRIMARY KEY/);
    expect(plan(CURRENT_IDENTITY_BY_EMAIL_SQL, 'a@firm.li')).toMatch(/^SEARCH i USING INDEX identity_versions_by_email \(<expr>=\?\) \| SCAN st.* \| SEARCH m USING PRIMARY KEY \(system_key=\? AND id=\?\)/);
    db.close();
  });

  it('migration 15 moves every snapshot\'s identities, storing each distinct content once', async () => {
    const file = join(dir, 'old.db');
    const db = new Database(file);
    // Before migration 12: every snapshot written since has a delta (migrations 12 and 20 then move it).
    migrate(db, MIGRATIONS.filter((m) => m.version < 12));
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

  it('a sync started from its previous snapshot stores membership rows only for the people added or changed, and keeps nothing of the unchanged', async () => {
    const file = join(dir, 'members.db');
    const store = openSqliteStore({ file });
    const everyone = Array.from({ length: 50 }, (_, n) => identity(`p${String(n).padStart(2, '0')}`, `p${n}@firm.li`, 'entra'));
    const sync = async (id: string, minute: number, previous: string | null, list: Identity[], status: 'complete' | 'quarantined' = 'complete') => {
      await store.snapshots.create(snapshot(id, 'entra', at(minute), { previousSnapshotId: previous }), { fromPrevious: true });
      await store.snapshots.appendIdentities(id, list);
      await store.snapshots.finish(id, finish(status), () => [], { promote: status === 'complete' });
    };
    await sync('e1', 0, null, everyone);
    expect(count(file, 'identity_members')).toBe(50);
    // Two leave, one changes, one joins, 47 unchanged: two new rows (the others are marked removed).
    const day2 = [...everyone.slice(1, 49), identity('q', 'q@firm.li', 'entra')];
    day2[5] = { ...day2[5]!, department: 'Risk' };
    await sync('e2', 10, 'e1', day2);
    expect(count(file, 'identity_members')).toBe(52);
    await sync('e3', 20, 'e2', day2);
    expect(count(file, 'identity_members')).toBe(52);
    // A quarantined pull keeps its removals pending, not its unchanged people.
    await sync('q4', 30, 'e3', day2.slice(0, 40), 'quarantined');
    expect(count(file, 'identity_members')).toBe(52);
    expect(count(file, 'identity_removals')).toBe(day2.length - 40);
    expect(count(file, 'identity_seen')).toBe(0);
    expect(await store.snapshots.identities('q4')).toEqual(day2.slice(0, 40));
    expect(await store.snapshots.identities('e1')).toEqual(everyone);
    expect(await store.snapshots.identities('e3')).toEqual([...day2].sort((a, b) => (a.id < b.id ? -1 : 1)));
    await store.close();
  });

  it('migration 20 keeps what every snapshot read: applied ones in version order, re-promoted, quarantined, failed, several systems', async () => {
    const file = join(dir, 'before-20.db');
    const db = new Database(file);
    migrate(db, MIGRATIONS.filter((m) => m.version < 20));
    // Snapshots and their deltas name each other: written in any order here, checked by the reads below.
    db.pragma('foreign_keys = OFF');
    const sys = db.prepare('INSERT INTO grant_systems (system_id) VALUES (?)');
    sys.run('entra');
    sys.run('hr');
    const addSnapshot = db.prepare(`INSERT INTO snapshots (key, id, system_id, status, started_at, counts, problems, delta_key, base_version) VALUES (?, ?, ?, ?, ?, '{}', '[]', ?, ?)`);
    const addDelta = db.prepare('INSERT INTO grant_deltas (key, system_key, snapshot_key, version) VALUES (?, ?, ?, ?)');
    const addVersion = db.prepare(`INSERT INTO identity_versions (content_key, id, email, display_name, department, job_title, manager_id, groups, aliases, status,
      employment_type, contract_end, last_sign_in_at, source_system_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const addMember = db.prepare('INSERT INTO snapshot_identities (snapshot_key, id, vkey) VALUES (?, ?, ?)');
    const vkeys = new Map<string, number>();
    const vkeyOf = (i: Identity): number => {
      const row = identityVersionRow(i);
      const key = identityContentKey(row);
      if (!vkeys.has(key)) vkeys.set(key, Number(addVersion.run(key, ...row).lastInsertRowid));
      return vkeys.get(key)!;
    };
    const p = (id: string, overrides: Partial<Identity> = {}) => identity(id, `${id}@firm.li`, 'entra', overrides);
    const h = (id: string) => identity(id, `${id}@hr.li`, 'hr');
    // [key, id, system, system key, status, delta version, base version, people]
    const held: [number, string, string, number, string, number | null, number | null, Identity[]][] = [
      [1, 'e1', 'entra', 1, 'complete', 1, null, [p('a'), p('b'), p('c')]],
      [2, 'h1', 'hr', 2, 'complete', 2, null, [h('x'), h('y')]],
      [3, 'e2', 'entra', 1, 'complete', 3, 1, [p('a'), p('b', { status: 'terminated' }), p('d')]],
      [4, 'q3', 'entra', 1, 'quarantined', null, 3, [p('a', { department: 'Risk' })]],
      [5, 'f4', 'entra', 1, 'failed', null, 3, []],
      [6, 'e5', 'entra', 1, 'complete', 4, 3, [p('a'), p('b'), p('c')]],
      [7, 'h2', 'hr', 2, 'complete', 5, 2, [h('y'), h('z')]],
      [8, 'e6', 'entra', 1, 'complete', 6, 4, [p('a'), p('d')]],
    ];
    for (const [key, id, system, systemKey, status, version, base, list] of held) {
      addDelta.run(key, systemKey, key, version);
      addSnapshot.run(key, id, system, status, at(key), key, base);
      for (const i of list) addMember.run(key, i.id, vkeyOf(i));
    }
    // e2 promoted again (as the store does: a delta of its own at a new version, snapshot e2's).
    addDelta.run(9, 1, 3, 7);
    db.prepare(`INSERT INTO system_state (system_id, snapshot_id) VALUES ('entra', 'e2'), ('hr', 'h2')`).run();
    db.close();

    const store = openSqliteStore({ file });
    for (const [, id, , , , , , list] of held) expect(await store.snapshots.identities(id), id).toEqual(list);
    const current = [...held[2]![7], ...held[6]![7]].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(await store.identities.current()).toEqual(current);
    expect(await store.identities.get('c')).toBeNull();
    expect(await store.identities.findByEmail('D@firm.li')).toEqual(p('d'));
    expect(await store.identities.findByEmail('x@hr.li')).toBeNull();
    // Stored as runs of versions (entra 1, 3, 4, 6, 7): a once; b, b terminated, b, b terminated; c twice; d twice;
    // q3's own row; hr x, y, z.
    expect(count(file, 'identity_members')).toBe(1 + 4 + 2 + 2 + 1 + 3);
    // A sync from the current snapshot reads on from there.
    await store.snapshots.create(snapshot('e7', 'entra', at(20), { previousSnapshotId: 'e2' }), { fromPrevious: true });
    await store.snapshots.appendIdentities('e7', [p('a'), p('d')]);
    await store.snapshots.finish('e7', finish('complete'), () => [], { promote: true });
    expect(await store.identities.current()).toEqual([p('a'), p('d'), h('y'), h('z')]);
    expect(await store.snapshots.identities('e2')).toEqual(held[2]![7]);
    await store.close();
  });
});

