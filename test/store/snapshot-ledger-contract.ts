/**
 * SnapshotStore and the ledger: finish (with or without promote) and promote commit the
 * snapshot's change and its events together, or neither; events describe what this call did.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/domain/index.js';
import type { Store } from '../../src/store/ports.js';
import type { LedgerFault, OpenStore } from './ledger-fault.js';
import { event, failingEvents, ledgerLines, ledgerOf } from './ledger-fault.js';
import { finish, snapshot, T0 } from './store-fixtures.js';
import { StoreLifecycle } from './store-lifecycle.js';

export function snapshotLedgerContract(name: string, open: OpenStore, fault?: LedgerFault): void {
  describe(`${name}: snapshots and the ledger`, () => {
    let store: Store;
    const lifecycle = new StoreLifecycle();
    beforeEach(async () => {
      store = await lifecycle.open(open);
    });
    afterEach(async () => {
      await lifecycle.close();
    });

    /** Events recording the snapshot each call passed to the events function. */
    const seen: Snapshot[] = [];
    const record = (type: string) => (s: Snapshot) => {
      seen.push(s);
      return [event(type, s.systemId, { snapshotId: s.id, status: s.status })];
    };
    beforeEach(() => {
      seen.length = 0;
    });

    it('finish appends its events with the outcome, given the snapshot as finished; a second finish changes and appends nothing', async () => {
      await store.snapshots.create(snapshot('v1', 'vault', T0));
      expect(await store.snapshots.finish('v1', finish('partial', { problems: ['page 3'] }), record('sync.partial'))).toBe(true);
      expect(seen).toEqual([await store.snapshots.get('v1')]);
      expect(seen[0]).toMatchObject({ id: 'v1', status: 'partial', problems: ['page 3'] });
      expect(await store.snapshots.finish('v1', finish('complete'), record('sync.completed'), { promote: true })).toBe(false);
      expect(await store.snapshots.finish('missing', finish('failed'), record('sync.failed'))).toBe(false);
      expect(seen).toHaveLength(1);
      expect(await ledgerLines(store)).toEqual(['sync.partial vault']);
      expect(await store.snapshots.current('vault')).toBeNull();
    });

    it('finish with promote makes a complete snapshot current in the same call; promote is refused for another outcome before anything is written', async () => {
      await store.snapshots.create(snapshot('v1', 'vault', T0));
      expect(await store.snapshots.finish('v1', finish('complete'), record('sync.completed'), { promote: true })).toBe(true);
      expect((await store.snapshots.current('vault'))?.id).toBe('v1');
      expect(seen.map((s) => [s.id, s.status])).toEqual([['v1', 'complete']]);

      await store.snapshots.create(snapshot('v2', 'vault', '2026-01-05T09:00:00.000Z'));
      await expect(store.snapshots.finish('v2', finish('failed'), record('sync.failed'), { promote: true })).rejects.toThrow(
        'cannot promote snapshot v2: its status is failed; only a complete snapshot becomes current',
      );
      expect((await store.snapshots.get('v2'))?.status).toBe('running');
      expect((await store.snapshots.current('vault'))?.id).toBe('v1');
      expect(await ledgerLines(store)).toEqual(['sync.completed vault']);
    });

    it('promote appends its events when it accepts or moves the current snapshot, and nothing when the snapshot is current already', async () => {
      await store.snapshots.create(snapshot('q1', 'vault', T0));
      await store.snapshots.finish('q1', finish('quarantined'), () => []);
      expect(await store.snapshots.promote('q1', 'ciso@firm.li', record('sync.quarantine-accepted'))).toBe(true);
      expect(seen).toEqual([await store.snapshots.get('q1')]);
      expect(seen[0]).toMatchObject({ status: 'complete', acceptedBy: 'ciso@firm.li' });
      // Accepted and current: a second acceptance (or plain promote) changes nothing.
      expect(await store.snapshots.promote('q1', 'other@firm.li', record('sync.quarantine-accepted'))).toBe(false);
      expect(await store.snapshots.promote('q1', null, record('snapshot.promoted'))).toBe(false);
      expect((await store.snapshots.get('q1'))?.acceptedBy).toBe('ciso@firm.li');

      // A complete snapshot that is not current: promoting it moves the current state.
      await store.snapshots.create(snapshot('v2', 'vault', '2026-01-05T09:00:00.000Z'));
      await store.snapshots.finish('v2', finish('complete'), () => [], { promote: true });
      expect(await store.snapshots.promote('q1', null, record('snapshot.promoted'))).toBe(true);
      expect((await store.snapshots.current('vault'))?.id).toBe('q1');
      expect(await ledgerLines(store)).toEqual(['sync.quarantine-accepted vault', 'snapshot.promoted vault']);
    });

    it('two acceptances at once: one accepts and ledgers, the other changes nothing', async () => {
      await store.snapshots.create(snapshot('q1', 'vault', T0));
      await store.snapshots.finish('q1', finish('quarantined'), () => []);
      const both = await Promise.all([
        store.snapshots.promote('q1', 'a@firm.li', record('sync.quarantine-accepted')),
        store.snapshots.promote('q1', 'b@firm.li', record('sync.quarantine-accepted')),
      ]);
      expect(both.filter(Boolean)).toHaveLength(1);
      expect(await ledgerLines(store)).toEqual(['sync.quarantine-accepted vault']);
      expect((await ledgerOf(store))[0]!.data).toEqual({ snapshotId: 'q1', status: 'complete' });
    });

    it('when the events fail, finish leaves the snapshot running, not current, and the ledger empty', async () => {
      await store.snapshots.create(snapshot('v1', 'vault', T0));
      await expect(store.snapshots.finish('v1', finish('complete'), failingEvents, { promote: true })).rejects.toThrow('injected');
      expect((await store.snapshots.get('v1'))?.status).toBe('running');
      expect(await store.snapshots.current('vault')).toBeNull();
      expect(await ledgerOf(store)).toEqual([]);
      // Nothing is half done: the run can still be finished.
      expect(await store.snapshots.finish('v1', finish('failed'), record('sync.failed'))).toBe(true);
      expect(await ledgerLines(store)).toEqual(['sync.failed vault']);
    });

    it('when the events fail, promote leaves a quarantined snapshot quarantined, unaccepted and not current', async () => {
      await store.snapshots.create(snapshot('q1', 'vault', T0));
      await store.snapshots.finish('q1', finish('quarantined'), () => []);
      await expect(store.snapshots.promote('q1', 'ciso@firm.li', failingEvents)).rejects.toThrow('injected');
      expect(await store.snapshots.get('q1')).toMatchObject({ status: 'quarantined', acceptedBy: null });
      expect(await store.snapshots.current('vault')).toBeNull();
      expect(await ledgerOf(store)).toEqual([]);
    });

    describe.skipIf(!fault)('with the ledger insert failing', () => {
      it('finish: the outcome, the promotion and the event are stored together or not at all', async () => {
        await store.snapshots.create(snapshot('v1', 'vault', T0));
        await store.snapshots.create(snapshot('v2', 'vault', '2026-01-05T09:00:00.000Z'));
        await fault!(store, 1);
        await expect(store.snapshots.finish('v1', finish('complete'), record('sync.completed'), { promote: true })).rejects.toThrow('injected');
        expect((await store.snapshots.get('v1'))?.status).toBe('running');
        expect(await store.snapshots.current('vault')).toBeNull();
        expect(await ledgerOf(store)).toEqual([]);
      });

      it('promote: the acceptance, the promotion and the event are stored together or not at all', async () => {
        await store.snapshots.create(snapshot('q1', 'vault', T0));
        await store.snapshots.finish('q1', finish('quarantined'), record('sync.quarantined'));
        await fault!(store, 2);
        await expect(store.snapshots.promote('q1', 'ciso@firm.li', record('sync.quarantine-accepted'))).rejects.toThrow('injected');
        expect(await store.snapshots.get('q1')).toMatchObject({ status: 'quarantined', acceptedBy: null });
        expect(await store.snapshots.current('vault')).toBeNull();
        expect(await ledgerLines(store)).toEqual(['sync.quarantined vault']);
      });
    });
  });
}
