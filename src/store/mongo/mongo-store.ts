import type { Store } from '../ports.js';
import { createMongoConnection, supportsTransactions } from './mongo-connection.js';
import type { MongoConnectionSettings } from './mongo-connection.js';
import { MongoCampaignStore } from './mongo-campaign-store.js';
import { MongoDeliveryStore } from './mongo-delivery-store.js';
import { MongoFindingStore } from './mongo-finding-store.js';
import { MongoIdentityStore } from './mongo-identity-store.js';
import { MongoKvStore } from './mongo-kv-store.js';
import { MongoLedgerStore } from './mongo-ledger-store.js';
import { MongoRemediationStore } from './mongo-remediation-store.js';
import { createModels } from './mongo-models.js';
import { unreachableError } from './unreachable-error.js';
import type { MongoModels } from './mongo-models.js';
import { MongoSchedulerStore } from './mongo-scheduler-store.js';
import { MongoSlackUserStore } from './mongo-slack-user-store.js';
import { MongoSnapshotStore } from './mongo-snapshot-store.js';

export interface MongoStoreOptions extends MongoConnectionSettings {
  /** A mongodb:// or mongodb+srv:// URI (a secret: it is never echoed in errors). */
  uri: string;
}

/**
 * The production store: one mongoose connection shared by every port. Opening connects (a
 * failure names the servers tried and why, never the URI: unreachable-error.ts),
 * checks that the deployment is a replica set or sharded cluster (the ledger appends in
 * transactions, which need one, as do retryable writes; a single-node replica set is enough
 * for development), then creates every collection and its indexes (the unique ones carry the
 * idempotency rules, so the store does not start without them).
 *
 * The ledger is append-only through this adapter; in production give the application's
 * database user a role without `update` and `remove` on `ledger_events` as well.
 */
export async function openMongoStore(options: MongoStoreOptions): Promise<Store> {
  const { uri, ...settings } = options;
  const connection = createMongoConnection(uri, settings);
  try {
    await connection.asPromise().catch((error: unknown) => {
      throw unreachableError(uri, error);
    });
    const hello = await connection.db?.command({ hello: 1 });
    if (!hello || !supportsTransactions(hello)) {
      throw new Error('the MongoDB store needs a replica set or a sharded cluster (transactions, retryable writes); this server is standalone');
    }
    const models = createModels(connection);
    await prepareCollections(models);
    return {
      kind: 'mongo',
      snapshots: new MongoSnapshotStore(connection, models),
      identities: new MongoIdentityStore(models),
      findings: new MongoFindingStore(connection, models),
      campaigns: new MongoCampaignStore(connection, models),
      remediations: new MongoRemediationStore(connection, models),
      deliveries: new MongoDeliveryStore(connection, models),
      scheduler: new MongoSchedulerStore(models),
      slackUsers: new MongoSlackUserStore(models),
      ledger: new MongoLedgerStore(connection, models),
      kv: new MongoKvStore(connection, models),
      async close() {
        await connection.close();
      },
    };
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Creates each collection (so that no write, in a transaction or not, creates one implicitly)
 * and the indexes its schema declares. createIndexes only adds: an index whose definition
 * changed fails here with a conflict instead of being dropped and rebuilt unnoticed.
 */
export async function prepareCollections(models: MongoModels): Promise<void> {
  await Promise.all(
    Object.values(models).map(async (model) => {
      await model.createCollection();
      await model.createIndexes();
    }),
  );
}
