/**
 * Finding remediations in the remediation store, for every adapter: findingsWithout pages the
 * open findings of the asked types that name a grant and have no remediation of their raising,
 * naming the grant's unverified remediation; openForFindings inserts only what is new and
 * whose grant has no removal under way (one per grant, even within one call or across
 * concurrent calls), with exactly the events of what it inserted; attachItems lets a revoked
 * item join its grant's unverified finding remediation, once, with its events, or nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Campaign, Grant, LedgerEvent, Remediation, ReviewItem, StoredFinding } from '../../src/domain/index.js';
import { findingRef, remediationId } from '../../src/domain/index.js';
import type { AttachedItem, Store } from '../../src/store/ports.js';
import { remediationFor } from './remediation-ledger-contract.js';
import { at, batchesOf, campaign, decision, evaluation, finding, grant, item } from './store-fixtures.js';
import { StoreLifecycle } from './store-lifecycle.js';

async function ledger(store: Store): Promise<LedgerEvent[]> {
  return (await batchesOf(store.ledger.read())).flat();
}

const opened = (rs: readonly Remediation[]) => rs.map((r) => ({ type: 'remediation.opened', actor: 'test', subject: r.id, data: {} }));
const attachedEvents = (as: readonly AttachedItem[]) => as.map((a) => ({ type: 'remediation.item-attached', actor: 'test', subject: a.remediation.id, data: { itemId: a.attachment.itemId } }));

function findingRemediation(f: StoredFinding, overrides: Partial<Remediation> = {}): Remediation {
  const reason = { kind: 'finding' as const, ref: findingRef(f.key, f.firstSeenAt) };
  return {
    ...remediationFor({ id: 'x', campaignId: 'x', grantId: f.grantId!, systemId: f.systemId, accountId: f.accountId!, role: f.role!, scope: f.scope ?? '' } as ReviewItem),
    id: remediationId(reason),
    itemId: null,
    campaignId: null,
    reason,
    requestedBy: 'policy',
    ...overrides,
  };
}

export function findingRemediationsLedgerContract(name: string, open: () => Promise<Store>): void {
  describe(`finding remediations ledger contract: ${name}`, () => {
    let store: Store;
    const lifecycle = new StoreLifecycle();
    let c: Campaign;
    const gs: Grant[] = [grant('vault', 'alice', 'admin'), grant('vault', 'bob', 'operator'), grant('wallet', 'carol', 'approver')];
    let open3: StoredFinding[];

    beforeEach(async () => {
      store = await lifecycle.open(open);
      c = (await store.campaigns.create(campaign('quarterly', '2026-Q1'))).campaign;
      // Leaver findings on the three grants, a dormant one on the first (not asked for), and an identity finding (no grant).
      const raised = [
        ...gs.map((g) => finding('leaver-access', g.systemId, g.id, { accountId: g.accountId, role: g.role, scope: g.scope, identityId: `id-${g.accountId}` })),
        finding('dormant', 'vault', gs[0]!.id, { accountId: gs[0]!.accountId, role: gs[0]!.role, scope: gs[0]!.scope }),
        finding('leaver-access', 'vault', 'id-erin', { grantId: null }),
      ];
      await store.findings.saveEvaluation(evaluation('e1', at(1), ['vault', 'wallet']), raised, () => []);
      open3 = (await store.findings.open()).filter((f) => f.type === 'leaver-access' && f.grantId !== null).sort((a, b) => a.key.localeCompare(b.key));
      expect(open3).toHaveLength(3);
    });

    afterEach(async () => {
      await lifecycle.close();
    });

    it('findingsWithout: open findings of the types, with a grant, in key pages; none once opened; the covering remediation named', async () => {
      const first = await store.remediations.findingsWithout(['leaver-access'], null, 2);
      expect(first.rows.map((r) => [r.finding.key, r.coveredBy])).toEqual([[open3[0]!.key, null], [open3[1]!.key, null]]);
      expect(first.next).toBe(open3[1]!.key);
      const second = await store.remediations.findingsWithout(['leaver-access'], first.next, 2);
      expect(second.rows.map((r) => r.finding.key)).toEqual([open3[2]!.key]);
      expect(second.next).toBeNull();
      expect((await store.remediations.findingsWithout([], null, 10)).rows).toEqual([]);

      // A revoke's remediation of the first grant covers its finding; the second finding's own remediation removes it from the list.
      const covering = remediationFor(item(c, gs.find((g) => g.id === open3[0]!.grantId)!, 'mgr-1'));
      await store.campaigns.addItems([item(c, gs.find((g) => g.id === open3[0]!.grantId)!, 'mgr-1')], () => []);
      await store.remediations.open([covering], () => []);
      await store.remediations.openForFindings([findingRemediation(open3[1]!)], () => []);
      const after = await store.remediations.findingsWithout(['leaver-access'], null, 10);
      expect(after.rows.map((r) => [r.finding.key, r.coveredBy])).toEqual([[open3[0]!.key, covering.id], [open3[2]!.key, null]]);
      expect(after.rows[0]!.finding).toEqual(open3[0]);
    });

    it('openForFindings: inserts what is new and whose grant has no removal under way, with exactly those events; concurrent calls record each once', async () => {
      const rs = open3.map((f) => findingRemediation(f));
      // The same grant twice in one call (two findings of one grant): only the first.
      const twin = findingRemediation(open3[0]!, { id: 'rem:finding:twin', reason: { kind: 'finding', ref: 'twin' } });
      const seen: string[][] = [];
      const events = (inserted: readonly Remediation[]) => (seen.push(inserted.map((r) => r.id)), opened(inserted));
      expect(await store.remediations.openForFindings([rs[0]!, twin], events)).toBe(1);
      const counts = await Promise.all([0, 1, 2].map(() => store.remediations.openForFindings(rs, events)));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(2);
      expect(seen.flat().sort()).toEqual(rs.map((r) => r.id).sort());
      expect((await ledger(store)).map((e) => e.subject).sort()).toEqual(rs.map((r) => r.id).sort());
      expect(await store.remediations.get(rs[0]!.id)).toEqual(rs[0]);

      // Once verified, the grant is free again: a new raising opens a new removal.
      await store.remediations.transition(rs[0]!.id, ['open'], 'verified', { verifiedAt: at(50), verifiedSnapshotId: 's', verifiedSnapshotHash: 'h', updatedAt: at(50) }, () => []);
      expect(await store.remediations.openForFindings([{ ...rs[0]!, id: 'rem:finding:again', reason: { kind: 'finding', ref: 'again' } }], events)).toBe(1);
    });

    it('openForFindings: a failure in the events leaves no remediation and no event', async () => {
      await expect(store.remediations.openForFindings([findingRemediation(open3[0]!)], () => { throw new Error('injected'); })).rejects.toThrow(/injected/);
      expect(await store.remediations.list()).toEqual([]);
      expect(await ledger(store)).toEqual([]);
    });

    it('attachItems: a revoked item joins its grant\'s unverified finding remediation once, with its events; otherwise nothing', async () => {
      const r = findingRemediation(open3[0]!);
      await store.remediations.openForFindings([r], () => []);
      const g = gs.find((x) => x.id === open3[0]!.grantId)!;
      const other = gs.find((x) => x.id === open3[1]!.grantId)!;
      const [i, j] = [item(c, g, 'mgr-1'), item(c, other, 'mgr-1')];
      await store.campaigns.addItems([i, j], () => []);
      const attachment = { itemId: i.id, campaignId: c.id, grantId: g.id };
      await expect(store.remediations.attachItems([attachment], at(60), () => { throw new Error('injected'); })).rejects.toThrow(/injected/);
      expect(await store.remediations.get(r.id)).toEqual(r);
      expect(await ledger(store)).toEqual([]);

      const done = await store.remediations.attachItems([attachment, { itemId: j.id, campaignId: c.id, grantId: other.id }], at(60), attachedEvents);
      const joined = { ...r, itemId: i.id, campaignId: c.id, updatedAt: at(60) };
      expect(done).toEqual([{ attachment, remediation: joined }]);
      expect(await store.remediations.get(r.id)).toEqual(joined);
      expect((await ledger(store)).map((e) => [e.type, e.subject, e.data])).toEqual([['remediation.item-attached', r.id, { itemId: i.id }]]);
      // Again, or concurrently: nothing more.
      const again = await Promise.all([0, 1].map(() => store.remediations.attachItems([attachment], at(61), attachedEvents)));
      expect(again).toEqual([[], []]);
      expect(await ledger(store)).toHaveLength(1);
    });

    it('open: a revoke whose grant a finding removal is under way (opened after the caller tried attachItems) is not opened; other revokes are', async () => {
      await store.remediations.openForFindings([findingRemediation(open3[0]!)], () => []);
      const g = gs.find((x) => x.id === open3[0]!.grantId)!;
      const other = gs.find((x) => x.id === open3[1]!.grantId)!;
      const [i, j] = [item(c, g, 'mgr-1'), item(c, other, 'mgr-1')];
      await store.campaigns.addItems([i, j], () => []);
      for (const x of [i, j]) await store.campaigns.decide(decision(x, 'revoke'), () => []);
      expect(await store.remediations.open([remediationFor(i), remediationFor(j)], opened)).toBe(1);
      expect((await ledger(store)).map((e) => e.subject)).toEqual([remediationFor(j).id]);
      expect(await store.remediations.get(remediationFor(i).id)).toBeNull();
      // Still a revocation without a remediation: the next run attaches it to the finding's.
      expect((await store.remediations.revocationsWithout(null, 10)).rows.map((row) => row.item.id)).toEqual([i.id]);
    });
  });
}
