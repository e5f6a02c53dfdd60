import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.js';
import type { SystemConfig } from '../../src/config/system-config.js';
import { grantId, verifyRun } from '../../src/domain/index.js';
import type { Grant, GrantChange, LedgerEvent } from '../../src/domain/index.js';
import type { Store } from '../../src/store/ports.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { acceptQuarantined, syncSystems } from '../../src/sync/sync-runner.js';
import { hashSnapshotGrants, syncSystem } from '../../src/sync/sync-system.js';
import type { SyncDeps } from '../../src/sync/sync-system.js';
import { grantRecord, person, scriptedSyncDeps } from '../helpers/scripted-connector.js';
import type { Script } from '../helpers/scripted-connector.js';

function system(id: string, kind: SystemConfig['kind'] = 'wallet', over: Partial<SystemConfig> = {}): SystemConfig {
  return { id, name: id, kind, criticality: 'critical', owner: 'owner@example.com', connector: { type: 'scripted', settings: { script: id } }, file: `connectors/${id}.yaml`, ...over };
}

async function batchesOf<T>(it: AsyncIterable<T[]>): Promise<T[][]> {
  const out: T[][] = [];
  for await (const batch of it) out.push(batch);
  return out;
}

async function all<T>(it: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of it) out.push(...batch);
  return out;
}

describe('syncSystem', () => {
  let store: Store;
  let scripts: Map<string, Script>;
  let deps: SyncDeps;
  let sleeps: number[];
  let clock: Date;

  beforeEach(() => {
    store = openSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'iam-sync-')), 'test.db') });
    scripts = new Map();
    sleeps = [];
    clock = new Date('2026-11-24T10:00:00Z');
    const now = () => new Date(clock);
    deps = scriptedSyncDeps(store, scripts, now, {
      maxRemovalShare: 0.1,
      retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 1000 },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
  });
  afterEach(() => store.close());

  async function seedDirectory() {
    scripts.set('hr', {
      identities: [
        person('alice', { aliases: ['A.Smith@corp.example'] }),
        person('bob', { managerRef: 'alice@example.com' }),
        person('carol', { managerRef: 'alice' }),
      ],
    });
    const r = await syncSystem(system('hr', 'directory'), deps);
    expect(r.applied).toBe(true);
  }

  it('stores a first complete pull, applies it and ledgers it', async () => {
    await seedDirectory();
    scripts.set('wallet', { grants: [grantRecord('alice', 'SIGNER'), grantRecord('bob', 'VIEWER'), grantRecord('svc-1', 'API', { identityRef: null, accountType: 'service' })] });
    const r = await syncSystem(system('wallet'), deps);
    expect(r.applied).toBe(true);
    expect(r.snapshot).toMatchObject({ status: 'complete', counts: { grants: 3, accounts: 3, added: 3, removed: 0, changed: 0 } });
    expect(r.snapshot.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await hashSnapshotGrants(store, r.snapshot.id)).toBe(r.snapshot.contentHash);
    expect((await store.snapshots.current('wallet'))?.id).toBe(r.snapshot.id);
    const grants = await all(store.snapshots.grants(r.snapshot.id));
    expect(grants.map((g) => g.id)).toEqual([...grants.map((g) => g.id)].sort());
    const events = await store.ledger.query({ type: 'sync.' });
    expect(events.map((e: LedgerEvent) => [e.type, e.subject])).toEqual([['sync.completed', 'hr'], ['sync.completed', 'wallet']]);
    expect(events[1]!.data).toMatchObject({ snapshotId: r.snapshot.id, contentHash: r.snapshot.contentHash, counts: { grants: 3 } });
  });

  it("a first sync's changes are the added lines a later sync stores for the same pull (derived from its grants, not stored)", async () => {
    await seedDirectory();
    const pull = [
      grantRecord('alice', 'SIGNER', { detail: { policies: ['b', 'a'] } }),
      grantRecord('svc-1', 'API', { identityRef: null, accountType: 'service', accountDisplayName: null }),
      grantRecord('x9', 'VIEWER', { scope: 'vault/a', identityRef: 'bob' }),
      grantRecord('bob', 'VIEWER', { accountStatus: 'disabled' }),
    ];
    scripts.set('wallet', { grants: pull, pageSize: 3 });
    const first = await syncSystem(system('wallet'), deps);
    expect(first.snapshot).toMatchObject({ status: 'complete', previousSnapshotId: null, counts: { grants: 4, added: 4 } });

    // The same pull into another store, after an empty first pull: a sync with a previous state stores its added lines.
    const other = openSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'iam-sync-')), 'other.db') });
    try {
      const otherDeps = { ...deps, store: other, audit: new AuditLog(other.ledger, () => new Date(clock)) };
      await syncSystem(system('hr', 'directory'), otherDeps);
      scripts.set('wallet', { grants: [] });
      expect((await syncSystem(system('wallet'), otherDeps)).applied).toBe(true);
      scripts.set('wallet', { grants: pull, pageSize: 3 });
      const second = await syncSystem(system('wallet'), otherDeps);
      expect(second.snapshot).toMatchObject({ status: 'complete', contentHash: first.snapshot.contentHash, counts: { grants: 4, added: 4 } });
      const stored = await batchesOf(other.snapshots.changes(second.snapshot.id, 3));
      expect(stored.flat()).toHaveLength(4);
      expect(await batchesOf(store.snapshots.changes(first.snapshot.id, 3))).toEqual(stored.map((b) => b.map((c) => ({ ...c, snapshotId: first.snapshot.id }))));
    } finally {
      await other.close();
    }
  });

  it('correlates accounts by id, email and alias, and keeps unmatched accounts as unowned', async () => {
    await seedDirectory();
    scripts.set('wallet', {
      grants: [
        grantRecord('a1', 'SIGNER', { identityRef: 'ALICE@example.com' }),
        grantRecord('a2', 'SIGNER', { identityRef: 'bob' }),
        grantRecord('a3', 'SIGNER', { identityRef: 'a.smith@corp.example' }),
        grantRecord('a4', 'SIGNER', { identityRef: 'mallory@example.com' }),
        grantRecord('a5', 'SIGNER', { identityRef: '{"$ne":null}' }),
      ],
      pageSize: 10,
    });
    const r = await syncSystem(system('wallet'), deps);
    const byAccount = new Map((await all(store.snapshots.grants(r.snapshot.id))).map((g) => [g.accountId, g]));
    expect(byAccount.get('a1')?.identityId).toBe('alice');
    expect(byAccount.get('a2')?.identityId).toBe('bob');
    expect(byAccount.get('a3')?.identityId).toBe('alice');
    expect(byAccount.get('a4')).toMatchObject({ identityId: null, identityRef: 'mallory@example.com' });
    expect(byAccount.get('a5')).toMatchObject({ identityId: null, identityRef: '{"$ne":null}' });
  });

  it('resolves managers within the identity source', async () => {
    await seedDirectory();
    const people = new Map((await store.identities.current()).map((i) => [i.id, i]));
    expect(people.get('bob')?.managerId).toBe('alice');
    expect(people.get('carol')?.managerId).toBe('alice');
    expect(people.get('alice')?.managerId).toBeNull();
  });

  it('diffs against the current state: added, removed, changed; carries first-seen forward', async () => {
    const base = Array.from({ length: 20 }, (_, i) => grantRecord(`u${i}`, 'VIEWER'));
    scripts.set('wallet', { grants: base, pageSize: 7 });
    const first = await syncSystem(system('wallet'), deps);
    clock = new Date('2026-11-25T10:00:00Z');
    const next = base.filter((g) => g.accountId !== 'u3').map((g) => (g.accountId === 'u5' ? { ...g, accountStatus: 'disabled' as const } : g));
    next.push(grantRecord('u99', 'SIGNER'));
    scripts.set('wallet', { grants: next, pageSize: 7 });
    const second = await syncSystem(system('wallet'), deps);
    expect(second.snapshot).toMatchObject({ status: 'complete', previousSnapshotId: first.snapshot.id, counts: { grants: 20, added: 1, removed: 1, changed: 1 } });
    const changes = await all<GrantChange>(store.snapshots.changes(second.snapshot.id));
    expect(changes.map((c) => [c.kind, c.accountId]).sort()).toEqual([['added', 'u99'], ['changed', 'u5'], ['removed', 'u3']]);
    const grants = new Map((await all<Grant>(store.snapshots.grants(second.snapshot.id))).map((g) => [g.accountId, g]));
    expect(grants.get('u0')?.firstSeenAt).toBe('2026-11-24T10:00:00.000Z');
    expect(grants.get('u99')?.firstSeenAt).toBe('2026-11-25T10:00:00.000Z');
  });

  it('quarantines an empty pull where there was data, keeps the current state, and applies it only when accepted', async () => {
    scripts.set('wallet', { grants: [grantRecord('u1', 'SIGNER'), grantRecord('u2', 'VIEWER')] });
    const first = await syncSystem(system('wallet'), deps);
    scripts.set('wallet', { grants: [] });
    const empty = await syncSystem(system('wallet'), deps);
    expect(empty.applied).toBe(false);
    expect(empty.snapshot.status).toBe('quarantined');
    expect(empty.snapshot.problems.join()).toMatch(/no grants where the current state has 2/);
    expect((await store.snapshots.current('wallet'))?.id).toBe(first.snapshot.id);
    expect((await store.ledger.query({ type: 'sync.quarantined' })).length).toBe(1);

    await acceptQuarantined(store, deps.audit, empty.snapshot.id, 'ciso@example.com');
    expect((await store.snapshots.current('wallet'))?.id).toBe(empty.snapshot.id);
    expect((await store.ledger.query({ type: 'sync.quarantine-accepted' }))[0]).toMatchObject({ actor: 'ciso@example.com', subject: 'wallet' });
  });

  it('quarantines removals above the threshold, honouring a per-system override', async () => {
    const base = Array.from({ length: 10 }, (_, i) => grantRecord(`u${i}`, 'VIEWER'));
    scripts.set('wallet', { grants: base, pageSize: 5 });
    await syncSystem(system('wallet'), deps);
    scripts.set('wallet', { grants: base.slice(0, 8), pageSize: 5 });
    const cut = await syncSystem(system('wallet'), deps);
    expect(cut.snapshot.status).toBe('quarantined');
    expect(cut.snapshot.problems.join()).toMatch(/removes 2 of 10 grants \(20\.0%\)/);
    const lenient = await syncSystem(system('wallet', 'wallet', { sync: { maxRemovalShare: 0.25 } }), deps);
    expect(lenient.snapshot.status).toBe('complete');
  });

  it('stores a connector failing mid-way as failed, never as removals; other systems still sync', async () => {
    scripts.set('wallet', { grants: Array.from({ length: 6 }, (_, i) => grantRecord(`u${i}`, 'VIEWER')) });
    const good = await syncSystem(system('wallet'), deps);
    scripts.set('wallet', { grants: Array.from({ length: 6 }, (_, i) => grantRecord(`u${i}`, 'VIEWER')), failAtPage: 1 });
    scripts.set('kms', { grants: [grantRecord('k1', 'OPERATOR')] });
    const outcomes = await syncSystems([system('wallet'), system('kms', 'kms')], deps);
    const wallet = outcomes.find((o) => o.systemId === 'wallet')!;
    const kms = outcomes.find((o) => o.systemId === 'kms')!;
    expect(wallet.ok && wallet.result.snapshot.status).toBe('failed');
    expect(wallet.ok && wallet.result.snapshot.problems[0]).toMatch(/connection reset/);
    expect(kms.ok && kms.result.applied).toBe(true);
    expect((await store.snapshots.current('wallet'))?.id).toBe(good.snapshot.id);
    expect(await store.snapshots.countGrants(good.snapshot.id)).toBe(6);
  });

  it('syncs the identity source first and correlates every other system of the run against one load of its identities', async () => {
    scripts.set('hr', { identities: [person('alice'), person('bob')] });
    scripts.set('wallet', { grants: [grantRecord('alice', 'SIGNER'), grantRecord('bob', 'VIEWER')] });
    scripts.set('kms', { grants: [grantRecord('bob', 'OPERATOR')] });
    scripts.set('trading', { grants: [grantRecord('alice', 'TRADER')] });
    // Counts the loads of the current identities (the store itself, not a stand-in, answers them).
    const current = store.identities.current.bind(store.identities);
    let loads = 0;
    store.identities.current = async () => {
      loads++;
      return current();
    };
    const outcomes = await syncSystems([system('wallet'), system('hr', 'directory'), system('kms', 'kms'), system('trading', 'trading')], deps);
    expect(outcomes.map((o) => [o.systemId, o.ok && o.result.applied])).toEqual([['wallet', true], ['hr', true], ['kms', true], ['trading', true]]);
    expect(loads).toBe(1);
    const owners = async (systemId: string) => (await all(store.snapshots.grants((await store.snapshots.current(systemId))!.id))).map((g) => g.identityId);
    expect(await owners('wallet')).toEqual(expect.arrayContaining(['alice', 'bob']));
    expect(await owners('kms')).toEqual(['bob']);
    expect(await owners('trading')).toEqual(['alice']);
  });

  it('marks a pull with unreadable records partial and does not apply it', async () => {
    scripts.set('trading', { grants: [grantRecord('t1', 'TRADER')], problems: ['trading.csv:7: unknown status "gone"'] });
    const r = await syncSystem(system('trading', 'trading'), deps);
    expect(r.applied).toBe(false);
    expect(r.snapshot).toMatchObject({ status: 'partial', problems: ['trading.csv:7: unknown status "gone"'] });
    expect(await store.snapshots.current('trading')).toBeNull();
  });

  it('counts a repeated identical grant row once, keeps the snapshot complete and ledgers the count', async () => {
    scripts.set('trading', { grants: [grantRecord('t1', 'TRADER'), grantRecord('t2', 'TRADER'), grantRecord('t1', 'TRADER')], pageSize: 2 });
    const r = await syncSystem(system('trading', 'trading'), deps);
    expect(r.snapshot).toMatchObject({ status: 'complete', problems: [], counts: { grants: 2, accounts: 2, added: 2 } });
    expect(await store.snapshots.countGrants(r.snapshot.id)).toBe(2);
    const [event] = await store.ledger.query({ type: 'sync.completed' });
    expect(event!.data).toMatchObject({ snapshotId: r.snapshot.id, duplicates: 1 });
  });

  it('reports a repeated grant row that contradicts the first (other owner or status) and does not apply the pull', async () => {
    await seedDirectory();
    scripts.set('trading', {
      grants: [
        grantRecord('t1', 'TRADER', { scope: 'desk-1', identityRef: 'alice@example.com' }),
        grantRecord('t2', 'TRADER'),
        grantRecord('t1', 'TRADER', { scope: 'desk-1', identityRef: 'bob@example.com', accountStatus: 'disabled' }),
      ],
    });
    const r = await syncSystem(system('trading', 'trading'), deps);
    expect(r.applied).toBe(false);
    expect(r.snapshot).toMatchObject({ status: 'partial', problems: ['trading: account t1 role TRADER scope desk-1 appears twice with different owner/status'] });
    // The first row is the one kept.
    const kept = (await all(store.snapshots.grants(r.snapshot.id))).find((g) => g.accountId === 't1');
    expect(kept).toMatchObject({ identityId: 'alice', accountStatus: 'active' });
    const [event] = await store.ledger.query({ type: 'sync.partial' });
    expect(event!.data).toMatchObject({ duplicates: 1 });
    expect(await store.snapshots.current('trading')).toBeNull();
  });

  it('syncs large pulls through the store worker: same diff, first-seen times, content hash and changes as small ones', async () => {
    // Batches of 1000+ grants and pages of 5000 go through the SQLite worker thread.
    const n = 12_000;
    const base = Array.from({ length: n }, (_, i) => grantRecord(`u${i}`, i % 3 === 0 ? 'SIGNER' : 'VIEWER', { scope: `desk-${i % 7}` }));
    scripts.set('wallet', { grants: base, pageSize: 2500 });
    const first = await syncSystem(system('wallet'), deps);
    expect(first.snapshot).toMatchObject({ status: 'complete', counts: { grants: n, accounts: n, added: n } });
    expect(await hashSnapshotGrants(store, first.snapshot.id)).toBe(first.snapshot.contentHash);

    clock = new Date('2026-11-25T10:00:00Z');
    const next = base.filter((g) => g.accountId !== 'u10' && g.accountId !== 'u11000').map((g) => (g.accountId === 'u7' ? { ...g, accountStatus: 'locked' as const } : g));
    next.push(grantRecord('new-1', 'ADMIN'), grantRecord('u5', 'VIEWER', { scope: 'desk-5' }));
    scripts.set('wallet', { grants: next, pageSize: 2500 });
    const second = await syncSystem(system('wallet'), deps);
    expect(second.snapshot).toMatchObject({ status: 'complete', counts: { grants: n - 1, added: 1, removed: 2, changed: 1 } });
    expect(await hashSnapshotGrants(store, second.snapshot.id)).toBe(second.snapshot.contentHash);
    const changes = await all<GrantChange>(store.snapshots.changes(second.snapshot.id));
    expect(changes.map((c) => [c.kind, c.accountId]).sort()).toEqual([['added', 'new-1'], ['changed', 'u7'], ['removed', 'u10'], ['removed', 'u11000']]);
    const grants = await all<Grant>(store.snapshots.grants(second.snapshot.id));
    expect(grants.length).toBe(n - 1);
    expect(grants.map((g) => g.id)).toEqual([...grants.map((g) => g.id)].sort());
    const byAccount = new Map(grants.map((g) => [g.accountId, g]));
    expect(byAccount.get('u0')?.firstSeenAt).toBe('2026-11-24T10:00:00.000Z');
    expect(byAccount.get('new-1')?.firstSeenAt).toBe('2026-11-25T10:00:00.000Z');
    expect(byAccount.get('u7')).toMatchObject({ accountStatus: 'locked', firstSeenAt: '2026-11-24T10:00:00.000Z' });
  });

  it("stores a grant's detail through both write paths; a change of detail is a changed grant (same id) and changes the content hash", async () => {
    // 3,000 grants in pages of 2,500: the first page goes through the store worker thread, the rest in place.
    const detail = (threshold: number) => ({ summary: `can approve withdrawals over 1M EUR (${threshold} approvals)`, rule: { id: 'r-7', name: 'Treasury' }, threshold });
    const base = Array.from({ length: 3000 }, (_, i) => grantRecord(`u${i}`, 'tap:approver', i % 1000 === 0 ? { detail: detail(2) } : {}));
    scripts.set('wallet', { grants: base, pageSize: 2500 });
    const first = await syncSystem(system('wallet'), deps);
    expect(first.snapshot).toMatchObject({ status: 'complete', counts: { grants: 3000, added: 3000 } });
    expect(await hashSnapshotGrants(store, first.snapshot.id)).toBe(first.snapshot.contentHash);
    const read = new Map((await all<Grant>(store.snapshots.grants(first.snapshot.id, 700))).map((g) => [g.accountId, g]));
    expect(read.get('u0')?.detail).toEqual(detail(2));
    expect(read.get('u2000')?.detail).toEqual(detail(2));
    expect(read.get('u1')).not.toHaveProperty('detail');

    clock = new Date('2026-11-25T10:00:00Z');
    // The same rule with another threshold, its keys in another order: only the threshold counts.
    const next = base.map((g) => (g.accountId === 'u1000' ? { ...g, detail: { threshold: 1, rule: { name: 'Treasury', id: 'r-7' }, summary: detail(1).summary } } : g.accountId === 'u2000' ? { ...g, detail: { threshold: 2, summary: detail(2).summary, rule: { name: 'Treasury', id: 'r-7' } } } : g));
    scripts.set('wallet', { grants: next, pageSize: 2500 });
    const second = await syncSystem(system('wallet'), deps);
    expect(second.snapshot).toMatchObject({ status: 'complete', counts: { grants: 3000, added: 0, removed: 0, changed: 1 } });
    expect(second.snapshot.contentHash).not.toBe(first.snapshot.contentHash);
    expect(await hashSnapshotGrants(store, second.snapshot.id)).toBe(second.snapshot.contentHash);
    const [change] = await all<GrantChange>(store.snapshots.changes(second.snapshot.id));
    expect(change).toMatchObject({ kind: 'changed', accountId: 'u1000', grantId: grantId('wallet', 'u1000', 'tap:approver', '') });
    expect(change!.before).toContain('"threshold":2');
    expect(change!.after).toContain('"threshold":1');
  });

  it('fails a run whose page token does not advance', async () => {
    scripts.set('wallet', { grants: [grantRecord('u1', 'VIEWER')], stuckToken: 'again' });
    const r = await syncSystem(system('wallet'), deps);
    expect(r.snapshot.status).toBe('failed');
    expect(r.snapshot.problems[0]).toMatch(/does not advance/);
  });

  it('retries transient errors after Retry-After', async () => {
    scripts.set('wallet', { grants: [grantRecord('u1', 'VIEWER'), grantRecord('u2', 'VIEWER'), grantRecord('u3', 'VIEWER')], throttleTimes: 2, retryAfterMs: 700 });
    const r = await syncSystem(system('wallet'), deps);
    expect(r.snapshot.status).toBe('complete');
    expect(sleeps).toEqual([700, 700, 700, 700]);
  });

  it('gives up after the retry budget and fails the run', async () => {
    scripts.set('wallet', { grants: [grantRecord('u1', 'VIEWER')], throttleTimes: 5 });
    const r = await syncSystem(system('wallet'), deps);
    expect(r.snapshot.status).toBe('failed');
    expect(sleeps).toEqual([10, 20]);
  });

  it('times out a hanging connector', async () => {
    scripts.set('wallet', { grants: [grantRecord('u1', 'VIEWER')], hang: true });
    const r = await syncSystem(system('wallet', 'wallet', { sync: { timeoutSeconds: 1 } }), deps);
    expect(r.snapshot.status).toBe('failed');
    expect(r.snapshot.problems[0]).toMatch(/timed out after 1 s/);
  });

  it('quarantines an identity pull that loses most people', async () => {
    await seedDirectory();
    scripts.set('hr', { identities: [person('alice')] });
    const r = await syncSystem(system('hr', 'directory'), deps);
    expect(r.snapshot.status).toBe('quarantined');
    expect((await store.identities.current()).length).toBe(3);
  });

  it('counts identical repeated rows, and makes a pull with conflicting repeats partial', async () => {
    scripts.set('wallet', { grants: [grantRecord('u1', 'SIGNER'), grantRecord('u1', 'SIGNER'), grantRecord('u2', 'VIEWER')], pageSize: 10 });
    const same = await syncSystem(system('wallet'), deps);
    expect(same.snapshot).toMatchObject({ status: 'complete', counts: { grants: 2 } });
    expect((await store.ledger.query({ type: 'sync.completed' }))[0]!.data).toMatchObject({ duplicates: 1 });

    scripts.set('wallet', { grants: [grantRecord('u1', 'SIGNER'), grantRecord('u1', 'SIGNER', { accountStatus: 'disabled' }), grantRecord('u2', 'VIEWER')], pageSize: 10 });
    const conflicting = await syncSystem(system('wallet'), deps);
    expect(conflicting.snapshot.status).toBe('partial');
    expect(conflicting.snapshot.problems).toEqual([expect.stringMatching(/account u1 role SIGNER scope \(none\) appears twice with different owner\/status/)]);
    expect((await store.snapshots.current('wallet'))?.id).toBe(same.snapshot.id);
  });

  it('keeps the ledger chain intact across syncs', async () => {
    await seedDirectory();
    scripts.set('wallet', { grants: [grantRecord('alice', 'SIGNER')] });
    await syncSystem(system('wallet'), deps);
    const events = await all(store.ledger.read());
    expect(verifyRun(events, null).break).toBeNull();
    expect(grantId('wallet', 'alice', 'SIGNER', '')).toBe((await all(store.snapshots.grants((await store.snapshots.current('wallet'))!.id)))[0]!.id);
  });
});
