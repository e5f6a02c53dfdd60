/**
 * DeliveryStore and the ledger (issue #12): an outcome (update / updateMany) and its ledger
 * events commit together or not at all, and the events describe exactly the deliveries this
 * call changed. Runs against every adapter (sqlite.contract.test.ts, mongo.contract.test.ts);
 * the SQLite-only fault at the ledger insert itself (a trigger) is in sqlite-delivery-ledger.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LedgerEvent, LedgerEventInput } from '../../src/domain/index.js';
import type { Delivery, DeliveryPatch, Store } from '../../src/store/ports.js';
import { at, batchesOf, delivery } from './store-fixtures.js';
import { StoreLifecycle } from './store-lifecycle.js';

const CLAIMED = { state: 'claimed' } as const;

function sentPatch(n: number): DeliveryPatch {
  return { state: 'sent', channel: 'D01', ts: `1712345678.00010${n}`, attempts: 1, error: null, updatedAt: at(n) };
}

function sentEvent(d: Delivery): LedgerEventInput {
  return { type: 'message.sent', actor: 'bot', subject: d.id, data: { campaignId: d.campaignId, channel: d.channel, ts: d.ts }, at: d.updatedAt };
}

async function ledger(store: Store): Promise<LedgerEvent[]> {
  return (await batchesOf(store.ledger.read())).flat();
}

export function deliveriesLedgerContract(name: string, open: () => Promise<Store>): void {
  describe(`deliveries and the ledger: ${name}`, () => {
    let store: Store;
    const lifecycle = new StoreLifecycle();

    beforeEach(async () => {
      store = await lifecycle.open(open);
    });

    afterEach(async () => {
      await lifecycle.close();
    });

    it('update records the outcome and its events together; a second update of the same outcome changes and appends nothing', async () => {
      const d = delivery('c1', 'U01', '1');
      await store.deliveries.claim(d);
      const seen: Delivery[] = [];
      const events = (changed: Delivery) => {
        seen.push(changed);
        return [sentEvent(changed)];
      };
      const updated = await store.deliveries.update(d.id, CLAIMED, sentPatch(1), events);
      const stored = await store.deliveries.get(d.id);
      expect(stored).toEqual({ ...d, state: 'sent', channel: 'D01', ts: '1712345678.000101', attempts: 1, updatedAt: at(1) });
      expect(updated).toEqual(stored);
      expect(seen).toEqual([stored]);
      expect((await ledger(store)).map((e) => [e.type, e.subject, e.data])).toEqual([['message.sent', d.id, { campaignId: 'c1', channel: 'D01', ts: '1712345678.000101' }]]);

      // Recorded already (no longer claimed): the compare-and-set fails, nothing changes, events is not called.
      expect(await store.deliveries.update(d.id, CLAIMED, sentPatch(2), events)).toBeNull();
      expect(await store.deliveries.update(d.id, CLAIMED, { state: 'failed', error: 'late', updatedAt: at(3) }, events)).toBeNull();
      expect(await store.deliveries.update('c1|U09|review|1', CLAIMED, sentPatch(4), events)).toBeNull();
      expect(seen).toHaveLength(1);
      expect(await store.deliveries.get(d.id)).toEqual(stored);
      expect(await ledger(store)).toHaveLength(1);
    });

    it('two updates of one claimed delivery at once: exactly one records it, with one event', async () => {
      const d = delivery('c1', 'U01', '1');
      await store.deliveries.claim(d);
      const results = await Promise.all([
        store.deliveries.update(d.id, CLAIMED, sentPatch(1), (c) => [sentEvent(c)]),
        store.deliveries.update(d.id, CLAIMED, { state: 'failed', attempts: 1, error: 'ratelimited', updatedAt: at(2) }, (c) => [{ type: 'message.failed', actor: 'bot', subject: c.id, data: { error: c.error } }]),
      ]);
      const winner = results.filter((r) => r !== null);
      expect(winner).toHaveLength(1);
      expect(await store.deliveries.get(d.id)).toEqual(winner[0]);
      const events = await ledger(store);
      expect(events.map((e) => [e.type, e.subject])).toEqual([[winner[0]!.state === 'sent' ? 'message.sent' : 'message.failed', d.id]]);
    });

    it('updateMany: events get exactly the deliveries that were as expected, in ids order; a repeat appends nothing', async () => {
      const a = delivery('c1', 'U01', 'a', { kind: 'reminder' });
      const b = delivery('c2', 'U01', 'b', { kind: 'reminder' });
      const done = delivery('c3', 'U01', 'c', { kind: 'reminder' });
      for (const d of [a, b, done]) await store.deliveries.claim(d);
      await store.deliveries.update(done.id, CLAIMED, sentPatch(1), (c) => [sentEvent(c)]);
      const calls: Delivery[][] = [];
      const events = (changed: readonly Delivery[]) => {
        calls.push([...changed]);
        return changed.map(sentEvent);
      };
      const ids = [b.id, 'c4|U01|reminder|missing', done.id, a.id, b.id];
      const changed = await store.deliveries.updateMany(ids, CLAIMED, sentPatch(2), events);
      expect(changed.map((d) => d.id)).toEqual([b.id, a.id]);
      expect(calls).toEqual([changed]);
      for (const d of changed) expect(await store.deliveries.get(d.id)).toEqual(d);
      expect(changed.map((d) => d.state)).toEqual(['sent', 'sent']);
      expect((await ledger(store)).map((e) => e.subject)).toEqual([done.id, b.id, a.id]);

      expect(await store.deliveries.updateMany(ids, CLAIMED, sentPatch(3), events)).toEqual([]);
      expect(calls).toHaveLength(1);
      expect(await ledger(store)).toHaveLength(3);
      expect(await store.deliveries.get(a.id)).toEqual(changed[1]);
    });

    it('a one-time mark (unmarked) applies once: the second marking changes and appends nothing', async () => {
      const d = delivery('c1', 'U01', '1', { payload: { itemIds: ['i1'] } });
      await store.deliveries.claim(d);
      await store.deliveries.update(d.id, CLAIMED, sentPatch(1), (c) => [sentEvent(c)]);
      const mark = (n: number) =>
        store.deliveries.update(d.id, { state: 'sent', unmarked: 'closedShownAt' }, { payload: { itemIds: ['i1'], closedShownAt: at(n) }, updatedAt: at(n) }, (c) => [
          { type: 'message.updated', actor: 'bot', subject: c.id, data: { reason: 'campaign-closed' } },
        ]);
      expect(await mark(2)).toMatchObject({ state: 'sent', payload: { itemIds: ['i1'], closedShownAt: at(2) }, updatedAt: at(2) });
      const marked = await store.deliveries.get(d.id);
      expect(await mark(3)).toBeNull();
      expect(await store.deliveries.get(d.id)).toEqual(marked);
      expect((await ledger(store)).map((e) => e.type)).toEqual(['message.sent', 'message.updated']);
    });

    it('a mark key that is not a plain identifier is refused, changing nothing', async () => {
      const d = delivery('c1', 'U01', '1');
      await store.deliveries.claim(d);
      for (const key of ['a.b', '$gt', 'x"]', '']) {
        await expect(store.deliveries.update(d.id, { state: 'claimed', unmarked: key }, sentPatch(1), (c) => [sentEvent(c)])).rejects.toThrow(/plain identifier/);
      }
      expect(await store.deliveries.get(d.id)).toEqual(d);
      expect(await ledger(store)).toEqual([]);
    });

    it('an update whose events cannot be built leaves the delivery as it was and the ledger without an event', async () => {
      const d = delivery('c1', 'U01', '1');
      await store.deliveries.claim(d);
      await expect(
        store.deliveries.update(d.id, CLAIMED, sentPatch(1), () => {
          throw new Error('injected');
        }),
      ).rejects.toThrow('injected');
      expect(await store.deliveries.get(d.id)).toEqual(d);
      expect(await ledger(store)).toEqual([]);
      // Still claimed: the outcome can be recorded, with its event.
      expect(await store.deliveries.update(d.id, CLAIMED, sentPatch(2), (c) => [sentEvent(c)])).toMatchObject({ state: 'sent' });
      expect(await ledger(store)).toHaveLength(1);
    });

    it('an updateMany whose events cannot be built leaves every delivery as it was and the ledger without an event', async () => {
      const rows = ['a', 'b', 'c'].map((key, n) => delivery(`c${n}`, 'U01', key, { kind: 'reminder' }));
      for (const d of rows) await store.deliveries.claim(d);
      await expect(
        store.deliveries.updateMany(
          rows.map((d) => d.id),
          CLAIMED,
          { state: 'failed', attempts: 1, error: 'ratelimited', updatedAt: at(1) },
          () => {
            throw new Error('injected');
          },
        ),
      ).rejects.toThrow('injected');
      for (const d of rows) expect(await store.deliveries.get(d.id)).toEqual(d);
      expect(await ledger(store)).toEqual([]);
    });
  });
}
