/**
 * The store contract against MongoDB. Needs a replica set (a single-node one is enough:
 * `mongod --replSet rs0` + `rs.initiate()`), named by MONGODB_URI; without it the suite is
 * skipped, since no MongoDB server can be installed on the development machines. Every test
 * gets a database of its own, dropped when the test closes its store.
 */
import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { describe } from 'vitest';
import { openMongoStore } from '../../src/store/mongo/mongo-store.js';
import type { Store } from '../../src/store/ports.js';
import { MONGODB_SUITE, suiteTitle } from '../helpers/optional-suites.js';
import { campaignLedgerContract } from './campaign-ledger-contract.js';
import { deliveriesLedgerContract } from './deliveries-ledger-contract.js';
import { findingLedgerContract } from './finding-ledger-contract.js';
import { kvLedgerContract } from './kv-ledger-contract.js';
import { snapshotLedgerContract } from './snapshot-ledger-contract.js';
import { findingRemediationsLedgerContract } from './finding-remediations-ledger-contract.js';
import { remediationLedgerContract } from './remediation-ledger-contract.js';
import { storeContract } from './store-contract.js';

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
  findingLedgerContract('mongo', () => openFreshStore(uri as string));
  kvLedgerContract('mongo', () => openFreshStore(uri as string));
  remediationLedgerContract('mongo', () => openFreshStore(uri as string));
  findingRemediationsLedgerContract('mongo', () => openFreshStore(uri as string));
});
