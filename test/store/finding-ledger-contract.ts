/**
 * FindingStore and the ledger: saveEvaluation appends the events of exactly the findings the
 * call opened and resolved, in the transaction that opens and resolves them, or neither.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.js';
import { reconcileLedger } from '../../src/audit/reconcile-ledger.js';
import type { Finding } from '../../src/domain/index.js';
import { findingLedgerEvents } from '../../src/policies/finding-ledger-events.js';
import type { FindingChanges, Store } from '../../src/store/ports.js';
import type { LedgerFault, OpenStore } from './ledger-fault.js';
import { event, failingEvents, ledgerLines, ledgerOf } from './ledger-fault.js';
import { at, evaluation, finding } from './store-fixtures.js';
import { StoreLifecycle } from './store-lifecycle.js';

/** One finding.opened / finding.resolved per finding the call reports, subject = its key. */
function perFinding(calls: FindingChanges[]) {
  return (changes: FindingChanges) => {
    calls.push(changes);
    return [...changes.opened.map((f) => event('finding.opened', f.key)), ...changes.resolved.map((f) => event('finding.resolved', f.key))];
  };
}

const keys = (list: readonly Finding[]) => list.map((f) => f.key).sort();

export function findingLedgerContract(name: string, open: OpenStore, fault?: LedgerFault): void {
  describe(`${name}: findings and the ledger`, () => {
    let store: Store;
    const lifecycle = new StoreLifecycle();
    let calls: FindingChanges[];
    beforeEach(async () => {
      store = await lifecycle.open(open);
      calls = [];
    });
    afterEach(async () => {
      await lifecycle.close();
    });

    const f1 = finding('dormant', 'vault', 'g1');
    const f2 = finding('not-allowed', 'vault', 'g2', { severity: 'high' });
    const f3 = finding('dormant', 'wallet', 'g3');

    it('events get exactly the findings opened and resolved; refreshed ones are no change', async () => {
      await store.findings.saveEvaluation(evaluation('e1', at(0), ['vault', 'wallet']), [f1, f2, f3], perFinding(calls));
      expect(calls).toHaveLength(1);
      expect(keys(calls[0]!.opened)).toEqual(keys([f1, f2, f3]));
      expect(calls[0]!.resolved).toEqual([]);

      // The same findings again: all refreshed, nothing opened or resolved, events not asked for.
      expect(await store.findings.saveEvaluation(evaluation('e2', at(10), ['vault', 'wallet']), [f1, f2, f3], perFinding(calls))).toEqual({ opened: 0, refreshed: 3, resolved: 0 });
      expect(calls).toHaveLength(1);

      // f2 not raised again: resolved, as stored, with its resolution time.
      const f4 = finding('dormant', 'vault', 'g4');
      await store.findings.saveEvaluation(evaluation('e3', at(20), ['vault']), [f1, f4], perFinding(calls));
      expect(calls).toHaveLength(2);
      expect(calls[1]!.opened).toEqual([f4]);
      expect(calls[1]!.resolved).toEqual([{ ...f2, evaluationId: 'e2', firstSeenAt: at(0), lastSeenAt: at(10), resolvedAt: at(20) }]);

      const lines = await ledgerLines(store);
      expect(lines.slice(0, 3).sort()).toEqual([f1, f2, f3].map((f) => `finding.opened ${f.key}`).sort());
      expect(lines.slice(3)).toEqual([`finding.opened ${f4.key}`, `finding.resolved ${f2.key}`]);
    });

    it('two evaluations raising the same new finding at once open and ledger it once', async () => {
      const results = await Promise.all([
        store.findings.saveEvaluation(evaluation('e1', at(0), ['vault']), [f1], perFinding(calls)),
        store.findings.saveEvaluation(evaluation('e2', at(0), ['vault']), [f1], perFinding(calls)),
      ]);
      expect(results.map((r) => r.opened).sort()).toEqual([0, 1]);
      expect(calls.map((c) => c.opened.map((f) => f.key))).toEqual([[f1.key]]);
      expect(await ledgerLines(store)).toEqual([`finding.opened ${f1.key}`]);
      expect(await store.findings.history(f1.key)).toHaveLength(1);
    });

    it('when the events fail, nothing is opened, refreshed, resolved or recorded, and the ledger is unchanged', async () => {
      await store.findings.saveEvaluation(evaluation('e1', at(0), ['vault']), [f1, f2], perFinding(calls));
      const before = await store.findings.open();
      const ledger = await ledgerOf(store);

      // Opens f3's twin in vault, refreshes f1, resolves f2: all or nothing.
      const f5 = finding('dormant', 'vault', 'g5');
      await expect(store.findings.saveEvaluation(evaluation('e2', at(10), ['vault']), [f1, f5], failingEvents)).rejects.toThrow('injected');
      expect(await store.findings.open()).toEqual(before);
      expect(await store.findings.history(f5.key)).toEqual([]);
      expect((await store.findings.latestEvaluation())?.id).toBe('e1');
      expect(await ledgerOf(store)).toEqual(ledger);
    });

    it('an evaluation of more findings than one MongoDB transaction holds ledgers what audit verify agrees with', async () => {
      // 4,100 findings: three raising transactions on MongoDB (FINDING_CHUNK 2,000), one on SQLite;
      // then all resolved at once: three resolving transactions on MongoDB.
      const many = Array.from({ length: 4_100 }, (_, i) => finding('dormant', 'vault', `g${i}`, { severity: i % 1000 === 0 ? 'high' : 'medium' }));
      const audit = new AuditLog(store.ledger, () => new Date(at(0)));
      const save = (e: ReturnType<typeof evaluation>, list: Finding[]) => store.findings.saveEvaluation(e, list, (changed) => findingLedgerEvents(audit, 'test', e.id, changed));
      expect(await save(evaluation('e1', at(0), ['vault']), many)).toEqual({ opened: 4_100, refreshed: 0, resolved: 0 });
      expect(await save(evaluation('e2', at(10), ['vault']), [])).toEqual({ opened: 0, refreshed: 0, resolved: 4_100 });
      const report = await reconcileLedger(store);
      expect(report.differences).toEqual([]);
      expect(report.ok).toBe(true);
    });

    describe.skipIf(!fault)('with the ledger insert failing', () => {
      it('a failure at the second event of an evaluation leaves the findings as they were and no event of it', async () => {
        await store.findings.saveEvaluation(evaluation('e1', at(0), ['vault']), [f1], perFinding(calls));
        const before = await store.findings.open();
        await fault!(store, 3);
        await expect(store.findings.saveEvaluation(evaluation('e2', at(10), ['vault']), [f2, f3], perFinding(calls))).rejects.toThrow('injected');
        expect(await store.findings.open()).toEqual(before);
        expect(await store.findings.history(f2.key)).toEqual([]);
        expect(await ledgerLines(store)).toEqual([`finding.opened ${f1.key}`]);
      });
    });
  });
}
