/**
 * A sync writes only what changed (issue 18): the grant rows stored grow by the changed grants,
 * not by the whole pull, while every snapshot still reads exactly what was pulled and hashes
 * to its content hash. Counted in the SQLite file itself.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { SystemConfig } from '../../src/config/system-config.js';
import type { GrantRecord } from '../../src/connectors/connector.js';
import type { Grant } from '../../src/domain/index.js';
import type { Store } from '../../src/store/ports.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { hashSnapshotGrants, syncSystem } from '../../src/sync/sync-system.js';
import type { SyncDeps } from '../../src/sync/sync-system.js';
import { grantRecord, scriptedSyncDeps } from '../helpers/scripted-connector.js';
import type { Script } from '../helpers/scripted-connector.js';

const WALLET: SystemConfig = { id: 'wallet', name: 'wallet', kind: 'wallet', criticality: 'critical', owner: 'owner@example.com', connector: { type: 'scripted', settings: { script: 'wallet' } }, file: 'connectors/wallet.yaml' };

let file: string;
let store: Store;
let scripts: Map<string, Script>;
let deps: SyncDeps;

beforeEach(() => {
  file = join(mkdtempSync(join(tmpdir(), 'iam-sync-delta-')), 'test.db');
  store = openSqliteStore({ file });
  scripts = new Map();
  const now = () => new Date('2026-11-24T10:00:00Z');
  deps = scriptedSyncDeps(store, scripts, now, { maxRemovalShare: 0.5 });
});
afterEach(() => store.close());

function storedRows(): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM grants').pluck().get() as number;
  } finally {
    db.close();
  }
}

async function pulled(snapshotId: string): Promise<Map<string, Grant>> {
  const out = new Map<string, Grant>();
  for await (const batch of store.snapshots.grants(snapshotId)) for (const g of batch) out.set(g.accountId, g);
  return out;
}

async function syncOf(grants: GrantRecord[]) {
  scripts.set('wallet', { grants });
  return syncSystem(WALLET, deps);
}

it('stores the changed grants only; every snapshot reads what was pulled and hashes to its content hash', async () => {
  const first = Array.from({ length: 50 }, (_, i) => grantRecord(`acct-${i}`, 'SIGNER'));
  const one = await syncOf(first);
  expect(one.applied).toBe(true);
  expect(storedRows()).toBe(50);

  // One removed, one changed (status), one added, one whose last activity moved (not in the fingerprint, still stored).
  const second = [
    ...first.slice(1, 48),
    { ...first[48]!, accountStatus: 'disabled' as const },
    { ...first[49]!, lastActivityAt: '2026-11-20T00:00:00.000Z' },
    grantRecord('acct-new', 'SIGNER'),
  ];
  const two = await syncOf(second);
  expect(two.applied).toBe(true);
  expect(two.snapshot.counts).toMatchObject({ grants: 50, added: 1, removed: 1, changed: 1 });
  expect(storedRows()).toBe(53);

  // An unchanged pull writes no grant row.
  const three = await syncOf(second);
  expect(three.applied).toBe(true);
  expect(storedRows()).toBe(53);

  const [a, b, c] = await Promise.all([pulled(one.snapshot.id), pulled(two.snapshot.id), pulled(three.snapshot.id)]);
  expect([...a.keys()].sort()).toEqual(first.map((r) => r.accountId).sort());
  expect([...b.keys()].sort()).toEqual(second.map((r) => r.accountId).sort());
  expect(b.get('acct-48')?.accountStatus).toBe('disabled');
  expect(a.get('acct-48')?.accountStatus).toBe('active');
  expect(b.get('acct-49')?.lastActivityAt).toBe('2026-11-20T00:00:00.000Z');
  expect(a.get('acct-49')?.lastActivityAt).toBe('2026-11-01T00:00:00.000Z');
  expect(c).toEqual(b);
  for (const r of [one, two, three]) expect(await hashSnapshotGrants(store, r.snapshot.id)).toBe(r.snapshot.contentHash);

  // A pull that removes too much is quarantined: held whole, the current state unchanged, appliable on acceptance.
  const four = await syncOf(second.slice(0, 10));
  expect(four.snapshot.status).toBe('quarantined');
  expect((await store.snapshots.current('wallet'))?.id).toBe(three.snapshot.id);
  expect(await pulled(three.snapshot.id)).toEqual(b);
  expect([...(await pulled(four.snapshot.id)).keys()].sort()).toEqual(second.slice(0, 10).map((r) => r.accountId).sort());
  expect(await hashSnapshotGrants(store, four.snapshot.id)).toBe(four.snapshot.contentHash);
});
