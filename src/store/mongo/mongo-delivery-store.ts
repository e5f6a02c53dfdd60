import type { Delivery, DeliveryKind, DeliveryState, DeliveryStore } from '../ports.js';
import { claimDeliveryQuery, deliveryListFilter, deliveryPatchUpdate } from './delivery-queries.js';
import { deliveryDoc, toDelivery } from './delivery-schema.js';
import { isDuplicateKeyError } from './duplicate-key.js';
import { asString } from './filter-value.js';
import type { MongoModels } from './mongo-models.js';

/** Outgoing messages, claimed before sending so that a message goes out at most once. */
export class MongoDeliveryStore implements DeliveryStore {
  constructor(private readonly models: MongoModels) {}

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

  async update(id: string, patch: Parameters<DeliveryStore['update']>[1]): Promise<void> {
    await this.models.deliveries.updateOne({ _id: asString(id, 'delivery id') }, deliveryPatchUpdate(patch), { runValidators: true });
  }

  async get(id: string): Promise<Delivery | null> {
    const doc = await this.models.deliveries.findById(asString(id, 'delivery id')).lean();
    return doc ? toDelivery(doc) : null;
  }

  async list(filter: { campaignId?: string; recipient?: string; kind?: DeliveryKind; state?: DeliveryState }): Promise<Delivery[]> {
    const docs = await this.models.deliveries.find(deliveryListFilter(filter)).sort({ _id: 1 }).lean();
    return docs.map(toDelivery);
  }
}
