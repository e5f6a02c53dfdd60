/**
 * The store contract against MongoDB. Needs a replica set (a single-node one is enough:
 * `mongod --replSet rs0` + `rs.initiate()`), named by MONGODB_URI; without it the suite is
 * skipped, since no MongoDB server can be installed on the development machines. Every test
 * gets a database of its own, dropped when the test closes its store.
 */
import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMongoStore } from '../../src/store/mongo/mongo-store.js';
import type { LedgerEventInput, ReviewItem } from '../../src/domain/index.js';
import type { Store } from '../../src/store/ports.js';
import { MONGODB_SUITE, suiteTitle } from '../helpers/optional-suites.js';
import { campaignLedgerContract } from './campaign-ledger-contract.js';
import { deliveriesLedgerContract } from './deliveries-ledger-contract.js';
import { findingLedgerContract } from './finding-ledger-contract.js';
import { kvLedgerContract } from './kv-ledger-contract.js';
import { snapshotDeltaContract } from './snapshot-delta-contract.js';
import { snapshotIdentityContract } from './snapshot-identity-contract.js';
import { snapshotLedgerContract } from './snapshot-ledger-contract.js';
import { findingRemediationsLedgerContract } from './finding-remediations-ledger-contract.js';
import { remediationLedgerContract } from './remediation-ledger-contract.js';
import { countContract } from './count-contract.js';
import { at, batchesOf, campaign, grant, item } from './store-fixtures.js';
import { storeContract } from './store-contract.js';
import { StoreLifecycle } from './store-lifecycle.js';

const uri = process.env.MONGODB_URI;

/** A store on a fresh database (iam_review_test_<random>), dropped on close. */
async function openFreshStore(mongoUri: string): Promise<Store> {
  const dbName = `iam_review_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const store = await openMongoStore({ uri: mongoUri, dbName, serverSelectionTimeoutMS: 5_000 });
  return {
    ...store,
    async close() {
      await store.close();
      const admin = await mongoose.createConnection(mongoUri, { dbName }).asPromise();
      try {
        await admin.dropDatabase();
      } finally {
        await admin.close();
      }
    },
  };
}

describe.skipIf(!MONGODB_SUITE.available)(suiteTitle(MONGODB_SUITE), () => {
  storeContract('mongo', () => openFreshStore(uri as string));
  campaignLedgerContract('mongo', () => openFreshStore(uri as string));
  deliveriesLedgerContract('mongo', () => openFreshStore(uri as string));
  snapshotLedgerContract('mongo', () => openFreshStore(uri as string));
  snapshotDeltaContract('mongo', () => openFreshStore(uri as string));
  snapshotIdentityContract('mongo', () => openFreshStore(uri as string));
  findingLedgerContract('mongo', () => openFreshStore(uri as string));
  kvLedgerContract('mongo', () => openFreshStore(uri as string));
  remediationLedgerContract('mongo', () => openFreshStore(uri as string));
  countContract('mongo', () => openFreshStore(uri as string));
  findingRemediationsLedgerContract('mongo', () => openFreshStore(uri as string));

  describe('mongo: a direct ledger append is idempotent (keyed-append.ts)', () => {
    let store: Store;
    const lifecycle = new StoreLifecycle();
    beforeEach(async () => {
      store = await lifecycle.open(() => openFreshStore(uri as string));
    });
    afterEach(async () => {
      await lifecycle.close();
    });

    const refusal = (n: number): LedgerEventInput => ({ type: 'test.refused', actor: 'U1', subject: `item-${n}`, data: { n }, at: `2026-12-06T12:00:0${n}.000Z` });
    const stored = async () => (await batchesOf(store.ledger.read())).flat();

    it('a retry of the same timed inputs (the outcome of the first commit unknown) returns the first events and stores nothing', async () => {
      const first = await store.ledger.append([refusal(1), refusal(2)]);
      const retry = await store.ledger.append([refusal(1), refusal(2)]);
      expect(retry).toEqual(first);
      expect(await stored()).toEqual(first);
      // Other inputs are another append.
      const next = await store.ledger.append([refusal(1)]);
      expect(next.map((e) => e.seq)).toEqual([3]);
    });

    it('concurrent retries store the append once and all return it', async () => {
      await store.ledger.append([refusal(9)]);
      const results = await Promise.all(Array.from({ length: 5 }, () => store.ledger.append([refusal(1), refusal(2)])));
      for (const result of results) expect(result).toEqual(results[0]);
      expect((await stored()).map((e) => e.seq)).toEqual([1, 2, 3]);
    });

    it('inputs without at: each call is its own append, even with equal content', async () => {
      const input = { type: 'test.untimed', actor: 'system', subject: 's', data: {} };
      await store.ledger.append([input]);
      await store.ledger.append([input]);
      expect((await stored()).map((e) => e.seq)).toEqual([1, 2]);
    });
  });

  describe('mongo: closing a large campaign expires its pending items in chunks (expirePending)', () => {
    let store: Store;
    const lifecycle = new StoreLifecycle();
    beforeEach(async () => {
      store = await lifecycle.open(() => openFreshStore(uri as string));
    });
    afterEach(async () => {
      await lifecycle.close();
    });

    it('2,500 pending items: one transaction per 1,000, each with its events; a failed chunk keeps the earlier ones, and the next call continues', async () => {
      const c = (await store.campaigns.create(campaign('quarterly', '2026-Q1'))).campaign;
      const items = Array.from({ length: 2_500 }, (_, n) => item(c, grant('vault', `acct-${String(n).padStart(4, '0')}`, 'reader'), 'mgr-1'));
      for (let i = 0; i < items.length; i += 1_000) await store.campaigns.addItems(items.slice(i, i + 1_000), () => []);
      const chunks: number[] = [];
      const expired = (page: readonly ReviewItem[]) => {
        chunks.push(page.length);
        if (chunks.length === 2) throw new Error('injected: crash in the second chunk');
        return page.map((x) => ({ type: 'item.expired', actor: 'test', subject: x.id, data: {} }));
      };
      await expect(store.campaigns.expirePending(c.id, at(50), expired)).rejects.toThrow(/injected/);
      expect(await store.campaigns.items(c.id, { state: 'pending' })).toHaveLength(1_500);
      expect(await store.ledger.query({ type: 'item.expired' })).toHaveLength(1_000);

      expect(await store.campaigns.expirePending(c.id, at(51), expired)).toBe(1_500);
      expect(chunks.slice(2)).toEqual([1_000, 500]);
      expect(await store.campaigns.items(c.id, { state: 'pending' })).toEqual([]);
      const events = await store.ledger.query({ type: 'item.expired' });
      expect(new Set(events.map((e) => e.subject)).size).toBe(2_500);
      expect(events).toHaveLength(2_500);
    });
  });
});
