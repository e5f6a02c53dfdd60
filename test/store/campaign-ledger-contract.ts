/**
 * The campaign store's half of "a state change and its ledger events commit together or not
 * at all" (ports.ts, LedgerEvents), for every adapter: each change hands its events function
 * exactly what it changed, appends what that returns in the same transaction, and a failure
 * anywhere in that transaction (the events function throwing, or the ledger write itself
 * refusing an event) leaves neither the change nor any event.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Campaign, LedgerEvent, LedgerEventInput, ReviewItem } from '../../src/domain/index.js';
import { EXPIRE_BATCH } from '../../src/store/ports.js';
import type { Store } from '../../src/store/ports.js';
import { at, batchesOf, campaign, decision, finding, grant, grants, item } from './store-fixtures.js';
import { StoreLifecycle } from './store-lifecycle.js';

async function ledger(store: Store): Promise<LedgerEvent[]> {
  return (await batchesOf(store.ledger.read())).flat();
}

function assigned(items: readonly ReviewItem[]): LedgerEventInput[] {
  return items.map((i) => ({ type: 'item.assigned', actor: 'test', subject: i.id, data: { reviewerId: i.reviewerId } }));
}

/** An events function that throws: the failure happens inside the transaction, after the state writes. */
function throwing(): never {
  throw new Error('injected: events failed');
}

/** Events the ledger write itself refuses (canonical JSON rejects a non-finite number). */
function unwritable(subject = 'x'): LedgerEventInput[] {
  return [{ type: 'test.ok', actor: 'test', subject, data: {} }, { type: 'test.bad', actor: 'test', subject, data: { n: Number.NaN } }];
}

export function campaignLedgerContract(name: string, open: () => Promise<Store>): void {
  describe(`campaign store ledger contract: ${name}`, () => {
    let store: Store;
    const lifecycle = new StoreLifecycle();
    let c: Campaign;
    const [g1, g2, g3] = [grant('vault', 'alice', 'admin'), grant('vault', 'bob', 'operator'), grant('wallet', 'carol', 'approver')];

    beforeEach(async () => {
      store = await lifecycle.open(open);
      c = (await store.campaigns.create(campaign('quarterly', '2026-Q1'))).campaign;
    });

    afterEach(async () => {
      await lifecycle.close();
    });

    it('addItems hands the events function exactly the items it inserted; a repeat appends nothing', async () => {
      const seen: string[][] = [];
      const events = (inserted: readonly ReviewItem[]) => (seen.push(inserted.map((i) => i.id)), assigned(inserted));
      const [i1, i2, i3] = [item(c, g1, 'mgr-1'), item(c, g2, 'mgr-2'), item(c, g3, 'mgr-1')];
      expect(await store.campaigns.addItems([i1, i2], events)).toBe(2);
      expect(await store.campaigns.addItems([i1, i2], events)).toBe(0);
      expect(await store.campaigns.addItems([i2, i3, i1], events)).toBe(1);
      expect(seen).toEqual([[i1.id, i2.id], [i3.id]]);
      expect((await ledger(store)).map((e) => e.subject)).toEqual([i1.id, i2.id, i3.id]);
    });

    it('addItems of hundreds of items, some already there: it inserts and records exactly the missing ones, each as given', async () => {
      // Varied rows (findings, detail, activity, no identity) so that a column shifted between
      // items of one multi-row statement would read back wrong.
      const items = grants('vault', 250).map((g, n) =>
        item(c, g, `mgr-${n % 7}`, {
          findings: n % 3 === 0 ? [finding('dormant', 'vault', `acct-${n}`)] : [],
          lastActivityAt: n % 2 === 0 ? at(n % 50) : null,
          identityId: n % 5 === 0 ? null : `id-${n}`,
          ...(n % 4 === 0 ? { detail: { via: [`group-${n}`] } } : {}),
        }),
      );
      // Items 70-209 first: more than one multi-row statement's worth, all new. Then all 250: the
      // first 64 are new, the next ones partly there.
      const some = items.slice(70, 210);
      expect(await store.campaigns.addItems(some, assigned)).toBe(some.length);
      const seen: string[][] = [];
      const events = (inserted: readonly ReviewItem[]) => (seen.push(inserted.map((i) => i.id)), assigned(inserted));
      const missing = items.filter((i) => !some.includes(i));
      expect(await store.campaigns.addItems(items, events)).toBe(missing.length);
      expect(seen).toEqual([missing.map((i) => i.id)]);
      expect((await ledger(store)).map((e) => e.subject)).toEqual([...some, ...missing].map((i) => i.id));
      for (const i of items) expect(await store.campaigns.item(i.id)).toEqual(i);
      expect(await store.campaigns.addItems(items, events)).toBe(0);
      expect(seen).toHaveLength(1);

      // An item given twice in one call is inserted, and recorded, once (as it was first given).
      const more = grants('vault', 100, 250).map((g) => item(c, g, 'mgr-1'));
      const twice = [...more.slice(0, 50), { ...more[10]!, reviewerId: 'mgr-2' }, ...more.slice(50)];
      expect(await store.campaigns.addItems(twice, events)).toBe(100);
      expect(seen[1]).toEqual(more.map((i) => i.id));
      expect(await store.campaigns.item(more[10]!.id)).toEqual(more[10]);
    });

    it('concurrent addItems of the same items: each item is inserted, and recorded, once', async () => {
      const items = grants('vault', 300).map((g) => item(c, g, 'mgr-1'));
      const counts = await Promise.all([0, 1, 2, 3].map(() => store.campaigns.addItems(items, assigned)));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(300);
      const subjects = (await ledger(store)).map((e) => e.subject).sort();
      expect(subjects).toEqual(items.map((i) => i.id).sort());
    });

    it('addItems: a failure in the events or in the ledger write leaves no item and no event', async () => {
      const items = [item(c, g1, 'mgr-1'), item(c, g2, 'mgr-2')];
      await expect(store.campaigns.addItems(items, throwing)).rejects.toThrow(/injected/);
      await expect(store.campaigns.addItems(items, () => unwritable())).rejects.toThrow();
      expect(await store.campaigns.countItems(c.id)).toBe(0);
      expect(await ledger(store)).toEqual([]);
      // Nothing was half-written: the same items insert, with their events, afterwards.
      expect(await store.campaigns.addItems(items, assigned)).toBe(2);
      expect(await ledger(store)).toHaveLength(2);
    });

    it('transition hands over the campaign as transitioned; no transition, no events; a failure undoes the transition', async () => {
      const seen: Campaign[] = [];
      const closed = (x: Campaign) => (seen.push(x), [{ type: 'campaign.closed', actor: 'test', subject: x.id, data: { state: x.state } }]);
      await expect(store.campaigns.transition(c.id, 'open', 'closed', at(2), throwing)).rejects.toThrow(/injected/);
      await expect(store.campaigns.transition(c.id, 'open', 'closed', at(2), () => unwritable(c.id))).rejects.toThrow();
      expect(await store.campaigns.get(c.id)).toMatchObject({ state: 'open', closedAt: null });
      expect(await ledger(store)).toEqual([]);

      expect(await store.campaigns.transition(c.id, 'open', 'closed', at(3), closed)).toBe(true);
      expect(await store.campaigns.transition(c.id, 'open', 'closed', at(4), closed)).toBe(false);
      expect(seen).toEqual([{ ...c, state: 'closed', closedAt: at(3) }]);
      expect((await ledger(store)).map((e) => [e.type, e.subject, e.data])).toEqual([['campaign.closed', c.id, { state: 'closed' }]]);
    });

    it('decide: the events of the one decision that took effect, once, whatever the number of concurrent deciders', async () => {
      const i = item(c, g1, 'mgr-1');
      await store.campaigns.addItems([i], () => []);
      const attempts = (['approve', 'revoke', 'approve', 'revoke'] as const).map((outcome, n) => decision(i, outcome, { decidedAt: at(30 + n) }));
      const results = await Promise.all(
        attempts.map((d) => store.campaigns.decide(d, ({ item: decided, decision: stored }) => [{ type: 'decision.recorded', actor: 'test', subject: decided.id, data: { outcome: stored.outcome, state: decided.state } }])),
      );
      const winner = results.find((r) => r.ok)!;
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const events = await ledger(store);
      expect(events.map((e) => [e.subject, e.data])).toEqual([[i.id, { outcome: winner.decision!.outcome, state: winner.item!.state }]]);
    });

    it('decide: a failure in the events or the ledger write leaves the item pending and no decision', async () => {
      const i = item(c, g1, 'mgr-1');
      await store.campaigns.addItems([i], () => []);
      await expect(store.campaigns.decide(decision(i, 'revoke'), throwing)).rejects.toThrow(/injected/);
      await expect(store.campaigns.decide(decision(i, 'revoke'), () => unwritable(i.id))).rejects.toThrow();
      expect(await store.campaigns.item(i.id)).toMatchObject({ state: 'pending', decisionId: null });
      expect(await store.campaigns.decision(i.id)).toBeNull();
      expect(await ledger(store)).toEqual([]);
      expect((await store.campaigns.decide(decision(i, 'approve'), () => [])).ok).toBe(true);
    });

    it('decide with a stage advance: the item stays pending at the next stage with its reviewer, the decision is a stage decision; concurrent deciders at the stage record one', async () => {
      const i = item(c, g1, 'mgr-1');
      await store.campaigns.addItems([i], () => []);
      const advance = { stage: 2, reviewerId: 'owner-1', reviewerSource: 'systemOwner', dueAt: at(40) };
      const passedOn = (outcome: 'approve' | 'revoke', n: number) => decision(i, outcome, { id: `${i.id}#1`, decidedAt: at(31 + n) });
      const results = await Promise.all(
        (['revoke', 'approve', 'revoke'] as const).map((o, n) =>
          store.campaigns.decide(passedOn(o, n), ({ item: moved, decision: stored }) => [{ type: 'decision.recorded', actor: 'test', subject: moved.id, data: { outcome: stored.outcome, state: moved.state, stage: moved.stage ?? 1 } }], advance),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const winner = results.find((r) => r.ok)!;
      expect(winner.item).toMatchObject({ state: 'pending', stage: 2, stageDueAt: at(40), reviewerId: 'owner-1', reviewerSource: 'systemOwner', decisionId: null });
      // The losers are told about the winner's stage decision.
      for (const r of results.filter((x) => !x.ok)) expect(r.decision).toEqual(winner.decision);
      expect(await store.campaigns.item(i.id)).toEqual(winner.item);
      expect(await store.campaigns.decision(i.id)).toBeNull();
      expect(await store.campaigns.stageDecisions(i.id)).toEqual([winner.decision]);
      expect((await ledger(store)).map((e) => e.data)).toEqual([{ outcome: winner.decision!.outcome, state: 'pending', stage: 2 }]);

      // A decision at stage 1 again is refused with that stage decision; one at stage 2 settles the item.
      const late = await store.campaigns.decide(decision(i, 'approve', { decidedAt: at(45) }), () => []);
      expect(late).toMatchObject({ ok: false, decision: winner.decision });
      const settled = await store.campaigns.decide(decision(i, 'approve', { reviewerId: 'owner-1', stage: 2, decidedAt: at(46) }), () => []);
      expect(settled.ok).toBe(true);
      expect(settled.item).toMatchObject({ state: 'approved', stage: 2, decisionId: i.id });
      expect(await store.campaigns.decision(i.id)).toMatchObject({ id: i.id, stage: 2, reviewerId: 'owner-1' });
      const all: string[] = [];
      for await (const batch of store.campaigns.stageDecisionsOf(c.id, 1)) all.push(...batch.map((d) => d.id));
      expect(all).toEqual([`${i.id}#1`]);
    });

    it('stageDecisionsOf pages the stage decisions of a campaign in (item, stage) order; a failed advance leaves neither the move nor the decision', async () => {
      const items = [g1, g2, g3].map((g) => item(c, g, 'mgr-1'));
      await store.campaigns.addItems(items, () => []);
      const advance = (stage: number) => ({ stage, reviewerId: `owner-${stage}`, reviewerSource: 'systemOwner', dueAt: at(50) });
      await expect(store.campaigns.decide(decision(items[0]!, 'revoke', { id: `${items[0]!.id}#1` }), throwing, advance(2))).rejects.toThrow(/injected/);
      expect(await store.campaigns.item(items[0]!.id)).toEqual(items[0]);
      expect(await store.campaigns.stageDecisions(items[0]!.id)).toEqual([]);
      for (const i of items) await store.campaigns.decide(decision(i, 'revoke', { id: `${i.id}#1` }), () => [], advance(2));
      await store.campaigns.decide(decision(items[1]!, 'approve', { id: `${items[1]!.id}#2`, reviewerId: 'owner-2', stage: 2 }), () => [], advance(3));
      const pages: string[][] = [];
      for await (const batch of store.campaigns.stageDecisionsOf(c.id, 2)) pages.push(batch.map((d) => `${d.itemId}:${d.stage ?? 1}`));
      const expected = [...items.map((i) => `${i.id}:1`), `${items[1]!.id}:2`].sort();
      expect(pages.flat()).toEqual(expected);
      expect(pages.every((p) => p.length <= 2)).toBe(true);
      expect(await store.campaigns.item(items[1]!.id)).toMatchObject({ stage: 3, reviewerId: 'owner-3' });
    });

    it('pendingAtLaterStages pages the items pending at stage 2 or later, in id order: not those at stage 1, settled, or of another campaign', async () => {
      const other = (await store.campaigns.create(campaign('quarterly', '2026-Q2'))).campaign;
      const g4 = grant('wallet', 'dave', 'approver');
      const items = [g1, g2, g3, g4].map((g) => item(c, g, 'mgr-1'));
      const elsewhere = item(other, g1, 'mgr-1');
      await store.campaigns.addItems(items, () => []);
      await store.campaigns.addItems([elsewhere], () => []);
      const pages = async (campaignId: string, size?: number) => {
        const out: string[][] = [];
        for await (const batch of store.campaigns.pendingAtLaterStages(campaignId, size)) out.push(batch.map((i) => `${i.id}@${i.stage ?? 1}:${i.reviewerId}`));
        return out;
      };
      expect(await pages(c.id)).toEqual([]);
      const advance = (stage: number) => ({ stage, reviewerId: `owner-${stage}`, reviewerSource: 'systemOwner', dueAt: at(50) });
      // g1, g2, g3 (and g1 of the other campaign) pass on to stage 2; g2 on to 3; g3 is settled at 2; g4 stays at stage 1.
      for (const i of [...items.slice(0, 3), elsewhere]) await store.campaigns.decide(decision(i, 'revoke', { id: `${i.id}#1` }), () => [], advance(2));
      await store.campaigns.decide(decision(items[1]!, 'approve', { id: `${items[1]!.id}#2`, reviewerId: 'owner-2', stage: 2 }), () => [], advance(3));
      await store.campaigns.decide(decision(items[2]!, 'approve', { reviewerId: 'owner-2', stage: 2 }), () => []);
      const expected = [`${items[0]!.id}@2:owner-2`, `${items[1]!.id}@3:owner-3`].sort();
      expect((await pages(c.id)).flat()).toEqual(expected);
      expect(await pages(c.id, 1)).toEqual(expected.map((x) => [x]));
      expect(await pages(other.id)).toEqual([[`${elsewhere.id}@2:owner-2`]]);
      // The items are read whole, as item() reads them.
      const [first] = (await batchesOf(store.campaigns.pendingAtLaterStages(c.id))).flat();
      expect(first).toEqual(await store.campaigns.item(first!.id));
      // Expired at closing: none is pending any more.
      await store.campaigns.expirePending(c.id, at(60), () => []);
      expect(await pages(c.id)).toEqual([]);
    });

    it('decisionsOf is one reviewer\'s decisions in one campaign, settling and passing on, in (decidedAt, id) order', async () => {
      const other = (await store.campaigns.create(campaign('quarterly', '2026-Q2'))).campaign;
      const items = [g1, g2, g3].map((g) => item(c, g, 'mgr-1'));
      const elsewhere = item(other, g1, 'mgr-1');
      await store.campaigns.addItems([...items, elsewhere], () => []);
      const advance = { stage: 2, reviewerId: 'owner-2', reviewerSource: 'systemOwner', dueAt: at(50) };
      const passedOn = decision(items[0]!, 'revoke', { id: `${items[0]!.id}#1`, decidedAt: at(33) });
      const settled = decision(items[1]!, 'approve', { decidedAt: at(31), approveAll: true });
      const sameTime = decision(items[2]!, 'approve', { decidedAt: at(31) });
      await store.campaigns.decide(passedOn, () => [], advance);
      await store.campaigns.decide(settled, () => []);
      await store.campaigns.decide(sameTime, () => []);
      await store.campaigns.decide(decision(items[0]!, 'approve', { reviewerId: 'owner-2', stage: 2, decidedAt: at(32) }), () => []);
      await store.campaigns.decide(decision(elsewhere, 'approve', { decidedAt: at(30) }), () => []);
      const mine = await store.campaigns.decisionsOf(c.id, 'mgr-1');
      expect(mine).toEqual([settled, sameTime].sort((a, b) => (a.id < b.id ? -1 : 1)).concat([{ ...passedOn }]));
      expect((await store.campaigns.decisionsOf(c.id, 'owner-2')).map((d) => [d.id, d.stage])).toEqual([[items[0]!.id, 2]]);
      expect(await store.campaigns.decisionsOf(c.id, 'nobody')).toEqual([]);
    });

    it('reassign hands over the item as it was; a reassignment that did not happen, or failed, records nothing', async () => {
      const i = item(c, g1, 'mgr-1');
      await store.campaigns.addItems([i], () => []);
      const moved = (before: ReviewItem) => [{ type: 'item.reassigned', actor: 'test', subject: before.id, data: { from: before.reviewerId, to: 'mgr-9' } }];
      expect(await store.campaigns.reassign(i.id, 'someone-else', 'mgr-9', 'delegated', at(5), throwing)).toBe(false);
      await expect(store.campaigns.reassign(i.id, 'mgr-1', 'mgr-9', 'delegated', at(5), throwing)).rejects.toThrow(/injected/);
      expect(await store.campaigns.item(i.id)).toMatchObject({ reviewerId: 'mgr-1' });
      expect(await ledger(store)).toEqual([]);
      expect(await store.campaigns.reassign(i.id, 'mgr-1', 'mgr-9', 'delegated', at(6), moved)).toBe(true);
      expect((await ledger(store)).map((e) => e.data)).toEqual([{ from: 'mgr-1', to: 'mgr-9' }]);
    });

    it('expirePending hands over exactly the items it expired; a repeat, or a failure, records nothing more', async () => {
      const [a, b, d] = [item(c, g1, 'mgr-1'), item(c, g2, 'mgr-2'), item(c, g3, 'mgr-1')];
      await store.campaigns.addItems([a, b, d], () => []);
      await store.campaigns.decide(decision(a, 'approve'), () => []);
      const expired = (items: readonly ReviewItem[]) => items.map((x) => ({ type: 'item.expired', actor: 'test', subject: x.id, data: { state: x.state } }));
      await expect(store.campaigns.expirePending(c.id, at(50), throwing)).rejects.toThrow(/injected/);
      expect(await store.campaigns.items(c.id, { state: 'pending' })).toHaveLength(2);
      expect(await ledger(store)).toEqual([]);

      expect(await store.campaigns.expirePending(c.id, at(51), expired)).toBe(2);
      expect(await store.campaigns.expirePending(c.id, at(52), expired)).toBe(0);
      expect((await ledger(store)).map((e) => [e.subject, e.data])).toEqual([b, d].map((x) => [x.id, { state: 'pending' }]).sort());
    });

    it('expirePending pages a campaign bigger than EXPIRE_BATCH: a transaction per page, in id order; a failed page leaves the ones before it done', async () => {
      const size = 2 * EXPIRE_BATCH + 7;
      const items = grants('vault', size).map((g) => item(c, g, 'mgr-1'));
      for (let from = 0; from < size; from += EXPIRE_BATCH) await store.campaigns.addItems(items.slice(from, from + EXPIRE_BATCH), () => []);
      await store.campaigns.decide(decision(items[3]!, 'approve'), () => []);
      const pages: string[][] = [];
      const expired = (failing: number) => (page: readonly ReviewItem[]) => {
        pages.push(page.map((x) => x.id));
        if (pages.length === failing) throw new Error('injected: events failed');
        return page.map((x) => ({ type: 'item.expired', actor: 'test', subject: x.id, data: {} }));
      };
      await expect(store.campaigns.expirePending(c.id, at(50), expired(2))).rejects.toThrow(/injected/);
      expect(pages.map((p) => p.length)).toEqual([EXPIRE_BATCH, EXPIRE_BATCH]);
      expect(await store.campaigns.items(c.id, { state: 'expired' })).toHaveLength(EXPIRE_BATCH);
      expect(await ledger(store)).toHaveLength(EXPIRE_BATCH);

      pages.length = 0;
      expect(await store.campaigns.expirePending(c.id, at(51), expired(-1))).toBe(size - 1 - EXPIRE_BATCH);
      expect(pages.map((p) => p.length)).toEqual([EXPIRE_BATCH, size - 1 - 2 * EXPIRE_BATCH]);
      const all = pages.flat();
      expect(all).toEqual([...all].sort());
      const subjects = (await ledger(store)).map((e) => e.subject);
      expect(new Set(subjects).size).toBe(size - 1);
      expect(subjects).not.toContain(items[3]!.id);
      expect(await store.campaigns.items(c.id, { state: 'pending' })).toEqual([]);
    });
  });
}
