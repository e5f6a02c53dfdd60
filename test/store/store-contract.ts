/**
 * The store contract: what every adapter (SQLite, MongoDB) must do, phrased only through
 * the `Store` interface. Each adapter's test file calls `storeContract` with a function that
 * opens a fresh, empty store; the suite closes it after each test.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson, chainHash, eventBody, verifyRun } from '../../src/domain/index.js';
import type { Grant, LedgerEvent, LedgerEventInput, ReviewItem, StoredFinding } from '../../src/domain/index.js';
import type { SnapshotFinish, Store } from '../../src/store/ports.js';
import {
  at,
  batchesOf,
  campaign,
  change,
  currentSnapshot,
  decision,
  delivery,
  evaluation,
  finding,
  finish,
  grant,
  grants,
  identity,
  item,
  slackUser,
  snapshot,
  T0,
} from './store-fixtures.js';
import { StoreLifecycle } from './store-lifecycle.js';

/** Strings that a query-building adapter could mistake for operators or SQL. */
const GT_EMPTY = '{"$gt":""}';
const NE_NULL = '{"$ne":null}';
const SQL_QUOTE = "x'); DROP TABLE grants; --";

/** No ledger events: these cases are about the state; campaign-ledger-contract.ts covers the events. */
const NONE = () => [];

function byId<T extends { id: string }>(values: readonly T[]): T[] {
  return [...values].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function ids(values: readonly { id: string }[]): string[] {
  return values.map((v) => v.id);
}

function ledgerInput(n: number, overrides: Partial<LedgerEventInput> = {}): LedgerEventInput {
  return { type: 'test.event', actor: 'system', subject: `subject-${n}`, data: { n }, at: at(n), ...overrides };
}

async function readAll(store: Store, fromSeq?: number, toSeq?: number, batchSize?: number): Promise<LedgerEvent[]> {
  return (await batchesOf(store.ledger.read(fromSeq, toSeq, batchSize))).flat();
}

export function storeContract(name: string, open: () => Promise<Store>): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    const lifecycle = new StoreLifecycle();

    beforeEach(async () => {
      store = await lifecycle.open(open);
    });

    afterEach(async () => {
      await lifecycle.close();
    });

    describe('snapshots', () => {
      it('create is idempotent: a second create of the same id changes nothing', async () => {
        const s = snapshot('s1', 'vault', T0);
        await store.snapshots.create(s);
        await store.snapshots.create({ ...s, startedAt: at(5), problems: ['other'] });
        expect(await store.snapshots.get('s1')).toEqual(s);
        expect(await store.snapshots.get('missing')).toBeNull();
      });

      it('create refuses a snapshot that is not running', async () => {
        await expect(store.snapshots.create(snapshot('s1', 'vault', T0, { status: 'complete' }))).rejects.toThrow('snapshot s1 must be created running, not complete');
        expect(await store.snapshots.get('s1')).toBeNull();
      });

      it('appendGrants stores grants (same id: last wins); grants() reads them in id order in batches', async () => {
        const all = grants('vault', 23);
        await store.snapshots.create(snapshot('s1', 'vault', T0));
        await store.snapshots.appendGrants('s1', all.slice(0, 10));
        await store.snapshots.appendGrants('s1', all.slice(10));
        const changed = { ...all[3]!, accountStatus: 'disabled' as const, lastActivityAt: at(3) };
        await store.snapshots.appendGrants('s1', [changed]);

        const batches = await batchesOf(store.snapshots.grants('s1', 5));
        expect(batches.map((b) => b.length)).toEqual([5, 5, 5, 5, 3]);
        const read = batches.flat();
        expect(ids(read)).toEqual(ids(byId(all)));
        expect(read.find((g) => g.id === changed.id)).toEqual(changed);
        expect(read.find((g) => g.id === all[0]!.id)).toEqual(all[0]);
        expect(await store.snapshots.countGrants('s1')).toBe(23);
      });

      it("keeps a grant's detail as structured data, and leaves it absent on grants without one", async () => {
        const [plain, other] = grants('vault', 2);
        const detailed: Grant = { ...grant('vault', 'a-detail', 'kv-admin'), detail: { summary: 'can write secret/data/hot-wallet', paths: { 'secret/data/*': ['create', 'update'] }, $where: '{"$ne":null}', 'a.b': 1 } };
        await store.snapshots.create(snapshot('s1', 'vault', T0));
        await store.snapshots.appendGrants('s1', [plain!, detailed, other!]);
        const read = (await batchesOf(store.snapshots.grants('s1'))).flat();
        expect(read.find((g) => g.id === detailed.id)).toEqual(detailed);
        expect(read.find((g) => g.id === plain!.id)).not.toHaveProperty('detail');
      });

      it('grants() never yields an empty batch, and yields nothing for an unknown or empty snapshot', async () => {
        await store.snapshots.create(snapshot('s1', 'vault', T0));
        await store.snapshots.appendGrants('s1', grants('vault', 20));
        expect((await batchesOf(store.snapshots.grants('s1', 5))).map((b) => b.length)).toEqual([5, 5, 5, 5]);
        expect(await batchesOf(store.snapshots.grants('missing', 5))).toEqual([]);
        await store.snapshots.create(snapshot('s2', 'vault', at(1)));
        expect(await batchesOf(store.snapshots.grants('s2'))).toEqual([]);
        expect(await store.snapshots.countGrants('s2')).toBe(0);
      });

      it('appendGrants and appendIdentities refuse a missing or finished snapshot', async () => {
        await expect(store.snapshots.appendGrants('missing', grants('vault', 1))).rejects.toThrow('snapshot missing does not exist');
        await expect(store.snapshots.appendIdentities('missing', [identity('i1', 'a@firm.li', 'vault')])).rejects.toThrow('snapshot missing does not exist');
        await store.snapshots.create(snapshot('s1', 'vault', T0));
        await store.snapshots.finish('s1', finish('complete'), () => []);
        const finished = 'snapshot s1 is complete: only a running snapshot takes data';
        await expect(store.snapshots.appendGrants('s1', grants('vault', 1))).rejects.toThrow(finished);
        await expect(store.snapshots.appendIdentities('s1', [identity('i1', 'a@firm.li', 'vault')])).rejects.toThrow(finished);
        expect(await store.snapshots.countGrants('s1')).toBe(0);
      });

      it('stores values from outside literally, never as operators or SQL', async () => {
        const odd = grant('vault', GT_EMPTY, NE_NULL, {
          scope: SQL_QUOTE,
          identityRef: NE_NULL,
          accountDisplayName: GT_EMPTY,
          identityId: GT_EMPTY,
        });
        await store.snapshots.create(snapshot('s1', 'vault', T0, { problems: [GT_EMPTY] }));
        await store.snapshots.appendGrants('s1', [odd, ...grants('vault', 2)]);
        const read = (await batchesOf(store.snapshots.grants('s1'))).flat();
        expect(read).toHaveLength(3);
        expect(read.find((g) => g.id === odd.id)).toEqual(odd);
        expect((await store.snapshots.get('s1'))?.problems).toEqual([GT_EMPTY]);
      });

      it('appendIdentities stores identities (same id: last wins); identities() returns them ordered by id', async () => {
        const b = identity('b', 'b@firm.li', 'entra', { groups: ['g1', GT_EMPTY], aliases: ['B123', NE_NULL] });
        const a = identity('a', 'a@firm.li', 'entra', { contractEnd: '2026-06-30', employmentType: 'contractor' });
        await store.snapshots.create(snapshot('s1', 'entra', T0));
        await store.snapshots.appendIdentities('s1', [b, a]);
        const a2 = { ...a, status: 'terminated' as const };
        await store.snapshots.appendIdentities('s1', [a2]);
        expect(await store.snapshots.identities('s1')).toEqual([a2, b]);
        expect(await store.snapshots.identities('missing')).toEqual([]);
      });

      it('finish refuses an outcome a running snapshot cannot move to, and leaves the snapshot running', async () => {
        await store.snapshots.create(snapshot('s1', 'vault', T0));
        const running = { ...finish('complete'), status: 'running' } as unknown as SnapshotFinish;
        await expect(store.snapshots.finish('s1', running, () => [])).rejects.toThrow(
          'snapshot s1 cannot finish as running: a running snapshot finishes as complete, partial, failed, quarantined',
        );
        expect(await store.snapshots.get('s1')).toEqual(snapshot('s1', 'vault', T0));
      });

      it('finish keeps the running sum behind the content hash, outside the snapshot read back', async () => {
        const sum = `grant-set/v1 9 ${'0123abcd'.repeat(8)}`;
        await store.snapshots.create(snapshot('s1', 'vault', T0));
        await store.snapshots.create(snapshot('s2', 'vault', at(1)));
        expect(await store.snapshots.contentSum('s1')).toBeNull();
        expect(await store.snapshots.finish('s1', { ...finish('complete'), contentSum: sum }, () => [])).toBe(true);
        expect(await store.snapshots.finish('s2', finish('complete'), () => [])).toBe(true);
        expect(await store.snapshots.contentSum('s1')).toBe(sum);
        expect(await store.snapshots.contentSum('s2')).toBeNull();
        expect(await store.snapshots.contentSum('missing')).toBeNull();
        // A finish that changes nothing keeps the sum it has.
        expect(await store.snapshots.finish('s1', { ...finish('complete'), contentSum: null }, () => [])).toBe(false);
        expect(await store.snapshots.contentSum('s1')).toBe(sum);
        expect(Object.keys((await store.snapshots.get('s1'))!)).not.toContain('contentSum');
      });

      it('finish records the outcome of a running snapshot once; a second finish returns false', async () => {
        await store.snapshots.create(snapshot('s1', 'vault', T0));
        const outcome = finish('partial', {
          counts: { identities: 0, accounts: 4, grants: 9, added: 9, removed: 0, changed: 0 },
          problems: ['page 3 timed out'],
          previousSnapshotId: 's0',
        });
        expect(await store.snapshots.finish('s1', outcome, () => [])).toBe(true);
        expect(await store.snapshots.finish('s1', finish('complete'), () => [])).toBe(false);
        expect(await store.snapshots.finish('missing', finish('complete'), () => [])).toBe(false);
        expect(await store.snapshots.get('s1')).toEqual({
          ...snapshot('s1', 'vault', T0),
          status: 'partial',
          finishedAt: outcome.finishedAt,
          durationMs: outcome.durationMs,
          counts: outcome.counts,
          problems: outcome.problems,
          contentHash: outcome.contentHash,
          previousSnapshotId: 's0',
        });
      });

      it('list returns snapshots newest first, filtered by system, status and limit', async () => {
        await store.snapshots.create(snapshot('v1', 'vault', at(0)));
        await store.snapshots.create(snapshot('w1', 'wallet', at(1)));
        await store.snapshots.create(snapshot('v2', 'vault', at(2)));
        await store.snapshots.create(snapshot('v3', 'vault', at(3)));
        await store.snapshots.finish('v2', finish('failed'), () => []);
        expect(ids(await store.snapshots.list())).toEqual(['v3', 'v2', 'w1', 'v1']);
        expect(ids(await store.snapshots.list({ systemId: 'vault' }))).toEqual(['v3', 'v2', 'v1']);
        expect(ids(await store.snapshots.list({ systemId: 'vault', status: 'running' }))).toEqual(['v3', 'v1']);
        expect(ids(await store.snapshots.list({ status: 'failed' }))).toEqual(['v2']);
        expect(ids(await store.snapshots.list({ limit: 2 }))).toEqual(['v3', 'v2']);
      });

      it('promote makes a complete snapshot current; current and currentAll read it', async () => {
        expect(await store.snapshots.current('vault')).toBeNull();
        expect((await store.snapshots.currentAll()).size).toBe(0);
        await currentSnapshot(store, snapshot('v1', 'vault', at(0)));
        await currentSnapshot(store, snapshot('w1', 'wallet', at(1)));
        await currentSnapshot(store, snapshot('v2', 'vault', at(2)));
        expect((await store.snapshots.current('vault'))?.id).toBe('v2');
        const all = await store.snapshots.currentAll();
        expect([...all.keys()].sort()).toEqual(['vault', 'wallet']);
        expect(all.get('vault')?.id).toBe('v2');
        expect(all.get('wallet')).toEqual(await store.snapshots.get('w1'));
      });

      it('promote refuses failed, partial and running snapshots and a quarantined one without acceptedBy', async () => {
        await currentSnapshot(store, snapshot('v0', 'vault', at(0)));
        const refused = [
          ['v1', 'failed'],
          ['v2', 'partial'],
          ['v4', 'quarantined'],
        ] as const;
        for (const [id, status] of refused) {
          await store.snapshots.create(snapshot(id, 'vault', at(1)));
          await store.snapshots.finish(id, finish(status), () => []);
          await expect(store.snapshots.promote(id, null, () => [])).rejects.toThrow(
            status === 'quarantined'
              ? `cannot promote snapshot ${id}: it is quarantined; it becomes current only when accepted explicitly (acceptedBy)`
              : `cannot promote snapshot ${id}: its status is ${status}; only a complete snapshot becomes current`,
          );
        }
        await store.snapshots.create(snapshot('v3', 'vault', at(2)));
        await expect(store.snapshots.promote('v3', null, () => [])).rejects.toThrow('cannot promote snapshot v3: its status is running; only a complete snapshot becomes current');
        await expect(store.snapshots.promote('missing', null, () => [])).rejects.toThrow('cannot promote snapshot missing: it does not exist');
        expect((await store.snapshots.current('vault'))?.id).toBe('v0');
        expect((await store.snapshots.get('v4'))?.status).toBe('quarantined');
      });

      it('promote with acceptedBy applies a quarantined snapshot: complete, accepted, current', async () => {
        await store.snapshots.create(snapshot('v1', 'vault', T0));
        await store.snapshots.finish('v1', finish('quarantined', { problems: ['removes 40% of grants'] }), () => []);
        await store.snapshots.promote('v1', 'ciso@firm.li', () => []);
        const current = await store.snapshots.current('vault');
        expect(current?.id).toBe('v1');
        expect(current?.status).toBe('complete');
        expect(current?.acceptedBy).toBe('ciso@firm.li');
        expect(current?.problems).toEqual(['removes 40% of grants']);
      });

      it('appendChanges is idempotent on (snapshotId, grantId); changes() reads them in grant id order in batches', async () => {
        const gs = grants('vault', 7);
        await store.snapshots.create(snapshot('s1', 'vault', T0));
        await store.snapshots.create(snapshot('s2', 'vault', at(1)));
        const lines = gs.map((g, n) => change('s1', g, n % 2 === 0 ? 'added' : 'changed'));
        await store.snapshots.appendChanges(lines);
        await store.snapshots.appendChanges(lines.slice(0, 3));
        await store.snapshots.appendChanges([change('s2', gs[0]!, 'removed')]);
        const batches = await batchesOf(store.snapshots.changes('s1', 3));
        expect(batches.map((b) => b.length)).toEqual([3, 3, 1]);
        const sorted = [...lines].sort((a, b) => (a.grantId < b.grantId ? -1 : 1));
        expect(batches.flat()).toEqual(sorted);
        expect((await batchesOf(store.snapshots.changes('s2'))).flat()).toEqual([change('s2', gs[0]!, 'removed')]);
        expect(await batchesOf(store.snapshots.changes('missing'))).toEqual([]);
      });

      it('pruneGrants deletes grants of superseded snapshots beyond the newest `keep`, never the current, newer or running ones', async () => {
        const fill = async (id: string, systemId: string, minute: number, status: 'complete' | 'failed' | 'quarantined' | 'running') => {
          await store.snapshots.create(snapshot(id, systemId, at(minute)));
          await store.snapshots.appendGrants(id, grants(systemId, 2, minute));
          if (status !== 'running') await store.snapshots.finish(id, finish(status), () => []);
        };
        await fill('v1', 'vault', 0, 'complete');
        await fill('v2', 'vault', 10, 'complete');
        await fill('v3', 'vault', 20, 'failed');
        await fill('slow', 'vault', 25, 'running'); // a sync overtaken by a faster one, still writing
        await fill('v4', 'vault', 30, 'complete');
        await store.snapshots.promote('v4', null, () => []);
        await fill('v5', 'vault', 40, 'quarantined');
        await fill('v6', 'vault', 50, 'running');
        await fill('w1', 'wallet', 0, 'complete');
        await store.snapshots.promote('w1', null, () => []);
        await store.snapshots.appendChanges([change('v1', grant('vault', 'acct-0', 'viewer'), 'added')]);

        expect(await store.snapshots.pruneGrants(1)).toBe(4);
        const counts = async () =>
          Object.fromEntries(
            await Promise.all(['v1', 'v2', 'v3', 'slow', 'v4', 'v5', 'v6', 'w1'].map(async (id) => [id, await store.snapshots.countGrants(id)])),
          );
        expect(await counts()).toEqual({ v1: 0, v2: 0, v3: 2, slow: 2, v4: 2, v5: 2, v6: 2, w1: 2 });
        expect((await store.snapshots.get('v1'))?.contentHash).toBe('c'.repeat(64));
        expect((await batchesOf(store.snapshots.changes('v1'))).flat()).toHaveLength(1);

        expect(await store.snapshots.pruneGrants(1)).toBe(0);
        expect(await store.snapshots.pruneGrants(0)).toBe(2);
        expect(await counts()).toEqual({ v1: 0, v2: 0, v3: 0, slow: 2, v4: 2, v5: 2, v6: 2, w1: 2 });
      });
    });

    describe('identities', () => {
      it('current() holds the identities of the current snapshot of every directory system', async () => {
        expect(await store.identities.current()).toEqual([]);
        const a = identity('a', 'a@firm.li', 'entra');
        const b = identity('b', 'b@firm.li', 'entra');
        const h = identity('h1', 'h@firm.li', 'hr');
        await currentSnapshot(store, snapshot('e1', 'entra', at(0)), { identities: [a, b] });
        await currentSnapshot(store, snapshot('h1', 'hr', at(0)), { identities: [h] });
        await currentSnapshot(store, snapshot('v1', 'vault', at(0)), { grants: grants('vault', 3) });
        const c = identity('c', 'c@firm.li', 'entra');
        await store.snapshots.create(snapshot('e2', 'entra', at(10)));
        await store.snapshots.appendIdentities('e2', [a, c]);
        expect(byId(await store.identities.current())).toEqual([a, b, h]);

        await store.snapshots.finish('e2', finish('complete'), () => []);
        await store.snapshots.promote('e2', null, () => []);
        expect(byId(await store.identities.current())).toEqual([a, c, h]);
        expect(await store.identities.get('b')).toBeNull();
        expect(await store.identities.get('c')).toEqual(c);
      });

      it('get and findByEmail read current identities; findByEmail ignores case', async () => {
        const anna = identity('a-1', 'anna.muster@firm.li', 'entra', { aliases: ['AM01'] });
        await currentSnapshot(store, snapshot('e1', 'entra', T0), { identities: [anna, identity('b-1', null, 'entra')] });
        expect(await store.identities.get('a-1')).toEqual(anna);
        expect(await store.identities.get('missing')).toBeNull();
        expect(await store.identities.findByEmail('Anna.Muster@FIRM.li')).toEqual(anna);
        expect(await store.identities.findByEmail('anna.muster@firm.li')).toEqual(anna);
        expect(await store.identities.findByEmail('nobody@firm.li')).toBeNull();
        expect(await store.identities.findByEmail(NE_NULL)).toBeNull();
      });
    });

    describe('findings', () => {
      it('saveEvaluation opens new findings, refreshes open ones and resolves unseen ones of the evaluated systems only', async () => {
        expect(await store.findings.latestEvaluation()).toBeNull();
        const f1 = finding('dormant', 'vault', 'g1');
        const f2 = finding('not-allowed', 'vault', 'g2');
        const f3 = finding('dormant', 'wallet', 'g3');
        expect(await store.findings.saveEvaluation(evaluation('e1', at(0), ['vault', 'wallet']), [f1, f2, f3], () => [])).toEqual({
          opened: 3,
          refreshed: 0,
          resolved: 0,
        });
        const f1Again = { ...f1, severity: 'high' as const, reason: 'dormant for 200 days', evidence: { days: 200 } };
        const e2 = evaluation('e2', at(10), ['vault']);
        expect(await store.findings.saveEvaluation(e2, [f1Again], () => [])).toEqual({ opened: 0, refreshed: 1, resolved: 1 });

        const open = await store.findings.open();
        expect(open.map((f) => f.key).sort()).toEqual([f1.key, f3.key].sort());
        expect(open.find((f) => f.key === f1.key)).toEqual({
          ...f1Again,
          evaluationId: 'e2',
          firstSeenAt: at(0),
          lastSeenAt: at(10),
          resolvedAt: null,
        });
        expect(open.find((f) => f.key === f3.key)).toMatchObject({ evaluationId: 'e1', lastSeenAt: at(0), resolvedAt: null });
        expect(await store.findings.history(f2.key)).toEqual([
          { ...f2, evaluationId: 'e1', firstSeenAt: at(0), lastSeenAt: at(0), resolvedAt: at(10) },
        ]);
        expect(await store.findings.latestEvaluation()).toEqual(e2);
      });

      it('a finding raised again after it was resolved opens a new row; history returns both, oldest first', async () => {
        const f = finding('sod-conflict', 'wallet', 'g9', { evidence: { note: GT_EMPTY } });
        await store.findings.saveEvaluation(evaluation('e1', at(0), ['wallet']), [f], () => []);
        await store.findings.saveEvaluation(evaluation('e2', at(10), ['wallet']), [], () => []);
        expect(await store.findings.open()).toEqual([]);
        expect(await store.findings.saveEvaluation(evaluation('e3', at(20), ['wallet']), [f], () => [])).toEqual({
          opened: 1,
          refreshed: 0,
          resolved: 0,
        });
        const history = await store.findings.history(f.key);
        expect(history).toEqual([
          { ...f, evaluationId: 'e1', firstSeenAt: at(0), lastSeenAt: at(0), resolvedAt: at(10) },
          { ...f, evaluationId: 'e3', firstSeenAt: at(20), lastSeenAt: at(20), resolvedAt: null },
        ]);
        expect(await store.findings.history('missing')).toEqual([]);
      });

      it('states: every row, open and resolved, each field as stored, without its evidence', async () => {
        const f = finding('sod-conflict', 'wallet', 'g9', { evidence: { note: GT_EMPTY } });
        const other = { ...finding('dormant', 'vault', 'g1'), accountId: null, identityId: 'id-1', role: 'ADMIN', scope: 'vault/prod', severity: 'high' as const, reason: 'dormant for 91 days' };
        await store.findings.saveEvaluation(evaluation('e1', at(0), ['wallet', 'vault']), [f, other], () => []);
        await store.findings.saveEvaluation(evaluation('e2', at(10), ['wallet']), [], () => []);
        await store.findings.saveEvaluation(evaluation('e3', at(20), ['wallet']), [f], () => []);
        const withoutEvidence = ({ evidence: _evidence, ...state }: StoredFinding) => state;
        const expected = [...(await store.findings.history(f.key)), ...(await store.findings.history(other.key))].map(withoutEvidence);
        const states = [];
        for await (const batch of store.findings.states(2)) states.push(...batch);
        const order = (a: { key: string; firstSeenAt: string }, b: { key: string; firstSeenAt: string }) => (a.key + a.firstSeenAt < b.key + b.firstSeenAt ? -1 : 1);
        expect(states.sort(order)).toEqual(expected.sort(order));
        expect(states).toHaveLength(3);
      });

      it('open filters by system and by grant ids', async () => {
        const fs = [finding('dormant', 'vault', 'g1'), finding('dormant', 'vault', 'g2'), finding('dormant', 'wallet', 'g3')];
        await store.findings.saveEvaluation(evaluation('e1', at(0), ['vault', 'wallet']), fs, () => []);
        const keys = (list: { key: string }[]) => list.map((f) => f.key).sort();
        expect(keys(await store.findings.open({ systemId: 'vault' }))).toEqual([fs[0]!.key, fs[1]!.key].sort());
        expect(keys(await store.findings.open({ grantIds: ['g2', 'g3', GT_EMPTY] }))).toEqual([fs[1]!.key, fs[2]!.key].sort());
        expect(keys(await store.findings.open({ systemId: 'vault', grantIds: ['g2', 'g3'] }))).toEqual([fs[1]!.key]);
        expect(await store.findings.open({ grantIds: [] })).toEqual([]);
        expect(await store.findings.open({ systemId: 'kms' })).toEqual([]);
      });

      it('latestEvaluation returns the newest evaluation', async () => {
        const e2 = { ...evaluation('e2', at(10), ['vault']), counts: { dormant: 1 } };
        await store.findings.saveEvaluation(e2, [finding('dormant', 'vault', 'g1')], () => []);
        await store.findings.saveEvaluation(evaluation('e1', at(0), ['vault']), [], () => []);
        expect(await store.findings.latestEvaluation()).toEqual(e2);
      });
    });

    describe('campaigns', () => {
      const g1 = grant('vault', 'alice', 'admin');
      const g2 = grant('vault', 'bob', 'operator');
      const g3 = grant('wallet', 'carol', 'approver');

      async function openCampaign(period = '2026-Q1', reviewId = 'quarterly') {
        const c = campaign(reviewId, period);
        await store.campaigns.create(c);
        return c;
      }

      it('create is idempotent per (reviewId, period): the second create returns the stored campaign', async () => {
        const c = campaign('quarterly', '2026-Q1');
        expect(await store.campaigns.create(c)).toEqual({ campaign: c, created: true });
        expect(await store.campaigns.create({ ...c, name: 'other', openedBy: 'someone@firm.li' })).toEqual({ campaign: c, created: false });
        expect(await store.campaigns.get(c.id)).toEqual(c);
        expect(await store.campaigns.get('missing')).toBeNull();
      });

      it('list filters by state and review', async () => {
        const a = await openCampaign('2026-Q1', 'quarterly');
        const b = await openCampaign('2026-H1', 'half-year');
        const d = campaign('quarterly', '2025-Q4', { state: 'closed', closedAt: at(5) });
        await store.campaigns.create(d);
        expect(ids(await store.campaigns.list()).sort()).toEqual([a.id, b.id, d.id].sort());
        expect(ids(await store.campaigns.list({ state: 'open' })).sort()).toEqual([a.id, b.id].sort());
        expect(ids(await store.campaigns.list({ reviewId: 'quarterly' })).sort()).toEqual([a.id, d.id].sort());
        expect(ids(await store.campaigns.list({ reviewId: 'quarterly', state: 'closed' }))).toEqual([d.id]);
        expect(await store.campaigns.list({ reviewId: GT_EMPTY })).toEqual([]);
      });

      it('transition happens only from the expected state; closing records closedAt', async () => {
        const c = await openCampaign();
        expect(await store.campaigns.transition(c.id, 'opening', 'open', at(1), NONE)).toBe(false);
        expect(await store.campaigns.transition(c.id, 'open', 'closed', at(2), NONE)).toBe(true);
        expect(await store.campaigns.transition(c.id, 'open', 'closed', at(3), NONE)).toBe(false);
        expect(await store.campaigns.transition('missing', 'open', 'closed', at(3), NONE)).toBe(false);
        expect(await store.campaigns.get(c.id)).toEqual({ ...c, state: 'closed', closedAt: at(2) });
      });

      it('addItems inserts only new items and returns how many; item and items read them back', async () => {
        const c = await openCampaign();
        const i1 = item(c, g1, 'mgr-1', { findings: [finding('dormant', 'vault', g1.id, { evidence: { q: NE_NULL } })] });
        const i2 = item(c, g2, 'mgr-2');
        const i3 = item(c, g3, 'mgr-1');
        expect(await store.campaigns.addItems([i1, i2], NONE)).toBe(2);
        expect(await store.campaigns.addItems([i1, i2, i3, { ...i1, reviewerId: 'other' }], NONE)).toBe(1);
        expect(await store.campaigns.addItems([], NONE)).toBe(0);
        expect(await store.campaigns.item(i1.id)).toEqual(i1);
        expect(await store.campaigns.item('missing')).toBeNull();
        expect(byId(await store.campaigns.items(c.id))).toEqual(byId([i1, i2, i3]));
        expect(byId(await store.campaigns.items(c.id, { reviewerId: 'mgr-1' }))).toEqual(byId([i1, i3]));
        expect(await store.campaigns.items(c.id, { state: 'approved' })).toEqual([]);
        expect(await store.campaigns.items('missing')).toEqual([]);
      });

      it('pendingForReviewer lists pending items of open campaigns only', async () => {
        const open = await openCampaign('2026-Q1');
        const closed = await openCampaign('2025-Q4');
        const a = item(open, g1, 'mgr-1');
        const b = item(open, g2, 'mgr-1');
        const c = item(open, g3, 'mgr-2');
        const old = item(closed, g1, 'mgr-1');
        await store.campaigns.addItems([a, b, c, old], NONE);
        await store.campaigns.transition(closed.id, 'open', 'closed', at(1), NONE);
        await store.campaigns.decide(decision(b, 'approve'), NONE);
        expect(await store.campaigns.pendingForReviewer('mgr-1')).toEqual([a]);
        expect(await store.campaigns.pendingForReviewer('nobody')).toEqual([]);
      });

      it('decide moves a pending item to its outcome and stores the decision; a second decision is refused with the first', async () => {
        const c = await openCampaign();
        const i = item(c, g1, 'mgr-1', { findings: [finding('dormant', 'vault', g1.id)] });
        await store.campaigns.addItems([i], NONE);
        const first = decision(i, 'revoke', { justification: GT_EMPTY });
        const result = await store.campaigns.decide(first, NONE);
        expect(result.ok).toBe(true);
        expect(result.decision).toEqual(first);
        expect(result.item).toEqual({ ...i, state: 'revoked', decisionId: first.id, updatedAt: first.decidedAt });

        const second = await store.campaigns.decide(decision(i, 'approve', { decidedAt: at(40), reviewerId: 'other' }), NONE);
        expect(second).toEqual({ ok: false, item: result.item, decision: first });
        expect(await store.campaigns.item(i.id)).toEqual(result.item);
        expect(await store.campaigns.decision(i.id)).toEqual(first);
      });

      it('five concurrent decisions on one item: exactly one wins, all report the winning decision', async () => {
        const c = await openCampaign();
        const i = item(c, g1, 'mgr-1');
        await store.campaigns.addItems([i], NONE);
        const attempts = (['approve', 'revoke', 'approve', 'revoke', 'approve'] as const).map((outcome, n) =>
          decision(i, outcome, { decidedAt: at(30 + n), channel: n % 2 === 0 ? 'slack' : 'cli' }),
        );
        const results = await Promise.all(attempts.map((d) => store.campaigns.decide(d, NONE)));
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        const winner = results.find((r) => r.ok)!.decision!;
        for (const r of results) expect(r.decision).toEqual(winner);
        expect(await store.campaigns.decisions(c.id)).toEqual([winner]);
        expect((await store.campaigns.item(i.id))?.state).toBe(winner.outcome === 'approve' ? 'approved' : 'revoked');
      });

      it('decide refuses an expired item and an unknown item', async () => {
        const c = await openCampaign();
        const i = item(c, g1, 'mgr-1');
        await store.campaigns.addItems([i], NONE);
        expect(await store.campaigns.expirePending(c.id, at(50), NONE)).toBe(1);
        const expired = await store.campaigns.decide(decision(i, 'approve'), NONE);
        expect(expired.ok).toBe(false);
        expect(expired.item?.state).toBe('expired');
        expect(expired.decision).toBeNull();
        expect(await store.campaigns.decision(i.id)).toBeNull();

        const ghost = { ...i, id: 'missing' };
        expect(await store.campaigns.decide(decision(ghost, 'approve'), NONE)).toEqual({ ok: false, item: null, decision: null });
      });

      it('reassign moves a pending item from the named reviewer only', async () => {
        const c = await openCampaign();
        const i = item(c, g1, 'mgr-1');
        const j = item(c, g2, 'mgr-1');
        await store.campaigns.addItems([i, j], NONE);
        expect(await store.campaigns.reassign(i.id, 'someone-else', 'mgr-9', 'delegated', at(5), NONE)).toBe(false);
        expect(await store.campaigns.reassign(i.id, 'mgr-1', 'mgr-9', 'delegated', at(5), NONE)).toBe(true);
        expect(await store.campaigns.item(i.id)).toEqual({ ...i, reviewerId: 'mgr-9', reviewerSource: 'delegated', updatedAt: at(5) });
        expect(await store.campaigns.reassign(i.id, 'mgr-1', 'mgr-8', 'delegated', at(6), NONE)).toBe(false);
        await store.campaigns.decide(decision(j, 'approve'), NONE);
        expect(await store.campaigns.reassign(j.id, 'mgr-1', 'mgr-9', 'delegated', at(7), NONE)).toBe(false);
        expect(await store.campaigns.reassign('missing', 'mgr-1', 'mgr-9', 'delegated', at(7), NONE)).toBe(false);
      });

      it('expirePending expires only pending items of the campaign and returns how many', async () => {
        const c = await openCampaign('2026-Q1');
        const other = await openCampaign('2026-Q2');
        const [a, b, d] = [item(c, g1, 'mgr-1'), item(c, g2, 'mgr-1'), item(c, g3, 'mgr-2')];
        const elsewhere = item(other, g1, 'mgr-1');
        await store.campaigns.addItems([a!, b!, d!, elsewhere], NONE);
        await store.campaigns.decide(decision(a!, 'approve'), NONE);
        expect(await store.campaigns.expirePending(c.id, at(99), NONE)).toBe(2);
        expect(await store.campaigns.expirePending(c.id, at(100), NONE)).toBe(0);
        expect(await store.campaigns.item(b!.id)).toEqual({ ...b, state: 'expired', updatedAt: at(99) });
        expect((await store.campaigns.item(a!.id))?.state).toBe('approved');
        expect((await store.campaigns.item(elsewhere.id))?.state).toBe('pending');
      });

      it('countItemsBySystem counts a campaign\'s items per system and state (no row for 0), other campaigns apart', async () => {
        const c = await openCampaign();
        const other = await openCampaign('2026-Q2');
        const a = item(c, grant('vault', 'user-a', 'reader'), 'mgr-1');
        const b = item(c, grant('vault', 'user-b', 'reader'), 'mgr-1');
        const t = item(c, grant('trading', 'user-t', 'trader'), 'mgr-2');
        await store.campaigns.addItems([a, b, t, item(other, g1, 'mgr-1')], NONE);
        await store.campaigns.decide(decision(a, 'revoke'), NONE);
        expect(await store.campaigns.countItemsBySystem(c.id)).toEqual([
          { systemId: 'trading', state: 'pending', count: 1 },
          { systemId: 'vault', state: 'pending', count: 1 },
          { systemId: 'vault', state: 'revoked', count: 1 },
        ]);
        await store.campaigns.expirePending(c.id, at(50), NONE);
        expect(await store.campaigns.countItemsBySystem(c.id)).toEqual([
          { systemId: 'trading', state: 'expired', count: 1 },
          { systemId: 'vault', state: 'expired', count: 1 },
          { systemId: 'vault', state: 'revoked', count: 1 },
        ]);
        expect(await store.campaigns.countItemsBySystem('missing')).toEqual([]);
      });

      it('decision and decisions read stored decisions', async () => {
        const c = await openCampaign();
        const [a, b] = [item(c, g1, 'mgr-1'), item(c, g2, 'mgr-2')];
        await store.campaigns.addItems([a!, b!], NONE);
        const da = decision(a!, 'approve', { decidedAt: at(40), simulated: true, reviewerSlackId: null, channel: 'cli', operator: 'helpdesk@example.li' });
        const db = decision(b!, 'approve', { decidedAt: at(35), reviewerEmail: null, approveAll: true });
        await store.campaigns.decide(da, NONE);
        await store.campaigns.decide(db, NONE);
        expect(await store.campaigns.decision(a!.id)).toEqual(da);
        // Recorded through approve-all: read back as such; a decision on one item has no approveAll.
        expect(await store.campaigns.decision(b!.id)).toEqual(db);
        expect((await store.campaigns.decision(b!.id))?.approveAll).toBe(true);
        expect(await store.campaigns.decision(a!.id)).not.toHaveProperty('approveAll');
        expect(await store.campaigns.decision('missing')).toBeNull();
        const all = await store.campaigns.decisions(c.id);
        expect(byId(all)).toEqual(byId([da, db]));
        expect(await store.campaigns.decisions('missing')).toEqual([]);
      });

      it('itemsWithDecisions streams every item of one campaign in id order with its decision, in batches', async () => {
        const c = await openCampaign();
        const other = await openCampaign('2026-Q2');
        const many = Array.from({ length: 7 }, (_, n) => item(c, grant('vault', `user-${n}`, 'reader'), `mgr-${n % 2}`));
        await store.campaigns.addItems([...many, item(other, g1, 'mgr-1')], NONE);
        const d0 = decision(many[0]!, 'approve', { approveAll: true });
        const d5 = decision(many[5]!, 'revoke', { reviewerSlackId: null, channel: 'cli', operator: 'helpdesk@example.li' });
        await store.campaigns.decide(d0, NONE);
        await store.campaigns.decide(d5, NONE);

        const batches = await batchesOf(store.campaigns.itemsWithDecisions(c.id, 3));
        expect(batches.map((b) => b.length)).toEqual([3, 3, 1]);
        const rows = batches.flat();
        expect(rows.map((r) => r.item.id)).toEqual(byId(many).map((i) => i.id));
        const decided = Object.fromEntries(rows.filter((r) => r.decision).map((r) => [r.item.id, r.decision]));
        expect(decided).toEqual({ [many[0]!.id]: d0, [many[5]!.id]: d5 });
        expect(rows.find((r) => r.item.id === many[5]!.id)?.item.state).toBe('revoked');
        // Every item field as the item reads give it (the export path decodes them on its own).
        const items = [...(await store.campaigns.items(c.id))].sort((a, b) => (a.id < b.id ? -1 : 1));
        expect(rows.map((r) => r.item)).toEqual(items);
        // A reader that stops after the first page releases the stream (no hang, no leak).
        for await (const first of store.campaigns.itemsWithDecisions(c.id, 3)) {
          expect(first).toHaveLength(3);
          break;
        }
        expect(await batchesOf(store.campaigns.itemsWithDecisions('missing'))).toEqual([]);
        expect(await batchesOf(store.campaigns.itemsWithDecisions(GT_EMPTY))).toEqual([]);
      });

      it('lastCertification names the newest closed campaign with items of the system and its approved grant ids', async () => {
        expect(await store.campaigns.lastCertification('vault')).toBeNull();
        const g4 = grant('vault', 'dave', 'admin');
        const close = async (period: string, closedAt: string, decided: [ReviewItem['grantId'], 'approve' | 'revoke' | null][]) => {
          const c = await openCampaign(period);
          const all = [g1, g2, g3, g4];
          // g4 carries a grant detail: the certification keeps it as approved.
          const items = decided.map(([gid]) => ({ ...item(c, all.find((g) => g.id === gid)!, 'mgr-1'), ...(gid === g4.id ? { detail: { summary: 'can sign', paths: ['transit/sign/k'] } } : {}) }));
          await store.campaigns.addItems(items, NONE);
          for (const [n, [, outcome]] of decided.entries()) {
            if (outcome) await store.campaigns.decide(decision(items[n]!, outcome), NONE);
          }
          await store.campaigns.expirePending(c.id, closedAt, NONE);
          await store.campaigns.transition(c.id, 'open', 'closed', closedAt, NONE);
          return c;
        };
        await close('2025-Q3', at(100), [[g1.id, 'approve'], [g2.id, 'revoke']]);
        const q4 = await close('2025-Q4', at(200), [[g1.id, 'approve'], [g2.id, null], [g4.id, 'approve'], [g3.id, 'approve']]);
        const walletOnly = await close('2026-Q1', at(300), [[g3.id, 'revoke']]);
        const stillOpen = await openCampaign('2026-Q2');
        await store.campaigns.addItems([item(stillOpen, g1, 'mgr-1')], NONE);

        const vault = await store.campaigns.lastCertification('vault');
        expect(vault).toEqual({ campaignId: q4.id, certifiedAt: at(200), approvedGrantIds: expect.any(Array), approvedDetails: { [g4.id]: '{"paths":["transit/sign/k"],"summary":"can sign"}' } });
        expect(vault?.approvedGrantIds.sort()).toEqual([g1.id, g4.id].sort());
        expect(await store.campaigns.lastCertification('wallet')).toEqual({ campaignId: walletOnly.id, certifiedAt: at(300), approvedGrantIds: [], approvedDetails: {} });
        expect(await store.campaigns.lastCertification('kms')).toBeNull();
      });
    });

    describe('deliveries', () => {
      it('claim succeeds once; a second claim of the same delivery returns false', async () => {
        const d = delivery('quarterly:2026-Q1', 'U01', '1', { payload: { text: GT_EMPTY } });
        expect(await store.deliveries.claim(d)).toBe(true);
        expect(await store.deliveries.claim({ ...d, updatedAt: at(1) })).toBe(false);
        expect(await store.deliveries.get(d.id)).toEqual(d);
        expect(await store.deliveries.get('missing')).toBeNull();
      });

      it('update records the outcome, changing only the given fields', async () => {
        const d = delivery('quarterly:2026-Q1', 'U01', '1');
        await store.deliveries.claim(d);
        await store.deliveries.update(d.id, { state: 'claimed' }, { state: 'sent', channel: 'D01', ts: '1712345678.000100', attempts: 1, updatedAt: at(1) }, () => []);
        const sent = { ...d, state: 'sent' as const, channel: 'D01', ts: '1712345678.000100', attempts: 1, updatedAt: at(1) };
        expect(await store.deliveries.get(d.id)).toEqual(sent);
        await store.deliveries.update(d.id, { state: 'sent' }, { payload: { blocks: 3, q: NE_NULL }, error: null, updatedAt: at(2) }, () => []);
        expect(await store.deliveries.get(d.id)).toEqual({ ...sent, payload: { blocks: 3, q: NE_NULL }, updatedAt: at(2) });
        expect(await store.deliveries.claim(d)).toBe(false);
      });

      it('a failed delivery can be claimed again for a retry, keeping its attempts and error', async () => {
        const d = delivery('quarterly:2026-Q1', 'U01', '1');
        await store.deliveries.claim(d);
        await store.deliveries.update(d.id, { state: 'claimed' }, { state: 'failed', attempts: 1, error: 'ratelimited', updatedAt: at(1) }, () => []);
        const retries = await Promise.all([store.deliveries.claim({ ...d, updatedAt: at(2) }), store.deliveries.claim({ ...d, updatedAt: at(2) })]);
        expect(retries.filter(Boolean)).toHaveLength(1);
        expect(await store.deliveries.get(d.id)).toMatchObject({ state: 'claimed', attempts: 1, error: 'ratelimited', updatedAt: at(2) });
      });

      it('list filters by campaign, recipient, kind and state', async () => {
        const a = delivery('c1', 'U01', '1');
        const b = delivery('c1', 'U02', '1');
        const r = delivery('c1', 'U01', '2026-01-10', { kind: 'reminder' });
        const other = delivery('c2', 'U01', '1');
        for (const d of [a, b, r, other]) await store.deliveries.claim(d);
        await store.deliveries.update(b.id, { state: 'claimed' }, { state: 'sent', updatedAt: at(1) }, () => []);
        expect(ids(await store.deliveries.list({ campaignId: 'c1' })).sort()).toEqual([a.id, b.id, r.id].sort());
        expect(ids(await store.deliveries.list({ campaignId: 'c1', recipient: 'U01' })).sort()).toEqual([a.id, r.id].sort());
        expect(ids(await store.deliveries.list({ kind: 'reminder' }))).toEqual([r.id]);
        expect(ids(await store.deliveries.list({ campaignId: 'c1', state: 'sent' }))).toEqual([b.id]);
        expect(ids(await store.deliveries.list({})).sort()).toEqual([a.id, b.id, r.id, other.id].sort());
        expect(await store.deliveries.list({ recipient: NE_NULL })).toEqual([]);
      });

      it('list({ showingItems }) finds the pages whose payload.itemIds hold one of the items, following payload changes', async () => {
        const p1 = delivery('c1', 'U01', '1', { payload: { itemIds: ['i1', 'i2'] } });
        const p2 = delivery('c1', 'U02', '1', { payload: { itemIds: ['i2', 'i3'] } });
        const other = delivery('c2', 'U01', '1', { payload: { itemIds: ['i1'] } });
        const notAList = delivery('c1', 'U03', '1', { payload: { itemIds: 'i1', text: 'i1' } });
        const reminder = delivery('c1', 'U01', 'r', { kind: 'reminder', payload: { campaigns: ['c1'] } });
        for (const d of [p1, p2, other, notAList, reminder]) await store.deliveries.claim(d);
        const showing = async (items: readonly string[], filter = {}) => ids(await store.deliveries.list({ ...filter, showingItems: items }));
        expect(await showing(['i1'], { campaignId: 'c1' })).toEqual([p1.id]);
        expect(await showing(['i2'], { campaignId: 'c1' })).toEqual([p1.id, p2.id].sort());
        expect(await showing(['i1', 'i3'])).toEqual([p1.id, p2.id, other.id].sort());
        expect(await showing(['i3'], { campaignId: 'c1', recipient: 'U01' })).toEqual([]);
        expect(await showing([])).toEqual([]);
        expect(await showing(['c1'])).toEqual([]);
        // A page's items change with its payload (a patched payload drops and adds items).
        await store.deliveries.update(p1.id, { state: 'claimed' }, { state: 'sent', payload: { itemIds: ['i3'] }, updatedAt: at(1) }, () => []);
        expect(await showing(['i1'], { campaignId: 'c1' })).toEqual([]);
        expect(await showing(['i3'], { campaignId: 'c1', state: 'sent' })).toEqual([p1.id]);
        await store.deliveries.update(p2.id, { state: 'claimed' }, { payload: { blocks: 1 }, updatedAt: at(1) }, () => []);
        expect(await showing(['i2', 'i3'], { campaignId: 'c1' })).toEqual([p1.id]);
      });
    });

    describe('scheduler', () => {
      const slot = `open-campaigns@${at(0)}`;

      it('two concurrent claims of one slot: exactly one wins', async () => {
        const results = await Promise.all([
          store.scheduler.claim(slot, 'open-campaigns', 'replica-a', at(0), 60_000),
          store.scheduler.claim(slot, 'open-campaigns', 'replica-b', at(0), 60_000),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('an expired, uncompleted claim can be taken over; a live one cannot', async () => {
        expect(await store.scheduler.claim(slot, 'open-campaigns', 'a', at(0), 60_000)).toBe(true);
        expect(await store.scheduler.claim(slot, 'open-campaigns', 'b', at(0.5), 60_000)).toBe(false);
        expect(await store.scheduler.claim(slot, 'open-campaigns', 'b', at(2), 60_000)).toBe(true);
        expect(await store.scheduler.claim(slot, 'open-campaigns', 'a', at(2.5), 60_000)).toBe(false);
      });

      it('a completed slot is never claimed again; lastCompleted returns the newest completed slot time', async () => {
        expect(await store.scheduler.lastCompleted('open-campaigns')).toBeNull();
        const later = `open-campaigns@${at(60)}`;
        const pending = `open-campaigns@${at(120)}`;
        await store.scheduler.claim(slot, 'open-campaigns', 'a', at(0), 60_000);
        await store.scheduler.complete(slot, at(1));
        await store.scheduler.claim(later, 'open-campaigns', 'a', at(60), 60_000);
        await store.scheduler.complete(later, at(61));
        await store.scheduler.claim(pending, 'open-campaigns', 'a', at(120), 60_000);
        await store.scheduler.claim(`reminders@${at(200)}`, 'reminders', 'a', at(200), 60_000);
        expect(await store.scheduler.claim(slot, 'open-campaigns', 'b', at(500), 60_000)).toBe(false);
        expect(await store.scheduler.lastCompleted('open-campaigns')).toBe(at(60));
        expect(await store.scheduler.lastCompleted('reminders')).toBeNull();
      });
    });

    describe('slack users', () => {
      it('replaceAll replaces the directory; findByEmail ignores case; get and refreshedAt read it', async () => {
        expect(await store.slackUsers.refreshedAt()).toBeNull();
        const old = slackUser('U00', 'gone@firm.li');
        await store.slackUsers.replaceAll([old], at(0));
        const anna = slackUser('U01', 'anna.muster@firm.li');
        const bot = slackUser('B01', null, { isBot: true, teamId: null });
        await store.slackUsers.replaceAll([anna, bot], at(10));
        expect(await store.slackUsers.refreshedAt()).toBe(at(10));
        expect(await store.slackUsers.get('U00')).toBeNull();
        expect(await store.slackUsers.get('B01')).toEqual(bot);
        expect(await store.slackUsers.findByEmail('Anna.Muster@Firm.LI')).toEqual(anna);
        expect(await store.slackUsers.findByEmail('gone@firm.li')).toBeNull();
        expect(await store.slackUsers.findByEmail(GT_EMPTY)).toBeNull();
      });

      it('upsert adds or updates one user without touching refreshedAt', async () => {
        await store.slackUsers.replaceAll([slackUser('U01', 'a@firm.li')], at(0));
        const moved = slackUser('U01', 'anna@firm.li', { deleted: true, updatedAt: at(5) });
        await store.slackUsers.upsert(moved);
        await store.slackUsers.upsert(slackUser('U02', 'b@firm.li'));
        expect(await store.slackUsers.get('U01')).toEqual(moved);
        expect(await store.slackUsers.findByEmail('a@firm.li')).toBeNull();
        expect((await store.slackUsers.findByEmail('B@firm.li'))?.id).toBe('U02');
        expect(await store.slackUsers.refreshedAt()).toBe(at(0));
      });
    });

    describe('ledger', () => {
      it('append chains events with gap-free seq and prevHash; read returns them intact', async () => {
        expect(await store.ledger.head()).toBeNull();
        expect(await store.ledger.append([])).toEqual([]);
        const first = await store.ledger.append(Array.from({ length: 250 }, (_, n) => ledgerInput(n)));
        const second = await store.ledger.append([ledgerInput(250), ledgerInput(251)]);
        const third = await store.ledger.append([ledgerInput(252)]);
        expect([...first, ...second, ...third].map((e) => e.seq)).toEqual(Array.from({ length: 253 }, (_, n) => n + 1));
        expect(second[0]!.prevHash).toBe(first[249]!.hash);

        const stored = await readAll(store, undefined, undefined, 100);
        expect(stored).toEqual([...first, ...second, ...third]);
        const check = verifyRun(stored, null);
        expect(check.break).toBeNull();
        expect(check.count).toBe(253);
        expect(await store.ledger.head()).toEqual({ seq: 253, hash: third[0]!.hash });
      });

      it('twenty concurrent appends never fork the chain', async () => {
        const batches = await Promise.all(
          Array.from({ length: 20 }, (_, n) => store.ledger.append([ledgerInput(n * 3), ledgerInput(n * 3 + 1), ledgerInput(n * 3 + 2)])),
        );
        for (const events of batches) {
          expect(events.map((e) => e.seq)).toEqual([events[0]!.seq, events[0]!.seq + 1, events[0]!.seq + 2]);
        }
        const stored = await readAll(store);
        expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: 60 }, (_, n) => n + 1));
        expect(verifyRun(stored, null).break).toBeNull();
        expect(new Set(stored.map((e) => e.prevHash)).size).toBe(60);
      });

      it('read returns seq in [fromSeq, toSeq] in batches of at most batchSize', async () => {
        await store.ledger.append(Array.from({ length: 30 }, (_, n) => ledgerInput(n)));
        const batches = await batchesOf(store.ledger.read(5, 17, 4));
        expect(batches.map((b) => b.length)).toEqual([4, 4, 4, 1]);
        expect(batches.flat().map((e) => e.seq)).toEqual(Array.from({ length: 13 }, (_, n) => n + 5));
        const tail = await readAll(store, 21, undefined, 5);
        expect(tail.map((e) => e.seq)).toEqual(Array.from({ length: 10 }, (_, n) => n + 21));
        expect(verifyRun(tail, { seq: 20, hash: (await readAll(store, 20, 20))[0]!.hash }).break).toBeNull();
        expect(await readAll(store, 31)).toEqual([]);
      });

      it('readStored gives the events of read, each with its data as the canonical JSON the chain hashed', async () => {
        const data = { z: [SQL_QUOTE, { b: 1, a: NE_NULL }], a: 'é\u2028', n: -0.5 };
        await store.ledger.append([ledgerInput(1, { data }), ...Array.from({ length: 9 }, (_, n) => ledgerInput(n + 2))]);
        const batches = await batchesOf(store.ledger.readStored(2, 8, 3));
        expect(batches.map((b) => b.length)).toEqual([3, 3, 1]);
        const events = await readAll(store);
        expect(batches.flat()).toEqual(events.slice(1, 8).map(({ data: d, ...rest }) => ({ ...rest, dataJson: canonicalJson(d) })));
        const [first] = (await batchesOf(store.ledger.readStored(1, 1))).flat();
        expect(first!.dataJson).toBe(canonicalJson(data));
        expect(chainHash(eventBody({ ...events[0]!, data: {} }, first!.dataJson), first!.prevHash)).toBe(first!.hash);
        expect((await batchesOf(store.ledger.readStored(11))).flat()).toEqual([]);
      });

      it('query filters by time, type prefix and subject, oldest first, with a limit', async () => {
        await store.ledger.append([
          ledgerInput(1, { type: 'campaign.opened', subject: 'quarterly:2026-Q1' }),
          ledgerInput(2, { type: 'item.decided', subject: 'quarterly:2026-Q1/g1' }),
          ledgerInput(3, { type: 'campaign.closed', subject: 'quarterly:2026-Q1' }),
          ledgerInput(4, { type: 'campaigns.other', subject: 'x' }),
          ledgerInput(5, { type: 'sync.completed', subject: 'vault' }),
        ]);
        const seqs = (events: LedgerEvent[]) => events.map((e) => e.seq);
        expect(seqs(await store.ledger.query({}))).toEqual([1, 2, 3, 4, 5]);
        expect(seqs(await store.ledger.query({ type: 'campaign.' }))).toEqual([1, 3]);
        expect(seqs(await store.ledger.query({ type: 'campaign' }))).toEqual([1, 3, 4]);
        expect(seqs(await store.ledger.query({ subject: 'quarterly:2026-Q1' }))).toEqual([1, 3]);
        expect(seqs(await store.ledger.query({ since: at(2), until: at(4) }))).toEqual([2, 3]);
        expect(seqs(await store.ledger.query({ since: at(2), limit: 2 }))).toEqual([2, 3]);
        expect(seqs(await store.ledger.query({ type: 'campaign.', subject: 'quarterly:2026-Q1', until: at(3) }))).toEqual([1]);
        expect(await store.ledger.query({ subject: NE_NULL })).toEqual([]);
      });

      it('stores event data literally', async () => {
        const data = { filter: NE_NULL, nested: { q: GT_EMPTY, list: [SQL_QUOTE, 1, true, null] } };
        const [event] = await store.ledger.append([ledgerInput(1, { data, subject: GT_EMPTY, actor: SQL_QUOTE })]);
        const [stored] = await readAll(store);
        expect(stored).toEqual(event);
        expect(stored?.data).toEqual(data);
        expect(verifyRun([stored!], null).break).toBeNull();
        expect(await store.ledger.query({ subject: GT_EMPTY })).toEqual([event]);
      });
    });

    describe('kv', () => {
      it('get returns null until set; set overwrites', async () => {
        expect(await store.kv.get('graph.deltaLink')).toBeNull();
        await store.kv.set('graph.deltaLink', 'https://graph.microsoft.com/v1.0/users/delta?$deltatoken=abc');
        await store.kv.set('other', GT_EMPTY);
        await store.kv.set('graph.deltaLink', 'https://graph.microsoft.com/v1.0/users/delta?$deltatoken=def');
        expect(await store.kv.get('graph.deltaLink')).toBe('https://graph.microsoft.com/v1.0/users/delta?$deltatoken=def');
        expect(await store.kv.get('other')).toBe(GT_EMPTY);
        expect(await store.kv.get(NE_NULL)).toBeNull();
      });
    });
  });
}
