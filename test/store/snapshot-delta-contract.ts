/**
 * Snapshots that start from their previous one (create with fromPrevious), as a sync writes
 * them: only the changed grants are written, yet every snapshot reads exactly its own grants,
 * through grants(), scanGrants() and countGrants(), before and after later syncs, promotions,
 * acceptances of quarantined snapshots and pruneGrants (evidence reads old applied snapshots).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Grant } from '../../src/domain/index.js';
import type { Store } from '../../src/store/ports.js';
import { grantFingerprint } from '../../src/domain/index.js';
import { grantRowFields } from '../../src/store/grant-rows.js';
import { at, batchesOf, change, finish, grant, grants, rowFieldsOf, snapshot } from './store-fixtures.js';
import { StoreLifecycle } from './store-lifecycle.js';

const NONE = () => [];

function byId(gs: readonly Grant[]): Grant[] {
  return [...gs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** A snapshot's grants as each read gives them (id order, storage order, the store's order, count), checked to agree. */
async function contentOf(store: Store, snapshotId: string): Promise<Grant[]> {
  const ordered = (await batchesOf(store.snapshots.grants(snapshotId, 3))).flat();
  const scanned = (await batchesOf(store.snapshots.scanGrants(snapshotId, 4))).flat();
  expect(byId(scanned), `scanGrants of ${snapshotId}`).toEqual(ordered);
  // The same grants as rows of fields (no ids), in scanGrants' order.
  expect(await rowFieldsOf(store.snapshots.scanGrantRows(snapshotId, 4), 4), `scanGrantRows of ${snapshotId}`).toEqual(scanned.map(grantRowFields));
  expect(await store.snapshots.countGrants(snapshotId), `countGrants of ${snapshotId}`).toBe(ordered.length);
  expect(byId((await batchesOf(store.snapshots.grantsOf([snapshotId], 3))).flat()), `grantsOf of ${snapshotId}`).toEqual(ordered);
  return ordered;
}

/** `base` without the `removed` ids, with `put` added or replacing. */
function expected(base: readonly Grant[], removed: readonly string[], put: readonly Grant[]): Grant[] {
  const m = new Map(base.map((g) => [g.id, g]));
  for (const id of removed) m.delete(id);
  for (const g of put) m.set(g.id, g);
  return byId([...m.values()]);
}

export function snapshotDeltaContract(name: string, open: () => Promise<Store>): void {
  describe(`${name}: snapshots that start from their previous one`, () => {
    let store: Store;
    const lifecycle = new StoreLifecycle();
    beforeEach(async () => {
      store = await lifecycle.open(open);
    });
    afterEach(async () => {
      await lifecycle.close();
    });

    /** Creates `id` from `previous` (null: none), removes, then appends, finishes as `status`, promoting a complete one. */
    async function sync(id: string, minute: number, previous: string | null, change: { removed?: string[]; put?: Grant[] }, status: 'complete' | 'quarantined' | 'failed' = 'complete') {
      await store.snapshots.create(snapshot(id, 'vault', at(minute), { previousSnapshotId: previous }), { fromPrevious: true });
      await store.snapshots.removeGrants(id, change.removed ?? []);
      await store.snapshots.appendGrants(id, change.put ?? []);
      expect(await store.snapshots.finish(id, finish(status), NONE, { promote: status === 'complete' })).toBe(true);
    }

    it('reads its previous grants minus the removed, plus the appended (last wins), and leaves the previous one as it was', async () => {
      const v1 = grants('vault', 10);
      await sync('v1', 0, null, { put: v1 });
      const changed = { ...v1[2]!, accountStatus: 'disabled' as const };
      const activity = { ...v1[3]!, lastActivityAt: at(5) };
      const added = grant('vault', 'new', 'admin');
      await store.snapshots.create(snapshot('v2', 'vault', at(10), { previousSnapshotId: 'v1' }), { fromPrevious: true });
      await store.snapshots.appendGrants('v2', [changed, added, activity]);
      await store.snapshots.appendGrants('v2', [{ ...added, accountDisplayName: 'last wins' }]);
      await store.snapshots.removeGrants('v2', [v1[0]!.id, v1[1]!.id, 'not-there']);
      const want = expected(v1, [v1[0]!.id, v1[1]!.id], [changed, activity, { ...added, accountDisplayName: 'last wins' }]);
      // Running: it reads its own grants already; the current state is untouched.
      expect(await contentOf(store, 'v2')).toEqual(want);
      expect(await contentOf(store, 'v1')).toEqual(byId(v1));
      await store.snapshots.finish('v2', finish('complete'), NONE, { promote: true });
      expect(await contentOf(store, 'v2')).toEqual(want);
      expect(await contentOf(store, 'v1')).toEqual(byId(v1));
    });

    it('a grant removed and appended again in one snapshot is in it; one appended and then removed is not', async () => {
      const v1 = grants('vault', 4);
      await sync('v1', 0, null, { put: v1 });
      await store.snapshots.create(snapshot('v2', 'vault', at(10), { previousSnapshotId: 'v1' }), { fromPrevious: true });
      await store.snapshots.removeGrants('v2', [v1[0]!.id]);
      const back = { ...v1[0]!, accountDisplayName: 'back' };
      await store.snapshots.appendGrants('v2', [back, grant('vault', 'brief', 'admin')]);
      await store.snapshots.removeGrants('v2', [grant('vault', 'brief', 'admin').id]);
      expect(await contentOf(store, 'v2')).toEqual(expected(v1, [], [back]));
    });

    it('every applied snapshot of a long chain reads exactly its grants, whatever came after it', async () => {
      let current: Grant[] = [];
      const history: [string, Grant[]][] = [];
      for (let n = 0; n < 6; n++) {
        const id = `v${n}`;
        const removed = current.filter((_, i) => i % 3 === n % 3).map((g) => g.id);
        const put = [...grants('vault', 3, 100 * n), ...current.filter((_, i) => i % 4 === 1).map((g) => ({ ...g, accountDisplayName: `${g.accountId} in ${id}` }))];
        await sync(id, 10 * n, n === 0 ? null : `v${n - 1}`, { removed, put });
        current = expected(current, removed, put);
        history.push([id, current]);
        expect((await store.snapshots.current('vault'))?.id).toBe(id);
        expect(await contentOf(store, id), id).toEqual(current);
      }
      for (const [id, want] of history) expect(await contentOf(store, id), id).toEqual(want);
      // Pruning never touches applied snapshots.
      expect(await store.snapshots.pruneGrants(0)).toBe(0);
      for (const [id, want] of history) expect(await contentOf(store, id)).toEqual(want);
    });

    it('a failed or quarantined snapshot never changes what the current one reads; pruneGrants deletes only the superseded failed one', async () => {
      const v1 = grants('vault', 6);
      await sync('v1', 0, null, { put: v1 });
      await sync('f2', 10, 'v1', { put: [grant('vault', 'half', 'admin')] }, 'failed');
      await sync('q3', 20, 'v1', { removed: v1.slice(0, 5).map((g) => g.id) }, 'quarantined');
      expect((await store.snapshots.current('vault'))?.id).toBe('v1');
      expect(await contentOf(store, 'v1')).toEqual(byId(v1));
      expect(await contentOf(store, 'q3')).toEqual(byId(v1.slice(5)));
      const v4put = [grant('vault', 'later', 'viewer')];
      await sync('v4', 30, 'v1', { put: v4put });
      expect(await store.snapshots.pruneGrants(0)).toBe(1);
      expect(await contentOf(store, 'f2')).toEqual([]);
      expect(await contentOf(store, 'v1')).toEqual(byId(v1));
      expect(await contentOf(store, 'v4')).toEqual(expected(v1, [], v4put));
    });

    it('a quarantined snapshot accepted after another one was applied becomes current with exactly its grants; the others keep theirs', async () => {
      const v1 = grants('vault', 8);
      await sync('v1', 0, null, { put: v1 });
      // Pulled against v1: removes most grants, changes one.
      const qChanged = { ...v1[7]!, accountStatus: 'disabled' as const };
      await sync('q2', 10, 'v1', { removed: v1.slice(0, 5).map((g) => g.id), put: [qChanged] }, 'quarantined');
      const qWant = expected(v1, v1.slice(0, 5).map((g) => g.id), [qChanged]);
      // Meanwhile a normal sync, also against v1: removes a grant q2 kept, adds one, changes one q2 removed.
      const v3put = [grant('vault', 'v3-new', 'admin'), { ...v1[0]!, accountDisplayName: 'renamed' }];
      await sync('v3', 20, 'v1', { removed: [v1[6]!.id], put: v3put });
      const v3Want = expected(v1, [v1[6]!.id], v3put);
      expect(await contentOf(store, 'v3')).toEqual(v3Want);

      expect(await store.snapshots.promote('q2', 'ciso@firm.li', NONE)).toBe(true);
      expect((await store.snapshots.current('vault'))?.id).toBe('q2');
      expect(await contentOf(store, 'q2')).toEqual(qWant);
      expect(await contentOf(store, 'v3')).toEqual(v3Want);
      expect(await contentOf(store, 'v1')).toEqual(byId(v1));

      // The next sync starts from the accepted snapshot.
      const v4put = [grant('vault', 'v4-new', 'viewer')];
      await sync('v4', 30, 'q2', { removed: [qChanged.id], put: v4put });
      expect(await contentOf(store, 'v4')).toEqual(expected(qWant, [qChanged.id], v4put));
      expect(await contentOf(store, 'q2')).toEqual(qWant);
    });

    it('promoting an older applied snapshot again makes its grants current; a sync from it then reads from there', async () => {
      const v1 = grants('vault', 5);
      await sync('v1', 0, null, { put: v1 });
      await sync('v2', 10, 'v1', { removed: [v1[0]!.id], put: [grant('vault', 'v2-new', 'admin')] });
      const v2Want = await contentOf(store, 'v2');
      expect(await store.snapshots.promote('v1', null, NONE)).toBe(true);
      expect((await store.snapshots.current('vault'))?.id).toBe('v1');
      expect(await contentOf(store, 'v1')).toEqual(byId(v1));
      expect(await contentOf(store, 'v2')).toEqual(v2Want);
      await sync('v3', 20, 'v1', { removed: [v1[1]!.id] });
      expect(await contentOf(store, 'v3')).toEqual(expected(v1, [v1[1]!.id], []));
      expect(await contentOf(store, 'v2')).toEqual(v2Want);
      expect(await contentOf(store, 'v1')).toEqual(byId(v1));
    });

    it('large batches (the SQLite store writes them on its worker): replaced and removed grants as small ones', async () => {
      const v1 = grants('vault', 4_000);
      await sync('v1', 0, null, { put: v1 });
      const removed = v1.slice(0, 1_500).map((g) => g.id);
      const put = [...v1.slice(2_000, 3_500).map((g) => ({ ...g, accountStatus: 'disabled' as const })), ...grants('vault', 1_200, 10_000)];
      await store.snapshots.create(snapshot('v2', 'vault', at(10), { previousSnapshotId: 'v1' }), { fromPrevious: true });
      await store.snapshots.appendGrants('v2', put);
      await store.snapshots.removeGrants('v2', removed);
      // Appended, then removed in a later batch: not in the snapshot.
      await store.snapshots.removeGrants('v2', put.slice(-1_000).map((g) => g.id));
      await store.snapshots.finish('v2', finish('complete'), NONE, { promote: true });
      const want = expected(v1, removed, put.slice(0, -1_000));
      const read = (await batchesOf(store.snapshots.grants('v2', 1_000))).flat();
      expect(read.length).toBe(want.length);
      expect(read).toEqual(want);
      expect(byId((await batchesOf(store.snapshots.scanGrants('v2', 1_000))).flat())).toEqual(want);
      expect((await batchesOf(store.snapshots.grants('v1', 1_000))).flat()).toEqual(byId(v1));
    });

    it('grantsOf reads several snapshots one after another, each the grants grants() reads, in batches that never mix two', async () => {
      await sync('v1', 0, null, { put: grants('vault', 7) });
      await sync('v2', 1, 'v1', { removed: [grants('vault', 1)[0]!.id], put: grants('vault', 2, 20) });
      await store.snapshots.create(snapshot('k1', 'kms', at(2)));
      await store.snapshots.appendGrants('k1', grants('kms', 4));
      expect(await store.snapshots.finish('k1', finish('complete'), NONE, { promote: true })).toBe(true);
      const ids = ['v2', 'unknown', 'k1', 'v1'];
      const each = await Promise.all(ids.map(async (id) => (await batchesOf(store.snapshots.grants(id, 3))).flat()));
      expect(each.map((gs) => gs.length)).toEqual([8, 0, 4, 7]);
      const batches = await batchesOf(store.snapshots.grantsOf(ids, 3));
      // In an order the store chooses within a snapshot: one snapshot after another, in the order asked.
      const read = batches.flat();
      let start = 0;
      for (const gs of each) {
        expect(byId(read.slice(start, start + gs.length))).toEqual(gs);
        start += gs.length;
      }
      expect(start).toBe(read.length);
      for (const batch of batches) {
        expect(batch.length).toBeGreaterThan(0);
        expect(batch.length).toBeLessThanOrEqual(3);
        expect(new Set(batch.map((g) => g.systemId)).size, 'one system per batch').toBe(1);
      }
      // A batch ends with its snapshot: v2's 8 grants are 3 + 3 + 2, not 3 + 3 + 3 with k1's first.
      expect(batches.map((b) => b.length)).toEqual([3, 3, 2, 3, 1, 3, 3, 1]);
    });

    it('fromPrevious refuses a previous snapshot that was never applied, creating nothing', async () => {
      await store.snapshots.create(snapshot('q1', 'vault', at(0)));
      await store.snapshots.appendGrants('q1', grants('vault', 2));
      await store.snapshots.finish('q1', finish('quarantined'), NONE);
      await expect(store.snapshots.create(snapshot('v2', 'vault', at(10), { previousSnapshotId: 'q1' }), { fromPrevious: true })).rejects.toThrow(
        'snapshot v2 cannot start from q1: not an applied snapshot of vault',
      );
      expect(await store.snapshots.get('v2')).toBeNull();
    });

    it('a first snapshot (no previous state) derives its changes: the added lines a sync stored, in the same order and batches', async () => {
      const gs = grants('vault', 7).map((g, n) => (n === 2 ? { ...g, detail: { policies: ['b', 'a'] }, identityId: null } : n === 4 ? { ...g, accountDisplayName: null } : g));
      // The lines a sync stored for these grants, on a snapshot that stores its changes.
      await store.snapshots.create(snapshot('stored', 'vault', at(0)));
      await store.snapshots.appendGrants('stored', gs);
      await store.snapshots.appendChanges(gs.map((g) => ({ ...change('stored', g, 'added'), after: grantFingerprint(g) })));
      await sync('v1', 1, null, { put: [...gs].reverse() });
      const stored = await batchesOf(store.snapshots.changes('stored', 3));
      const derived = await batchesOf(store.snapshots.changes('v1', 3));
      expect(derived.map((b) => b.length)).toEqual([3, 3, 1]);
      expect(derived).toEqual(stored.map((b) => b.map((c) => ({ ...c, snapshotId: 'v1' }))));
      expect((await batchesOf(store.snapshots.changes('v1'))).flat()).toEqual(derived.flat());
      // It takes no lines of its own; a snapshot with a previous one stores its lines as before.
      await expect(store.snapshots.appendChanges([change('v1', grant('vault', 'other', 'admin'), 'added')])).rejects.toThrow();
      expect((await batchesOf(store.snapshots.changes('v1', 3))).flat()).toEqual(derived.flat());
      await store.snapshots.create(snapshot('v2', 'vault', at(10), { previousSnapshotId: 'v1' }), { fromPrevious: true });
      await store.snapshots.removeGrants('v2', [gs[0]!.id]);
      await store.snapshots.appendChanges([change('v2', gs[0]!, 'removed')]);
      expect((await batchesOf(store.snapshots.changes('v2'))).flat()).toEqual([change('v2', gs[0]!, 'removed')]);
    });

    it('pruneGrants stores the derived changes of a first snapshot before deleting its grants: they read the same afterwards', async () => {
      await sync('f1', 0, null, { put: grants('vault', 5) }, 'failed');
      const before = await batchesOf(store.snapshots.changes('f1', 2));
      expect(before.flat().map((c) => c.kind)).toEqual(['added', 'added', 'added', 'added', 'added']);
      await sync('v1', 10, null, { put: grants('vault', 3, 20) });
      const current = await batchesOf(store.snapshots.changes('v1', 2));
      expect(await store.snapshots.pruneGrants(0)).toBe(5);
      expect(await store.snapshots.countGrants('f1')).toBe(0);
      expect(await batchesOf(store.snapshots.changes('f1', 2))).toEqual(before);
      // The applied first snapshot keeps its grants, and derives the same changes from them.
      expect(await store.snapshots.pruneGrants(0)).toBe(0);
      expect(await batchesOf(store.snapshots.changes('v1', 2))).toEqual(current);
      expect(current.flat().map((c) => c.grantId)).toEqual(byId(grants('vault', 3, 20)).map((g) => g.id));
    });

    it('removeGrants refuses a missing or finished snapshot', async () => {
      await expect(store.snapshots.removeGrants('missing', ['x'])).rejects.toThrow('snapshot missing does not exist');
      await sync('v1', 0, null, { put: grants('vault', 2) });
      await expect(store.snapshots.removeGrants('v1', [grants('vault', 1)[0]!.id])).rejects.toThrow('snapshot v1 is complete: only a running snapshot takes data');
      expect(await store.snapshots.countGrants('v1')).toBe(2);
    });
  });
}
