import type { Store } from '../ports.js';
import { createLedgerAppender } from './ledger-appender.js';
import { openDatabase, type SqliteLocation } from './open-database.js';
import { SqliteCampaignStore } from './sqlite-campaign-store.js';
import { SqliteDeliveryStore } from './sqlite-delivery-store.js';
import { SqliteFindingStore } from './sqlite-finding-store.js';
import { SqliteIdentityStore } from './sqlite-identity-store.js';
import { SqliteKvStore } from './sqlite-kv-store.js';
import { SqliteLedgerStore } from './sqlite-ledger-store.js';
import { SqliteRemediationStore } from './sqlite-remediation-store.js';
import { SqliteSchedulerStore } from './sqlite-scheduler-store.js';
import { SqliteSlackUserStore } from './sqlite-slack-user-store.js';
import { SqliteSnapshotStore } from './sqlite-snapshot-store.js';

/**
 * The embedded store: one better-sqlite3 connection (WAL, migrated on open) shared by every
 * port. Calls run synchronously inside their promise, so within one process they never
 * interleave; across processes, write transactions take the lock up front (BEGIN IMMEDIATE)
 * and wait up to the busy timeout for each other.
 */
export function openSqliteStore(location: SqliteLocation): Store {
  const db = openDatabase(location);
  // The one appender of this database: every store appends the events of its changes through it.
  const appendLedger = createLedgerAppender(db);
  return {
    kind: 'sqlite',
    snapshots: new SqliteSnapshotStore(db, appendLedger),
    identities: new SqliteIdentityStore(db),
    findings: new SqliteFindingStore(db, appendLedger),
    campaigns: new SqliteCampaignStore(db, appendLedger),
    remediations: new SqliteRemediationStore(db, appendLedger),
    deliveries: new SqliteDeliveryStore(db, appendLedger),
    scheduler: new SqliteSchedulerStore(db),
    slackUsers: new SqliteSlackUserStore(db),
    ledger: new SqliteLedgerStore(db),
    kv: new SqliteKvStore(db, appendLedger),
    async close() {
      if (db.open) db.close();
    },
  };
}
