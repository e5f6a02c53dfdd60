/**
 * The content hash carried forward (issue 18): a complete snapshot keeps its running sum
 * (snapshots.content_sum), the next sync starts from it and hashes only what changed, and its
 * hash and sum are exactly those of a full recomputation over the grants it reads. Without a
 * stored sum (a database from before migration 18, an accepted quarantined snapshot) the sync
 * hashes every grant. Failed, partial and quarantined snapshots keep no sum.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { SystemConfig } from '../../src/config/system-config.js';
import type { GrantRecord } from '../../src/connectors/connector.js';
import { grantFingerprint, GrantSetHash } from '../../src/domain/index.js';
import type { Grant } from '../../src/domain/index.js';
import type { Store } from '../../src/store/ports.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { syncSystem } from '../../src/sync/sync-system.js';
import type { SyncDeps, SyncResult } from '../../src/sync/sync-system.js';
import { seededRandom } from '../fakes/seeded-random.js';
import { grantRecord, scriptedSyncDeps } from '../helpers/scripted-connector.js';
import type { Script } from '../helpers/scripted-connector.js';

const VAULT: SystemConfig = { id: 'vault', name: 'vault', kind: 'wallet', criticality: 'critical', owner: 'owner@example.com', connector: { type: 'scripted', settings: { script: 'vault' } }, file: 'connectors/vault.yaml' };

let file: string;
let store: Store;
let scripts: Map<string, Script>;
let deps: SyncDeps;

beforeEach(() => {
  file = join(mkdtempSync(join(tmpdir(), 'iam-sync-sum-')), 'test.db');
  store = openSqliteStore({ file });
  scripts = new Map();
  deps = scriptedSyncDeps(store, scripts, () => new Date('2026-11-24T10:00:00Z'), { maxRemovalShare: 0.5 });
});
afterEach(() => store.close());

async function syncOf(grants: GrantRecord[], script: Partial<Script> = {}): Promise<SyncResult> {
  scripts.set('vault', { grants, pageSize: 50, ...script });
  return syncSystem(VAULT, deps);
}

/** The full sum over the grants the snapshot reads. */
async function fullSum(snapshotId: string): Promise<GrantSetHash> {
  const h = new GrantSetHash();
  for await (const batch of store.snapshots.grants(snapshotId)) for (const g of batch) h.add(g);
  return h;
}

/** The snapshot's hash is the full recomputation's; a complete one keeps the full sum, any other none. */
async function expectExact(r: SyncResult): Promise<void> {
  const sum = await fullSum(r.snapshot.id);
  expect(r.snapshot.contentHash).toBe(sum.digest());
  expect(await store.snapshots.contentSum(r.snapshot.id)).toBe(r.snapshot.status === 'complete' ? sum.state() : null);
}

function randomPull(random: () => number, previous: GrantRecord[], next: { n: number }): GrantRecord[] {
  const out: GrantRecord[] = [];
  for (const [i, g] of previous.entries()) {
    if (i > 0 && previous[i - 1] === g) continue; // the last pull's repeated row
    const r = random();
    if (r < 0.04) continue; // removed
    if (r < 0.08) out.push({ ...g, accountStatus: g.accountStatus === 'active' ? 'disabled' : 'active' }); // changed
    else if (r < 0.1) out.push({ ...g, accountDisplayName: `${g.accountDisplayName ?? ''}!` }); // changed
    else if (r < 0.12) out.push({ ...g, detail: { summary: `detail ${Math.floor(random() * 3)}` } }); // changed (or not)
    else if (r < 0.14) out.push({ ...g, lastActivityAt: '2026-11-23T00:00:00.000Z' }); // stored again, same term
    else out.push(g);
    if (random() < 0.02) out.push(out[out.length - 1]!); // a repeated row: a duplicate, dropped
  }
  for (let k = Math.floor(random() * 30); k > 0; k--) out.push(grantRecord(`acct-${next.n++}`, random() < 0.5 ? 'ADMIN' : 'READER'));
  return out;
}

it('carries the sum through random deltas: every hash and sum as a full recomputation', async () => {
  const random = seededRandom(1818);
  const next = { n: 300 };
  let records = Array.from({ length: 300 }, (_, i) => grantRecord(`acct-${i}`, 'ADMIN'));
  const first = await syncOf(records);
  expect(first.applied).toBe(true);
  await expectExact(first);
  for (let round = 0; round < 6; round++) {
    records = randomPull(random, records, next);
    const r = await syncOf(records);
    expect(r.snapshot.status).toBe('complete');
    expect(r.snapshot.counts.added + r.snapshot.counts.removed + r.snapshot.counts.changed).toBeGreaterThan(0);
    await expectExact(r);
  }
});

it('hashes every grant when the previous snapshot has no sum (a database from before migration 18)', async () => {
  const records = Array.from({ length: 120 }, (_, i) => grantRecord(`acct-${i}`, 'ADMIN'));
  const one = await syncOf(records);
  const db = new Database(file);
  db.prepare('UPDATE snapshots SET content_sum = NULL').run();
  db.close();
  expect(await store.snapshots.contentSum(one.snapshot.id)).toBeNull();
  const two = await syncOf([...records.slice(1, 119), { ...records[119]!, accountStatus: 'locked' }, grantRecord('acct-new', 'ADMIN')]);
  expect(two.snapshot.counts).toMatchObject({ grants: 120, added: 1, removed: 1, changed: 1 });
  await expectExact(two);
  // and its own sum is there for the next one.
  const three = await syncOf(records.slice(0, 100));
  await expectExact(three);
  expect(await store.snapshots.contentSum(three.snapshot.id)).not.toBeNull();
});

it('a quarantined snapshot keeps no sum; once accepted, the next sync hashes every grant', async () => {
  const records = Array.from({ length: 100 }, (_, i) => grantRecord(`acct-${i}`, 'ADMIN'));
  await syncOf(records);
  const quarantined = await syncOf(records.slice(0, 20));
  expect(quarantined.snapshot.status).toBe('quarantined');
  await expectExact(quarantined);
  expect(await store.snapshots.promote(quarantined.snapshot.id, 'lead@example.com', () => [])).toBe(true);
  const after = await syncOf([...records.slice(0, 19), grantRecord('acct-x', 'ADMIN')]);
  expect(after.snapshot.counts).toMatchObject({ grants: 20, added: 1, removed: 1 });
  await expectExact(after);
});

it('failed and partial runs keep no sum; the next sync starts from the current state', async () => {
  const records = Array.from({ length: 100 }, (_, i) => grantRecord(`acct-${i}`, 'ADMIN'));
  const one = await syncOf(records);
  const failed = await syncOf(records.slice(0, 60), { failAtPage: 1 });
  expect(failed.snapshot.status).toBe('failed');
  expect(await store.snapshots.contentSum(failed.snapshot.id)).toBeNull();
  const partial = await syncOf(records, { problems: ['1 record unreadable'] });
  expect(partial.snapshot.status).toBe('partial');
  expect(await store.snapshots.contentSum(partial.snapshot.id)).toBeNull();
  expect((await store.snapshots.current('vault'))?.id).toBe(one.snapshot.id);
  const two = await syncOf([...records.slice(5), grantRecord('acct-y', 'READER')]);
  expect(two.applied).toBe(true);
  await expectExact(two);
});

it('hashes every grant when the stored sum does not digest to the previous content hash (an edited sum is not carried)', async () => {
  const records = Array.from({ length: 80 }, (_, i) => grantRecord(`acct-${i}`, 'ADMIN'));
  const one = await syncOf(records);
  // A well-formed sum of another set: one grant fewer, as a sum edited to hide a grant would be.
  const other = await fullSum(one.snapshot.id);
  let first: Grant | undefined;
  for await (const batch of store.snapshots.grants(one.snapshot.id)) {
    first = batch[0];
    break;
  }
  other.remove(first!.id, grantFingerprint(first!));
  const db = new Database(file);
  db.prepare('UPDATE snapshots SET content_sum = ? WHERE id = ?').run(other.state(), one.snapshot.id);
  db.close();
  const two = await syncOf([...records.slice(0, 79), grantRecord('acct-z', 'READER')]);
  expect(two.snapshot.counts).toMatchObject({ grants: 80, added: 1, removed: 1 });
  await expectExact(two);
});
