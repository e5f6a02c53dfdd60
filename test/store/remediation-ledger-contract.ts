/**
 * The remediation store, for every adapter: opening is idempotent by id and records exactly the
 * remediations it inserted; every move is a compare-and-set on the state that records exactly
 * the moves that happened; a failure inside the transaction (the events function throwing, or
 * the ledger refusing an event) leaves neither the change nor any event. Also the reads that
 * opening and verification need: revoke decisions without a remediation, and a remediation's
 * grant looked up in a snapshot.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Campaign, Grant, LedgerEvent, LedgerEventInput, Remediation, ReviewItem } from '../../src/domain/index.js';
import { openedRemediation, UNVERIFIED_STATES } from '../../src/domain/index.js';
import type { RemediationMove, Store } from '../../src/store/ports.js';
import { at, batchesOf, campaign, decision, finish, grant, grants, item, snapshot, T0 } from './store-fixtures.js';
import { StoreLifecycle } from './store-lifecycle.js';

async function ledger(store: Store): Promise<LedgerEvent[]> {
  return (await batchesOf(store.ledger.read())).flat();
}

function throwing(): never {
  throw new Error('injected: events failed');
}

/** Events the ledger write itself refuses (canonical JSON rejects a non-finite number). */
function unwritable(): LedgerEventInput[] {
  return [{ type: 'test.ok', actor: 'test', subject: 'x', data: {} }, { type: 'test.bad', actor: 'test', subject: 'x', data: { n: Number.NaN } }];
}

const opened = (rs: readonly Remediation[]) => rs.map((r) => ({ type: 'remediation.opened', actor: 'test', subject: r.id, data: { state: r.state } }));
const moved = (m: RemediationMove) => [{ type: `remediation.${m.remediation.state}`, actor: 'test', subject: m.remediation.id, data: { from: m.from } }];
const movedMany = (ms: readonly RemediationMove[]) => ms.flatMap(moved);

export function remediationFor(i: ReviewItem, overrides: Partial<Remediation> = {}): Remediation {
  const opening = {
    itemId: i.id,
    campaignId: i.campaignId,
    grantId: i.grantId,
    systemId: i.systemId,
    accountId: i.accountId,
    role: i.role,
    scope: i.scope,
    reason: { kind: 'decision' as const, ref: i.id },
    requestedBy: 'mgr-1@example.li',
    openedAt: at(31),
    dueAt: at(60),
  };
  return { ...openedRemediation(opening), ...overrides };
}

export function remediationLedgerContract(name: string, open: () => Promise<Store>): void {
  describe(`remediation store ledger contract: ${name}`, () => {
    let store: Store;
    const lifecycle = new StoreLifecycle();
    let c: Campaign;
    let items: ReviewItem[];
    let rs: Remediation[];
    const gs: Grant[] = [grant('vault', 'alice', 'admin'), grant('vault', 'bob', 'operator'), grant('vault', 'carol', 'admin'), grant('wallet', 'dave', 'approver')];

    beforeEach(async () => {
      store = await lifecycle.open(open);
      c = (await store.campaigns.create(campaign('quarterly', '2026-Q1'))).campaign;
      items = gs.map((g) => item(c, g, 'mgr-1'));
      await store.campaigns.addItems(items, () => []);
      rs = items.map((i) => remediationFor(i));
    });

    afterEach(async () => {
      await lifecycle.close();
    });

    it('open hands the events function exactly the remediations it inserted; a repeat appends nothing', async () => {
      const seen: string[][] = [];
      const events = (inserted: readonly Remediation[]) => (seen.push(inserted.map((r) => r.id)), opened(inserted));
      expect(await store.remediations.open([rs[0]!, rs[1]!], events)).toBe(2);
      expect(await store.remediations.open([rs[0]!, rs[1]!], events)).toBe(0);
      expect(await store.remediations.open([rs[1]!, rs[2]!, rs[0]!], events)).toBe(1);
      expect(seen).toEqual([[rs[0]!.id, rs[1]!.id], [rs[2]!.id]]);
      expect((await ledger(store)).map((e) => e.subject)).toEqual([rs[0]!.id, rs[1]!.id, rs[2]!.id]);
      expect(await store.remediations.get(rs[2]!.id)).toEqual(rs[2]);
      expect(await store.remediations.get('rem:missing')).toBeNull();
    });

    it('concurrent opens of the same remediations: each is inserted, and recorded, once', async () => {
      const many = grants('vault', 200).map((g) => item(c, g, 'mgr-1'));
      await store.campaigns.addItems(many, () => []);
      const batch = many.map((i) => remediationFor(i));
      const counts = await Promise.all([0, 1, 2, 3].map(() => store.remediations.open(batch, opened)));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(200);
      expect((await ledger(store)).map((e) => e.subject).sort()).toEqual(batch.map((r) => r.id).sort());
    });

    it('open: a failure in the events or in the ledger write leaves no remediation and no event', async () => {
      await expect(store.remediations.open(rs, throwing)).rejects.toThrow(/injected/);
      await expect(store.remediations.open(rs, () => unwritable())).rejects.toThrow();
      expect(await store.remediations.list()).toEqual([]);
      expect(await ledger(store)).toEqual([]);
      expect(await store.remediations.open(rs, opened)).toBe(4);
    });

    it('transition is a compare-and-set on the state: the move and its events, or nothing', async () => {
      await store.remediations.open(rs, () => []);
      const r = rs[0]!;
      const patch = { claimedAt: at(40), claimedBy: 'owner@example.li', claimNote: 'removed in the console', updatedAt: at(40) };
      expect(await store.remediations.transition(r.id, ['requested'], 'claimed', patch, moved)).toBe(false);
      expect(await store.remediations.transition('rem:missing', ['open'], 'claimed', patch, moved)).toBe(false);
      await expect(store.remediations.transition(r.id, ['open'], 'claimed', patch, throwing)).rejects.toThrow(/injected/);
      await expect(store.remediations.transition(r.id, ['open'], 'claimed', patch, () => unwritable())).rejects.toThrow();
      expect(await store.remediations.get(r.id)).toEqual(r);
      expect(await ledger(store)).toEqual([]);

      const seen: RemediationMove[] = [];
      expect(await store.remediations.transition(r.id, ['open', 'requested'], 'claimed', patch, (m) => (seen.push(m), moved(m)))).toBe(true);
      expect(seen).toEqual([{ from: 'open', remediation: { ...r, ...patch, state: 'claimed' } }]);
      expect(await store.remediations.transition(r.id, ['open', 'requested'], 'claimed', patch, moved)).toBe(false);
      expect(await store.remediations.get(r.id)).toEqual({ ...r, ...patch, state: 'claimed' });
      expect((await ledger(store)).map((e) => [e.type, e.subject, e.data])).toEqual([['remediation.claimed', r.id, { from: 'open' }]]);
    });

    it('concurrent moves of one remediation: exactly one happens and is recorded', async () => {
      await store.remediations.open([rs[0]!], () => []);
      const results = await Promise.all(
        [0, 1, 2, 3].map((n) => store.remediations.transition(rs[0]!.id, ['open'], 'claimed', { claimedBy: `p${n}@example.li`, claimedAt: at(40 + n), updatedAt: at(40 + n) }, moved)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await ledger(store)).toHaveLength(1);
    });

    it('a remediation is marked overdue once: after a late claim it is not marked again', async () => {
      await store.remediations.open([rs[0]!], () => []);
      const overdue = { overdueAt: at(61), updatedAt: at(61) };
      expect(await store.remediations.transition(rs[0]!.id, ['open', 'claimed'], 'overdue', overdue, moved)).toBe(true);
      expect(await store.remediations.transition(rs[0]!.id, ['overdue'], 'claimed', { claimedBy: 'o@example.li', claimedAt: at(62), updatedAt: at(62) }, moved)).toBe(true);
      expect(await store.remediations.transition(rs[0]!.id, ['open', 'claimed'], 'overdue', { overdueAt: at(63), updatedAt: at(63) }, moved)).toBe(false);
      expect(await store.remediations.get(rs[0]!.id)).toMatchObject({ state: 'claimed', overdueAt: at(61), claimedAt: at(62) });
      expect((await ledger(store)).map((e) => e.type)).toEqual(['remediation.overdue', 'remediation.claimed']);
    });

    it('transitionMany moves exactly those in the states given, records those moves in id order, or nothing on a failure', async () => {
      await store.remediations.open(rs, () => []);
      await store.remediations.transition(rs[1]!.id, ['open'], 'claimed', { claimedBy: 'o@example.li', claimedAt: at(40), updatedAt: at(40) }, () => []);
      const verify = { verifiedAt: at(50), verifiedSnapshotId: 's2', verifiedSnapshotHash: 'h'.repeat(64), updatedAt: at(50) };
      const ids = [rs[2]!.id, rs[1]!.id, rs[0]!.id, 'rem:missing'];
      await expect(store.remediations.transitionMany(ids, ['open'], 'verified', verify, throwing)).rejects.toThrow(/injected/);
      await expect(store.remediations.transitionMany(ids, ['open'], 'verified', verify, () => unwritable())).rejects.toThrow();
      expect((await store.remediations.list({ state: 'verified' })).length).toBe(0);
      expect(await ledger(store)).toEqual([]);

      expect(await store.remediations.transitionMany(ids, ['open'], 'verified', verify, movedMany)).toBe(2);
      expect(await store.remediations.transitionMany(ids, ['open'], 'verified', verify, movedMany)).toBe(0);
      const expected = [rs[0]!.id, rs[2]!.id].sort();
      expect((await ledger(store)).map((e) => e.subject)).toEqual(expected);
      expect((await store.remediations.list({ state: 'verified' })).map((r) => r.id).sort()).toEqual(expected);
      expect(await store.remediations.get(rs[0]!.id)).toEqual({ ...rs[0]!, ...verify, state: 'verified' });
      expect(await store.remediations.get(rs[1]!.id)).toMatchObject({ state: 'claimed' });
    });

    it('list filters by state and system, ordered by due time then id', async () => {
      const due = [at(90), at(70), at(80), at(70)];
      await store.remediations.open(rs.map((r, n) => ({ ...r, dueAt: due[n]! })), () => []);
      await store.remediations.transition(rs[2]!.id, ['open'], 'requested', { requestedAt: at(35), updatedAt: at(35) }, () => []);
      const byDue = [...rs].map((r, n) => ({ id: r.id, due: due[n]! })).sort((a, b) => a.due.localeCompare(b.due) || a.id.localeCompare(b.id));
      expect((await store.remediations.list()).map((r) => r.id)).toEqual(byDue.map((x) => x.id));
      expect((await store.remediations.list({ systemId: 'wallet' })).map((r) => r.id)).toEqual([rs[3]!.id]);
      expect((await store.remediations.list({ state: 'requested' })).map((r) => r.id)).toEqual([rs[2]!.id]);
      expect(await store.remediations.list({ state: 'verified', systemId: 'vault' })).toEqual([]);
    });

    it('checkAgainst pages a system\'s remediations in the given states, each with whether the snapshot holds its grant', async () => {
      await store.remediations.open(rs, () => []);
      await store.remediations.transition(rs[1]!.id, ['open'], 'verified', { verifiedAt: at(40), updatedAt: at(40) }, () => []);
      await store.snapshots.create(snapshot('s-vault', 'vault', T0));
      await store.snapshots.appendGrants('s-vault', [gs[0]!, gs[1]!, ...grants('vault', 50)]);
      await store.snapshots.finish('s-vault', finish('complete'), () => []);
      const vault = [rs[0]!, rs[1]!, rs[2]!].sort((a, b) => a.id.localeCompare(b.id));

      const all = await store.remediations.checkAgainst('s-vault', 'vault', ['open', 'verified'], null, 10);
      expect(all).toEqual(vault.map((r) => ({ id: r.id, state: r.id === rs[1]!.id ? 'verified' : 'open', present: r.grantId !== gs[2]!.id })));
      const open = await store.remediations.checkAgainst('s-vault', 'vault', [...UNVERIFIED_STATES], null, 10);
      expect(open.map((x) => x.id)).toEqual([rs[0]!.id, rs[2]!.id].sort());
      expect(open.every((x) => x.state === 'open')).toBe(true);

      const first = await store.remediations.checkAgainst('s-vault', 'vault', ['open', 'verified'], null, 2);
      const rest = await store.remediations.checkAgainst('s-vault', 'vault', ['open', 'verified'], first[first.length - 1]!.id, 2);
      expect([...first, ...rest].map((x) => x.id)).toEqual(vault.map((r) => r.id));
      expect(await store.remediations.checkAgainst('s-vault', 'vault', [], null, 2)).toEqual([]);
    });

    it('revocationsWithout lists revoke decisions that have no remediation, by item id, in pages', async () => {
      const outcomes = ['revoke', 'approve', 'revoke', 'revoke'] as const;
      for (const [n, i] of items.entries()) await store.campaigns.decide(decision(i, outcomes[n]!), () => []);
      const revoked = items.filter((_, n) => outcomes[n] === 'revoke').map((i) => i.id).sort();

      const all = await store.remediations.revocationsWithout(null, 10);
      expect(all.next).toBeNull();
      expect(all.rows.map((r) => r.item.id)).toEqual(revoked);
      expect(all.rows.every((r) => r.decision.outcome === 'revoke' && r.item.state === 'revoked' && r.decision.itemId === r.item.id)).toBe(true);

      const pages: string[] = [];
      let after: string | null = null;
      do {
        const page: Awaited<ReturnType<Store['remediations']['revocationsWithout']>> = await store.remediations.revocationsWithout(after, 2);
        pages.push(...page.rows.map((r) => r.item.id));
        after = page.next;
      } while (after !== null);
      expect(pages).toEqual(revoked);

      await store.remediations.open([remediationFor(items.find((i) => i.id === revoked[1])!)], () => []);
      expect((await store.remediations.revocationsWithout(null, 10)).rows.map((r) => r.item.id)).toEqual([revoked[0], revoked[2]]);
    });

    it('pastDue lists unverified remediations due by then and not marked overdue yet, by due time', async () => {
      const due = [at(50), at(70), at(40), at(45)];
      await store.remediations.open(rs.map((r, n) => ({ ...r, dueAt: due[n]! })), () => []);
      await store.remediations.transition(rs[3]!.id, ['open'], 'verified', { verifiedAt: at(41), updatedAt: at(41) }, () => []);
      await store.remediations.transition(rs[0]!.id, ['open'], 'claimed', { claimedAt: at(41), claimedBy: 'o@example.li', updatedAt: at(41) }, () => []);
      expect((await store.remediations.pastDue(at(60), 10)).map((r) => r.id)).toEqual([rs[2]!.id, rs[0]!.id]);
      expect((await store.remediations.pastDue(at(60), 1)).map((r) => r.id)).toEqual([rs[2]!.id]);
      await store.remediations.transition(rs[2]!.id, ['open'], 'overdue', { overdueAt: at(60), updatedAt: at(60) }, () => []);
      expect((await store.remediations.pastDue(at(60), 10)).map((r) => r.id)).toEqual([rs[0]!.id]);
      // Claimed after it was marked overdue: it is not due to be marked again.
      await store.remediations.transition(rs[2]!.id, ['overdue'], 'claimed', { claimedAt: at(61), claimedBy: 'o@example.li', updatedAt: at(61) }, () => []);
      expect((await store.remediations.pastDue(at(62), 10)).map((r) => r.id)).toEqual([rs[0]!.id]);
    });

    it('all reads every remediation as stored, in id order, in batches of the size asked', async () => {
      await store.remediations.open(rs, () => []);
      await store.remediations.transition(rs[1]!.id, ['open'], 'claimed', { claimedAt: at(41), claimedBy: 'o@example.li', updatedAt: at(41) }, () => []);
      const batches = await batchesOf(store.remediations.all(3));
      expect(batches.map((b) => b.length)).toEqual([3, 1]);
      const byId = [...rs].sort((a, b) => (a.id < b.id ? -1 : 1));
      expect(batches.flat()).toEqual(byId.map((r) => (r.id === rs[1]!.id ? { ...r, state: 'claimed', claimedAt: at(41), claimedBy: 'o@example.li', updatedAt: at(41) } : r)));
      expect(await batchesOf(store.remediations.all(4))).toHaveLength(1);
      await expect(batchesOf(store.remediations.all(0))).rejects.toThrow(/batch size/);
    });
  });
}
