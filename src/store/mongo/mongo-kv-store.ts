import type { Connection } from 'mongoose';
import type { KvChange, KvStore, LedgerEvents } from '../ports.js';
import { asString } from './filter-value.js';
import { withLedger } from './ledger-transaction.js';
import type { MongoModels } from './mongo-models.js';

export class MongoKvStore implements KvStore {
  constructor(
    private readonly connection: Connection,
    private readonly models: MongoModels,
  ) {}

  async get(key: string): Promise<string | null> {
    const doc = await this.models.kv.findById(asString(key, 'key')).lean();
    return doc ? doc.value : null;
  }

  async set(key: string, value: string): Promise<void> {
    await this.models.kv.updateOne({ _id: asString(key, 'key') }, { $set: { value: asString(value, 'value') } }, { upsert: true });
  }

  async setMany(values: Readonly<Record<string, string>>, events: LedgerEvents<readonly KvChange[]>): Promise<KvChange[]> {
    const { value } = await withLedger(this.connection, this.models, async (session) => {
      // Values already stored are no change (read in the transaction: a concurrent setter conflicts).
      const changes: KvChange[] = [];
      for (const [key, value] of Object.entries(values)) {
        const doc = await this.models.kv.findById(asString(key, 'key')).session(session).lean();
        const previous = doc ? doc.value : null;
        if (previous === value) continue;
        await this.models.kv.updateOne({ _id: key }, { $set: { value: asString(value, 'value') } }, { upsert: true, session });
        changes.push({ key, value, previous });
      }
      return { value: changes, events: changes.length > 0 ? events(changes) : [] };
    });
    return value;
  }
}
