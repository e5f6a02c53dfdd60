/**
 * The SQLite store's bulk path that large syncs rely on: batches of 1000+ grants are written
 * (and large snapshots read) by a worker thread with its own connection. The port's promises
 * must still hold: a write resolves once committed, fails alone, keeps its order; finish waits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Grant } from '../../src/domain/index.js';
import type { Store } from '../../src/store/ports.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { finish, grant, grants, snapshot, T0 } from '../store/store-fixtures.js';

function byId(gs: readonly Grant[]): Grant[] {
  return [...gs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

async function all<T>(it: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of it) out.push(...batch);
  return out;
}

describe('sqlite bulk writes (worker thread)', () => {
  let dir: string;
  let store: Store;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iam-bulk-'));
    store = openSqliteStore({ file: join(dir, 'test.db') });
    await store.snapshots.create(snapshot('s1', 'vault', T0));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the order of pipelined batches (same id: last wins) and reads large snapshots back in id order', async () => {
    const first = grants('vault', 3000);
    const renamed = first.slice(0, 1500).map((g): Grant => ({ ...g, accountDisplayName: 'renamed' }));
    const pending = [store.snapshots.appendGrants('s1', first), store.snapshots.appendGrants('s1', renamed), store.snapshots.appendGrants('s1', grants('vault', 9000, 3000))];
    await Promise.all(pending);
    expect(await store.snapshots.finish('s1', finish('complete'), () => [])).toBe(true);
    const read = await all(store.snapshots.grants('s1', 1000));
    expect(read.length).toBe(12_000);
    expect(read.map((g) => g.id)).toEqual([...read.map((g) => g.id)].sort());
    const byAccount = new Map(read.map((g) => [g.accountId, g]));
    expect(byAccount.get('acct-0')?.accountDisplayName).toBe('renamed');
    expect(byAccount.get('acct-2999')?.accountDisplayName).toBe('acct-2999');
    expect(byAccount.get('acct-11999')).toEqual(grant('vault', 'acct-11999', 'viewer'));
  });

  it('reads a large snapshot on the page reader thread as the in-memory store reads it: every field, nulls, details, a value holding the separator', async () => {
    const varied = (i: number): Grant =>
      grant('vault', `acct-${i}`, i % 3 === 0 ? 'admin' : 'viewer', {
        scope: i % 4 === 0 ? `ns-${i % 7}` : '',
        identityId: i % 5 === 0 ? null : `E${i % 97}`,
        identityRef: i % 6 === 0 ? null : `p${i}@example.li`,
        accountDisplayName: i % 7 === 0 ? null : i === 4321 ? 'split\u001fname' : `Account ${i}`,
        accountType: i % 9 === 0 ? 'service' : 'human',
        accountStatus: i % 11 === 0 ? 'disabled' : 'active',
        lastActivityAt: i % 2 === 0 ? null : '2026-11-01T00:00:00.000Z',
        firstSeenAt: i % 13 === 0 ? null : T0,
        ...(i % 8 === 0 ? { detail: { policies: ['a', `p${i % 3}`], ttl: i } } : {}),
      });
    const written = Array.from({ length: 7000 }, (_, i) => varied(i));
    await store.snapshots.appendGrants('s1', written);
    expect(await store.snapshots.finish('s1', finish('complete'), () => []), 'finished').toBe(true);
    const memory = openSqliteStore({ file: ':memory:' });
    try {
      await memory.snapshots.create(snapshot('s1', 'vault', T0));
      await memory.snapshots.appendGrants('s1', written);
      await memory.snapshots.finish('s1', finish('complete'), () => []);
      const expected = await all(memory.snapshots.grants('s1', 1000));
      expect(expected.length).toBe(7000);
      // Pages of 2000 rows on the thread: the one holding the separator is read as rows.
      expect(await all(store.snapshots.grants('s1', 1000))).toEqual(expected);
      expect(await all(store.snapshots.grants('s1', 3000))).toEqual(expected);
    } finally {
      await memory.close();
    }
  });

  it('grantsOf reads several large snapshots on one page reader thread as the in-memory store reads them, one after another', async () => {
    // The second large snapshot is read whole on the thread the first started, its first page
    // too: that page holds a value with the separator (read as rows) and a detail.
    const vault = grants('vault', 5000);
    const kms = grants('kms', 6000).map((g, i): Grant => (i === 3 ? { ...g, accountDisplayName: 'split\u001fname', detail: { policies: ['a'] } } : g));
    const crm = grants('crm', 10);
    const written: [string, string, Grant[]][] = [['s1', 'vault', vault], ['k', 'kms', kms], ['c', 'crm', crm]];
    const memory = openSqliteStore({ file: ':memory:' });
    try {
      for (const target of [store, memory]) {
        for (const [id, system, gs] of written) {
          if (id !== 's1' || target === memory) await target.snapshots.create(snapshot(id, system, T0));
          await target.snapshots.appendGrants(id, gs);
          expect(await target.snapshots.finish(id, finish('complete'), () => [])).toBe(true);
        }
      }
      const ids = ['k', 'c', 's1'];
      // As stored (one delta each: in the order they were appended), read here a page at a
      // time (no thread in memory): the thread's pages give the same grants in the same order.
      const expected = await all(memory.snapshots.grantsOf(ids, 1000));
      expect(expected.length).toBe(11_010);
      expect(expected.map((g) => g.id)).toEqual(ids.flatMap((id) => (id === 'k' ? kms : id === 'c' ? crm : vault).map((g) => g.id)));
      expect(byId(expected)).toEqual(byId((await Promise.all(ids.map((id) => all(memory.snapshots.grants(id, 1000))))).flat()));
      const batches: Grant[][] = [];
      for await (const batch of store.snapshots.grantsOf(ids, 1000)) batches.push(batch);
      expect(batches.flat()).toEqual(expected);
      expect(batches.map((b) => b.length)).toEqual([...Array<number>(6).fill(1000), 10, ...Array<number>(5).fill(1000)]);
      // A reader that stops early (inside the second large snapshot) leaves the store usable.
      let seen = 0;
      for await (const batch of store.snapshots.grantsOf(['k', 's1'], 1000)) {
        seen += batch.length;
        if (seen > 6000) break;
      }
      expect(seen).toBe(7000);
      expect(await all(store.snapshots.grantsOf(['c'], 1000))).toEqual(expected.slice(6000, 6010));
      expect(await all(store.snapshots.grants('k', 1000))).toEqual(byId(expected.slice(0, 6000)));
    } finally {
      await memory.close();
    }
  });

  it('grantsOf reads a snapshot made of several deltas on the thread: every grant it reads (removed and replaced ones not), once', async () => {
    const base = grants('vault', 4000);
    await store.snapshots.appendGrants('s1', base);
    expect(await store.snapshots.finish('s1', finish('complete'), () => [], { promote: true })).toBe(true);
    await store.snapshots.create(snapshot('s2', 'vault', T0, { previousSnapshotId: 's1' }), { fromPrevious: true });
    await store.snapshots.removeGrants('s2', base.slice(100, 1600).map((g) => g.id));
    await store.snapshots.appendGrants('s2', [...base.slice(2000, 3200).map((g): Grant => ({ ...g, accountDisplayName: 'changed' })), ...grants('vault', 2500, 9000)]);
    expect(await store.snapshots.finish('s2', finish('complete'), () => [], { promote: true })).toBe(true);
    const want = await all(store.snapshots.grants('s2', 1000));
    expect(want.length).toBe(4000 - 1500 + 2500);
    const read = await all(store.snapshots.grantsOf(['s2', 's1'], 1000));
    expect(byId(read.slice(0, want.length))).toEqual(want);
    expect(byId(read.slice(want.length))).toEqual(await all(store.snapshots.grants('s1', 1000)));
    expect(read.filter((g) => g.accountDisplayName === 'changed').length).toBe(1200);
  });

  it('fails only the batch that cannot be written; finish waits for the batches sent before it', async () => {
    await store.snapshots.create(snapshot('s2', 'vault', T0));
    await store.snapshots.finish('s2', finish('failed'), () => []);
    const good = store.snapshots.appendGrants('s1', grants('vault', 2000));
    const foreign = store.snapshots.appendGrants('s1', [...grants('vault', 1000, 5000), grant('kms', 'k1', 'admin')]);
    const missing = store.snapshots.appendGrants('nope', grants('vault', 2000));
    // Checked by the worker inside its transaction, likely in one group with its neighbours.
    const closed = store.snapshots.appendGrants('s2', grants('vault', 2000));
    const late = store.snapshots.appendGrants('s1', grants('vault', 2000, 2000));
    const finished = store.snapshots.finish('s1', finish('complete'), () => []);
    await expect(foreign).rejects.toThrow(/belongs to kms/);
    await expect(missing).rejects.toThrow(/does not exist/);
    await expect(closed).rejects.toThrow(/snapshot s2 is failed: only a running snapshot takes data/);
    await expect(good).resolves.toBeUndefined();
    await expect(late).resolves.toBeUndefined();
    expect(await finished).toBe(true);
    expect(await store.snapshots.countGrants('s1')).toBe(4000);
    expect(await store.snapshots.countGrants('s2')).toBe(0);
    // A finished snapshot takes no more data, through the worker either.
    await expect(store.snapshots.appendGrants('s1', grants('vault', 1000, 9000))).rejects.toThrow(/only a running snapshot takes data/);
  });

  it("finish() writes on the store's connection once no write is pending on the worker, also one sent while it waited", async () => {
    // Another system's sync goes on while this one finishes: it sends a batch after finish() was called.
    await store.snapshots.create(snapshot('other', 'kms', T0));
    const first = store.snapshots.appendGrants('other', grants('kms', 2000));
    // The events run inside finish's transaction: whether the worker still had a write in flight
    // then (its lock would hold this transaction), and what the store's connection sees.
    const worker = (store.snapshots as unknown as { worker: { idle: boolean } }).worker;
    let idle: boolean | null = null;
    let seen: Promise<number> | null = null;
    const finished = store.snapshots.finish('s1', finish('complete'), () => {
      idle = worker.idle;
      seen = store.snapshots.countGrants('other');
      return [];
    });
    const second = store.snapshots.appendGrants('other', grants('kms', 2000, 2000));
    expect(await finished).toBe(true);
    expect(idle).toBe(true);
    expect(await seen).toBe(4000);
    await first;
    await second;
  });
});
