import type Database from 'better-sqlite3';
import type { KvStore } from '../ports.js';

export class SqliteKvStore implements KvStore {
  private readonly selectValue;
  private readonly upsertValue;

  constructor(db: Database.Database) {
    this.selectValue = db.prepare<[string], string>('SELECT value FROM kv WHERE key = ?').pluck();
    this.upsertValue = db.prepare<[string, string]>(
      'INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }

  async get(key: string): Promise<string | null> {
    return this.selectValue.get(key) ?? null;
  }

  async set(key: string, value: string): Promise<void> {
    this.upsertValue.run(key, value);
  }
}
