/**
 * KvStore and the ledger: setMany stores values and the events of those that changed
 * together, or neither.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KvChange, Store } from '../../src/store/ports.js';
import type { LedgerFault, OpenStore } from './ledger-fault.js';
import { event, failingEvents, ledgerLines, ledgerOf } from './ledger-fault.js';
import { StoreLifecycle } from './store-lifecycle.js';

export function kvLedgerContract(name: string, open: OpenStore, fault?: LedgerFault): void {
  describe(`${name}: kv values and the ledger`, () => {
    let store: Store;
    const lifecycle = new StoreLifecycle();
    let calls: (readonly KvChange[])[];
    const recordChanges = (changes: readonly KvChange[]) => {
      calls.push(changes);
      return [event('config.loaded', 'config', { keys: changes.map((c) => c.key) })];
    };
    beforeEach(async () => {
      store = await lifecycle.open(open);
      calls = [];
    });
    afterEach(async () => {
      await lifecycle.close();
    });

    it('setMany gives the events exactly the values that changed; setting the same values again appends nothing', async () => {
      expect(await store.kv.setMany({ a: '1', b: '2' }, recordChanges)).toEqual([
        { key: 'a', value: '1', previous: null },
        { key: 'b', value: '2', previous: null },
      ]);
      expect(await store.kv.setMany({ a: '1', b: '2' }, recordChanges)).toEqual([]);
      expect(await store.kv.setMany({ a: '1', b: '3' }, recordChanges)).toEqual([{ key: 'b', value: '3', previous: '2' }]);
      expect(calls).toEqual([
        [
          { key: 'a', value: '1', previous: null },
          { key: 'b', value: '2', previous: null },
        ],
        [{ key: 'b', value: '3', previous: '2' }],
      ]);
      expect(await store.kv.get('b')).toBe('3');
      expect((await ledgerOf(store)).map((e) => e.data)).toEqual([{ keys: ['a', 'b'] }, { keys: ['b'] }]);
    });

    it('two setters of the same values at once: one changes them and ledgers, the other changes nothing', async () => {
      const both = await Promise.all([store.kv.setMany({ a: '1' }, recordChanges), store.kv.setMany({ a: '1' }, recordChanges)]);
      expect(both.map((c) => c.length).sort()).toEqual([0, 1]);
      expect(await ledgerLines(store)).toEqual(['config.loaded config']);
    });

    it('when the events fail, no value changes and nothing is appended', async () => {
      await store.kv.setMany({ a: '1' }, recordChanges);
      await expect(store.kv.setMany({ a: '2', b: '2' }, failingEvents)).rejects.toThrow('injected');
      expect(await store.kv.get('a')).toBe('1');
      expect(await store.kv.get('b')).toBeNull();
      expect(await ledgerLines(store)).toEqual(['config.loaded config']);
    });

    describe.skipIf(!fault)('with the ledger insert failing', () => {
      it('no value changes and nothing is appended', async () => {
        await fault!(store, 1);
        await expect(store.kv.setMany({ a: '1', b: '2' }, recordChanges)).rejects.toThrow('injected');
        expect(await store.kv.get('a')).toBeNull();
        expect(await ledgerOf(store)).toEqual([]);
      });
    });
  });
}
