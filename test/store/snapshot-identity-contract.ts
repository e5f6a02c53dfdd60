/**
 * The people of directory snapshots that start from their previous one (create with
 * fromPrevious), as a sync writes them (every person, in batches): whatever a store keeps of
 * the unchanged people, every snapshot reads exactly the people it was given, through
 * identities() (evidence), and the current snapshots' people through the identity reads,
 * before and after later syncs, failures, quarantines, acceptances, promotions and pruneGrants.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Identity } from '../../src/domain/index.js';
import type { Store } from '../../src/store/ports.js';
import { at, finish, identity, snapshot } from './store-fixtures.js';
import { StoreLifecycle } from './store-lifecycle.js';

const NONE = () => [];

function byId(is: readonly Identity[]): Identity[] {
  return [...is].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function people(n: number, prefix = 'p'): Identity[] {
  return Array.from({ length: n }, (_, i) => identity(`${prefix}${String(i).padStart(3, '0')}`, `${prefix}${i}@firm.li`, 'entra'));
}

/** `base` without the `removed` ids, with `put` added or replacing. */
function expected(base: readonly Identity[], removed: readonly string[], put: readonly Identity[]): Identity[] {
  const m = new Map(base.map((p) => [p.id, p]));
  for (const id of removed) m.delete(id);
  for (const p of put) m.set(p.id, p);
  return byId([...m.values()]);
}

export function snapshotIdentityContract(name: string, open: () => Promise<Store>): void {
  describe(`${name}: a directory snapshot's people, started from its previous one`, () => {
    let store: Store;
    const lifecycle = new StoreLifecycle();
    beforeEach(async () => {
      store = await lifecycle.open(open);
    });
    afterEach(async () => {
      await lifecycle.close();
    });

    /** Creates `id` from `previous`, appends all of `everyone` in batches of `batch`, finishes as `status` (a complete one promoted). */
    async function sync(id: string, minute: number, previous: string | null, everyone: readonly Identity[], status: 'complete' | 'quarantined' | 'failed' = 'complete', batch = 3) {
      await store.snapshots.create(snapshot(id, 'entra', at(minute), { previousSnapshotId: previous }), { fromPrevious: true });
      for (let i = 0; i < everyone.length; i += batch) await store.snapshots.appendIdentities(id, everyone.slice(i, i + batch));
      expect(await store.snapshots.finish(id, finish(status), NONE, { promote: status === 'complete' })).toBe(true);
    }

    async function expectCurrent(want: readonly Identity[]) {
      expect(await store.identities.current()).toEqual(byId(want));
      for (const p of want) {
        expect(await store.identities.get(p.id)).toEqual(p);
        if (p.email) expect(await store.identities.findByEmail(p.email.toUpperCase())).toEqual(p);
      }
    }

    it('each snapshot of a chain reads exactly the people it was given (added, changed, removed, unchanged), whatever came after it', async () => {
      const d1 = people(10);
      await sync('e1', 0, null, d1);
      const d2 = expected(d1, [d1[0]!.id, d1[5]!.id], [{ ...d1[2]!, status: 'terminated' }, identity('new1', 'new1@firm.li', 'entra'), { ...d1[9]!, email: 'moved@firm.li' }]);
      await sync('e2', 10, 'e1', d2);
      // Someone removed comes back; someone changed changes back.
      const d3 = expected(d2, [d1[3]!.id], [d1[0]!, d1[2]!]);
      await sync('e3', 20, 'e2', d3);
      await sync('e4', 30, 'e3', d3);
      const d5 = d3.slice(0, 4);
      await sync('e5', 40, 'e4', d5);
      for (const [id, want] of [['e1', d1], ['e2', d2], ['e3', d3], ['e4', d3], ['e5', d5]] as const) {
        expect(await store.snapshots.identities(id), id).toEqual(byId(want));
      }
      await expectCurrent(d5);
      expect(await store.identities.get(d1[9]!.id)).toBeNull();
      expect(await store.identities.findByEmail('moved@firm.li')).toBeNull();
    });

    it('while running it reads what it was given so far; the same id given twice: last wins, either way round', async () => {
      const d1 = people(6);
      await sync('e1', 0, null, d1);
      await store.snapshots.create(snapshot('e2', 'entra', at(10), { previousSnapshotId: 'e1' }), { fromPrevious: true });
      const changed = { ...d1[1]!, department: 'Risk' };
      await store.snapshots.appendIdentities('e2', [d1[0]!, changed, d1[2]!]);
      expect(await store.snapshots.identities('e2')).toEqual([d1[0]!, changed, d1[2]!]);
      // Changed then back to the base's content; unchanged then changed; a new one twice.
      await store.snapshots.appendIdentities('e2', [d1[1]!, { ...d1[2]!, jobTitle: 'Lead' }, identity('n', null, 'entra'), identity('n', 'n@firm.li', 'entra')]);
      const want = [d1[0]!, d1[1]!, { ...d1[2]!, jobTitle: 'Lead' }, identity('n', 'n@firm.li', 'entra')];
      expect(await store.snapshots.identities('e2')).toEqual(byId(want));
      await expectCurrent(d1);
      expect(await store.snapshots.finish('e2', finish('complete'), NONE, { promote: true })).toBe(true);
      expect(await store.snapshots.identities('e2')).toEqual(byId(want));
      expect(await store.snapshots.identities('e1')).toEqual(byId(d1));
      await expectCurrent(want);
    });

    it('a failed or quarantined snapshot reads its own people and never changes the current ones; pruneGrants changes no one', async () => {
      const d1 = people(8);
      await sync('e1', 0, null, d1);
      await sync('f2', 10, 'e1', [], 'failed');
      await sync('f3', 15, 'e1', d1.slice(0, 2), 'failed');
      const q4 = expected(d1, d1.slice(0, 6).map((p) => p.id), [{ ...d1[7]!, status: 'disabled' }]);
      await sync('q4', 20, 'e1', q4, 'quarantined');
      await expectCurrent(d1);
      const d5 = expected(d1, [d1[4]!.id], [identity('later', null, 'entra')]);
      await sync('e5', 30, 'e1', d5);
      await store.snapshots.pruneGrants(0);
      for (const [id, want] of [['e1', d1], ['f2', []], ['f3', d1.slice(0, 2)], ['q4', q4], ['e5', d5]] as const) {
        expect(await store.snapshots.identities(id), id).toEqual(byId(want));
      }
      await expectCurrent(d5);
    });

    it('a quarantined snapshot accepted after another one was applied becomes current with exactly its people; a sync from it reads from there', async () => {
      const d1 = people(8);
      await sync('e1', 0, null, d1);
      const q2 = expected(d1, d1.slice(0, 5).map((p) => p.id), [{ ...d1[7]!, status: 'terminated' }]);
      await sync('q2', 10, 'e1', q2, 'quarantined');
      const d3 = expected(d1, [d1[6]!.id], [identity('d3-new', 'x@firm.li', 'entra'), { ...d1[0]!, displayName: 'Renamed' }]);
      await sync('e3', 20, 'e1', d3);
      await expectCurrent(d3);
      expect(await store.snapshots.promote('q2', 'ciso@firm.li', NONE)).toBe(true);
      await expectCurrent(q2);
      expect(await store.identities.get('d3-new')).toBeNull();
      for (const [id, want] of [['e1', d1], ['q2', q2], ['e3', d3]] as const) expect(await store.snapshots.identities(id), id).toEqual(byId(want));
      const d4 = expected(q2, [d1[7]!.id], [identity('d4-new', null, 'entra')]);
      await sync('e4', 30, 'q2', d4);
      await expectCurrent(d4);
      expect(await store.snapshots.identities('q2')).toEqual(byId(q2));
    });

    it('promoting an older applied snapshot again makes its people current; a sync from it then reads from there', async () => {
      const d1 = people(5);
      await sync('e1', 0, null, d1);
      const d2 = expected(d1, [d1[0]!.id], [identity('e2-new', 'e2@firm.li', 'entra'), { ...d1[1]!, managerId: d1[2]!.id }]);
      await sync('e2', 10, 'e1', d2);
      expect(await store.snapshots.promote('e1', null, NONE)).toBe(true);
      await expectCurrent(d1);
      expect(await store.identities.get('e2-new')).toBeNull();
      const d3 = expected(d1, [d1[1]!.id], []);
      await sync('e3', 20, 'e1', d3);
      await expectCurrent(d3);
      for (const [id, want] of [['e1', d1], ['e2', d2], ['e3', d3]] as const) expect(await store.snapshots.identities(id), id).toEqual(byId(want));
      expect(await store.snapshots.promote('e2', null, NONE)).toBe(true);
      await expectCurrent(d2);
    });
  });
}
