import type Database from 'better-sqlite3';
import type { KvChange, KvStore, LedgerEvents } from '../ports.js';
import type { LedgerAppender } from './ledger-appender.js';

export class SqliteKvStore implements KvStore {
  private readonly selectValue;
  private readonly upsertValue;
  private readonly setManyTx;

  constructor(
    db: Database.Database,
    private readonly appendLedger: LedgerAppender,
  ) {
    this.selectValue = db.prepare<[string], string>('SELECT value FROM kv WHERE key = ?').pluck();
    this.upsertValue = db.prepare<[string, string]>(
      'INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    // The values and their events commit together; values already stored are no change.
    this.setManyTx = db.transaction((values: Readonly<Record<string, string>>, events: LedgerEvents<readonly KvChange[]>): KvChange[] => {
      const changes: KvChange[] = [];
      for (const [key, value] of Object.entries(values)) {
        const previous = this.selectValue.get(key) ?? null;
        if (previous === value) continue;
        this.upsertValue.run(key, value);
        changes.push({ key, value, previous });
      }
      if (changes.length > 0) this.appendLedger(events(changes));
      return changes;
    });
  }

  async get(key: string): Promise<string | null> {
    return this.selectValue.get(key) ?? null;
  }

  async set(key: string, value: string): Promise<void> {
    this.upsertValue.run(key, value);
  }

  async setMany(values: Readonly<Record<string, string>>, events: LedgerEvents<readonly KvChange[]>): Promise<KvChange[]> {
    return this.setManyTx.immediate(values, events);
  }
}
