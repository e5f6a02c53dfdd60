/**
 * SQLite saveEvaluation with more events than one appender chunk: the events are chained a
 * chunk at a time, yet the whole evaluation (findings and every event) is one commit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyRun } from '../../src/domain/index.js';
import type { Finding, LedgerEventInput } from '../../src/domain/index.js';
import type { FindingChanges, Store } from '../../src/store/ports.js';
import { event, ledgerOf } from './ledger-fault.js';
import { sqliteWithLedgerFault } from './sqlite-ledger-fault.js';
import { at, evaluation, finding } from './store-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'iam-review-finding-events-'));
let files = 0;
const { open, fault } = sqliteWithLedgerFault(() => join(root, `case-${++files}`, 'iam-review.db'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** More findings than two chunks of events (EVENT_CHUNK = 2,000). */
const MANY = 5_000;
const many: Finding[] = Array.from({ length: MANY }, (_, i) => finding('dormant', 'vault', `g${String(i).padStart(5, '0')}`));

/** One event per opened finding, yielded lazily; throws before event `failAt` when given. */
function eventsOf(failAt?: number) {
  return function* ({ opened }: FindingChanges): Generator<LedgerEventInput> {
    for (let i = 0; i < opened.length; i++) {
      if (i === failAt) throw new Error('injected: events failed');
      yield event('finding.opened', opened[i]!.key);
    }
  };
}

describe('sqlite saveEvaluation with many findings', () => {
  let store: Store;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('appends every event in order as one unbroken chain', async () => {
    expect(await store.findings.saveEvaluation(evaluation('e1', at(0), ['vault']), many, eventsOf())).toEqual({ opened: MANY, refreshed: 0, resolved: 0 });
    const ledger = await ledgerOf(store);
    expect(ledger.map((e) => e.subject)).toEqual(many.map((f) => f.key));
    expect(ledger.map((e) => e.seq)).toEqual(many.map((_, i) => i + 1));
    expect(verifyRun(ledger, null)).toMatchObject({ break: null, count: MANY });
  });

  it('events failing after two chunks were chained: nothing of the evaluation is stored', async () => {
    await expect(store.findings.saveEvaluation(evaluation('e1', at(0), ['vault']), many, eventsOf(4_500))).rejects.toThrow('injected');
    expect(await ledgerOf(store)).toEqual([]);
    expect(await store.findings.open()).toEqual([]);
    expect(await store.findings.latestEvaluation()).toBeNull();
  });

  it('the ledger insert failing in the third chunk: nothing of the evaluation is stored', async () => {
    await fault(store, 4_001);
    await expect(store.findings.saveEvaluation(evaluation('e1', at(0), ['vault']), many, eventsOf())).rejects.toThrow('injected');
    expect(await ledgerOf(store)).toEqual([]);
    expect(await store.findings.open()).toEqual([]);
    expect(await store.findings.latestEvaluation()).toBeNull();
  });
});

describe('sqlite saveEvaluation with findings sharing one evidence object (a SoD conflict\'s grants)', () => {
  let store: Store;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('stores each finding with its own evidence, opened and refreshed, shared or not, next to each other or not', async () => {
    const evidenceOf = async () => new Map((await store.findings.open()).map((f) => [f.grantId, f.evidence]));
    const conflict = { rule: 'SOD-1', conflictingGrants: [{ grantId: 'g1' }, { grantId: 'g2' }, { grantId: 'g4' }] };
    const other = { rule: 'SOD-2', conflictingGrants: [{ grantId: 'g3' }] };
    const raised = (evidence: Record<string, unknown>[]) => ['g1', 'g2', 'g3', 'g4'].map((g, i) => finding('sod-conflict', 'vault', g, { evidence: evidence[i]! }));
    await store.findings.saveEvaluation(evaluation('e1', at(0), ['vault']), raised([conflict, conflict, other, conflict]), () => []);
    expect(await evidenceOf()).toEqual(new Map([['g1', conflict], ['g2', conflict], ['g3', other], ['g4', conflict]]));
    const changed = { ...conflict, rule: 'SOD-1b' };
    expect(await store.findings.saveEvaluation(evaluation('e2', at(1), ['vault']), raised([changed, other, other, changed]), () => [])).toMatchObject({ refreshed: 4 });
    expect(await evidenceOf()).toEqual(new Map([['g1', changed], ['g2', other], ['g3', other], ['g4', changed]]));
  });
});
