import type { KvStore } from '../ports.js';
import { asString } from './filter-value.js';
import type { MongoModels } from './mongo-models.js';

export class MongoKvStore implements KvStore {
  constructor(private readonly models: MongoModels) {}

  async get(key: string): Promise<string | null> {
    const doc = await this.models.kv.findById(asString(key, 'key')).lean();
    return doc ? doc.value : null;
  }

  async set(key: string, value: string): Promise<void> {
    await this.models.kv.updateOne({ _id: asString(key, 'key') }, { $set: { value: asString(value, 'value') } }, { upsert: true });
  }
}
