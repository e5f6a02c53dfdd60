/**
 * SQLite's ledger fault for the ledger contracts: a trigger on ledger_events, created through
 * a connection of the test's own, that aborts the insert of one seq (and so the transaction of
 * the change whose events it is).
 */
import Database from 'better-sqlite3';
import type { Store } from '../../src/store/ports.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { LedgerFault, OpenStore } from './ledger-fault.js';

export function sqliteWithLedgerFault(freshFile: () => string): { open: OpenStore; fault: LedgerFault } {
  const files = new WeakMap<Store, string>();
  return {
    async open() {
      const file = freshFile();
      const store = openSqliteStore({ file });
      files.set(store, file);
      return store;
    },
    async fault(store, seq) {
      const db = new Database(files.get(store)!);
      try {
        db.exec(`CREATE TRIGGER injected_ledger_fault BEFORE INSERT ON ledger_events WHEN NEW.seq = ${Number(seq)} BEGIN SELECT RAISE(ABORT, 'injected: ledger insert failed'); END`);
      } finally {
        db.close();
      }
    },
  };
}
