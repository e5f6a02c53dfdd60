/**
 * The count methods, for every adapter: snapshots by system and status, open findings by type
 * and severity, items by state (of one campaign, or of the campaigns in a state) and
 * remediations by state. Each answers one row per combination that has rows, counted by the
 * store; /metrics and closings read them instead of loading the rows.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/ports.js';
import { remediationFor } from './remediation-ledger-contract.js';
import { at, campaign, decision, evaluation, finding, finish, grants, item, snapshot, T0 } from './store-fixtures.js';
import { StoreLifecycle } from './store-lifecycle.js';

const NONE = () => [];

/** Rows in a fixed order, so the comparison does not depend on the adapter's. */
function sorted<T extends Record<string, unknown>>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

export function countContract(name: string, open: () => Promise<Store>): void {
  describe(`store counts: ${name}`, () => {
    let store: Store;
    const lifecycle = new StoreLifecycle();

    beforeEach(async () => {
      store = await lifecycle.open(open);
    });

    afterEach(async () => {
      await lifecycle.close();
    });

    it('an empty store counts nothing', async () => {
      expect(await store.snapshots.countByStatus()).toEqual([]);
      expect(await store.findings.countOpen()).toEqual([]);
      expect(await store.campaigns.countItemsByState({ campaignState: 'open' })).toEqual([]);
      expect(await store.campaigns.countItemsByState({ campaignId: 'none:2026-Q1' })).toEqual([]);
      expect(await store.remediations.countByState()).toEqual([]);
    });

    it('snapshots by system and status', async () => {
      const finished = async (id: string, systemId: string, status: 'complete' | 'failed' | 'quarantined' | null) => {
        await store.snapshots.create(snapshot(id, systemId, at(Number(id.slice(1)))));
        if (status) expect(await store.snapshots.finish(id, finish(status), NONE)).toBe(true);
      };
      await finished('s1', 'vault', 'complete');
      await finished('s2', 'vault', 'complete');
      await finished('s3', 'vault', 'failed');
      await finished('s4', 'vault', 'quarantined');
      await finished('s5', 'wallet', 'failed');
      await finished('s6', 'wallet', null);
      expect(sorted(await store.snapshots.countByStatus())).toEqual(
        sorted([
          { systemId: 'vault', status: 'complete', count: 2 },
          { systemId: 'vault', status: 'failed', count: 1 },
          { systemId: 'vault', status: 'quarantined', count: 1 },
          { systemId: 'wallet', status: 'failed', count: 1 },
          { systemId: 'wallet', status: 'running', count: 1 },
        ]),
      );
    });

    it('open findings by type and severity; resolved ones are not counted', async () => {
      const [a, b, c, d] = grants('vault', 4).map((g) => g.id);
      const raised = [finding('dormant', 'vault', a!), finding('dormant', 'vault', b!), finding('dormant', 'vault', c!, { severity: 'high' }), finding('not-allowed', 'vault', d!, { severity: 'high' })];
      await store.findings.saveEvaluation(evaluation('e1', T0, ['vault']), raised, NONE);
      // The second evaluation resolves b's finding.
      await store.findings.saveEvaluation(evaluation('e2', at(10), ['vault']), raised.filter((f) => f.grantId !== b), NONE);
      expect(sorted(await store.findings.countOpen())).toEqual(
        sorted([
          { type: 'dormant', severity: 'medium', count: 1 },
          { type: 'dormant', severity: 'high', count: 1 },
          { type: 'not-allowed', severity: 'high', count: 1 },
        ]),
      );
    });

    it('items by state, of one campaign or of the campaigns in a state', async () => {
      const open = (await store.campaigns.create(campaign('quarterly', '2026-Q1'))).campaign;
      const other = (await store.campaigns.create(campaign('yearly', '2026'))).campaign;
      const closed = (await store.campaigns.create(campaign('quarterly', '2025-Q4'))).campaign;
      const gs = grants('vault', 5);
      const items = gs.map((g) => item(open, g, 'mgr-1'));
      await store.campaigns.addItems(items, NONE);
      await store.campaigns.addItems(gs.slice(0, 2).map((g) => item(other, g, 'mgr-1')), NONE);
      await store.campaigns.addItems(gs.slice(0, 3).map((g) => item(closed, g, 'mgr-1')), NONE);
      expect((await store.campaigns.decide(decision(items[0]!, 'approve'), NONE)).ok).toBe(true);
      expect((await store.campaigns.decide(decision(items[1]!, 'approve'), NONE)).ok).toBe(true);
      expect((await store.campaigns.decide(decision(items[2]!, 'revoke'), NONE)).ok).toBe(true);
      expect(await store.campaigns.expirePending(closed.id, at(40), NONE)).toBe(3);
      expect(await store.campaigns.transition(closed.id, 'open', 'closed', at(41), NONE)).toBe(true);

      expect(sorted(await store.campaigns.countItemsByState({ campaignId: open.id }))).toEqual(
        sorted([
          { state: 'approved', count: 2 },
          { state: 'revoked', count: 1 },
          { state: 'pending', count: 2 },
        ]),
      );
      expect(await store.campaigns.countItemsByState({ campaignId: closed.id })).toEqual([{ state: 'expired', count: 3 }]);
      expect(sorted(await store.campaigns.countItemsByState({ campaignState: 'open' }))).toEqual(
        sorted([
          { state: 'approved', count: 2 },
          { state: 'revoked', count: 1 },
          { state: 'pending', count: 4 },
        ]),
      );
      expect(await store.campaigns.countItemsByState({ campaignState: 'closed' })).toEqual([{ state: 'expired', count: 3 }]);
      expect(await store.campaigns.countItemsByState({ campaignState: 'opening' })).toEqual([]);
    });

    it('remediations by state', async () => {
      const c = (await store.campaigns.create(campaign('quarterly', '2026-Q1'))).campaign;
      const items = grants('vault', 3).map((g) => item(c, g, 'mgr-1'));
      await store.campaigns.addItems(items, NONE);
      for (const i of items) expect((await store.campaigns.decide(decision(i, 'revoke'), NONE)).ok).toBe(true);
      const rs = items.map((i) => remediationFor(i));
      expect(await store.remediations.open(rs, NONE)).toBe(3);
      expect(await store.remediations.transition(rs[0]!.id, ['open'], 'requested', { updatedAt: at(40), requestedAt: at(40) }, NONE)).toBe(true);
      expect(sorted(await store.remediations.countByState())).toEqual(sorted([{ state: 'open', count: 2 }, { state: 'requested', count: 1 }]));
    });
  });
}
