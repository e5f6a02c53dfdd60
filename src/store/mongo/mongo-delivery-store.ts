import type { Connection } from 'mongoose';
import type { Delivery, DeliveryExpected, DeliveryFilter, DeliveryPatch, DeliveryStore, LedgerEvents } from '../ports.js';
import { claimDeliveryQuery, deliveryListFilter, updateDeliveryQuery } from './delivery-queries.js';
import { deliveryDoc, toDelivery } from './delivery-schema.js';
import { isDuplicateKeyError } from './duplicate-key.js';
import { asString } from './filter-value.js';
import { withLedger } from './ledger-transaction.js';
import type { MongoModels } from './mongo-models.js';

/**
 * Outgoing messages, claimed before sending so that a message goes out at most once. An
 * outcome and its ledger events are one transaction (withLedger): each conditional
 * findOneAndUpdate in the session says whether that delivery changed, and only those that
 * did are handed to `events`.
 */
export class MongoDeliveryStore implements DeliveryStore {
  constructor(
    private readonly connection: Connection,
    private readonly models: MongoModels,
  ) {}

  async claim(delivery: Delivery): Promise<boolean> {
    await this.models.deliveries.validate(deliveryDoc({ ...delivery, state: 'claimed' }));
    try {
      const result = await claimDeliveryQuery(this.models.deliveries, delivery);
      return result.matchedCount === 1 || result.upsertedCount === 1;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async update(id: string, expected: DeliveryExpected, patch: DeliveryPatch, events: LedgerEvents<Delivery>): Promise<Delivery | null> {
    const [changed] = await this.updateMany([id], expected, patch, ([d]) => events(d!));
    return changed ?? null;
  }

  async updateMany(ids: readonly string[], expected: DeliveryExpected, patch: DeliveryPatch, events: LedgerEvents<readonly Delivery[]>): Promise<Delivery[]> {
    const unique = [...new Set(ids)];
    const { value } = await withLedger(this.connection, this.models, async (session) => {
      const changed: Delivery[] = [];
      for (const id of unique) {
        const doc = await updateDeliveryQuery(this.models.deliveries, id, expected, patch, session).lean();
        if (doc) changed.push(toDelivery(doc));
      }
      return { value: changed, events: changed.length > 0 ? events(changed) : [] };
    });
    return value;
  }

  async get(id: string): Promise<Delivery | null> {
    const doc = await this.models.deliveries.findById(asString(id, 'delivery id')).lean();
    return doc ? toDelivery(doc) : null;
  }

  async list(filter: DeliveryFilter): Promise<Delivery[]> {
    const docs = await this.models.deliveries.find(deliveryListFilter(filter)).sort({ _id: 1 }).lean();
    return docs.map(toDelivery);
  }
}
