/**
 * The MongoDB delivery outcome (update / updateMany), checked without a server: each delivery
 * is one conditional findOneAndUpdate in the ledger transaction's session, whose filter is the
 * compare-and-set of DeliveryExpected and whose result says whether this call changed it.
 */
import mongoose from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import { deliveryListFilter, deliveryUpdateFilter, updateDeliveryQuery } from '../../src/store/mongo/delivery-queries.js';
import { deliverySchema } from '../../src/store/mongo/delivery-schema.js';
import { createModels } from '../../src/store/mongo/mongo-models.js';
import { at } from './store-fixtures.js';

const connection = mongoose.createConnection();
const models = createModels(connection);

afterAll(async () => {
  await connection.close();
});

describe('delivery outcome queries', () => {
  it('an outcome is one findOneAndUpdate of the delivery in the expected state, returning it as updated', () => {
    const query = updateDeliveryQuery(models.deliveries, 'c1|U01|review|1', { state: 'claimed' }, { state: 'sent', ts: '1.2', updatedAt: at(1) }, null);
    expect((query as unknown as { op: string }).op).toBe('findOneAndUpdate');
    expect(query.getFilter()).toEqual({ _id: 'c1|U01|review|1', state: 'claimed' });
    expect(query.getUpdate()).toEqual({ $set: { state: 'sent', ts: '1.2', updatedAt: at(1) } });
    expect(query.getOptions()).toMatchObject({ returnDocument: 'after', runValidators: true });
  });

  it('a one-time mark requires the payload key to be absent, with an operator sanitizeFilter keeps', () => {
    const filter = deliveryUpdateFilter('c1|U01|review|1', { state: 'sent', unmarked: 'closedShownAt' });
    expect(structuredClone(filter)).toEqual({ _id: 'c1|U01|review|1', state: 'sent', 'payload.closedShownAt': { $exists: false } });
    const before = JSON.stringify(filter);
    expect(JSON.stringify(mongoose.sanitizeFilter(filter))).toBe(before);
  });

  it('the pages showing items: payload.itemIds an array with one of them ($elemMatch: a scalar itemIds does not match), through a declared multikey index', () => {
    const filter = deliveryListFilter({ campaignId: 'c1', kind: 'review', state: 'sent', showingItems: ['i1', 'i2'] });
    expect(structuredClone(filter)).toEqual({ campaignId: 'c1', kind: 'review', state: 'sent', 'payload.itemIds': { $elemMatch: { $in: ['i1', 'i2'] } } });
    expect(JSON.stringify(mongoose.sanitizeFilter(filter))).toBe(JSON.stringify(filter));
    expect(deliverySchema.indexes().map(([fields]) => fields)).toContainEqual({ campaignId: 1, 'payload.itemIds': 1 });
    expect(() => deliveryListFilter({ showingItems: [{ $ne: null } as unknown as string] })).toThrow(/item id must be a string/);
    expect(structuredClone(deliveryListFilter({ campaignId: 'c1' }))).toEqual({ campaignId: 'c1' });
  });

  it('refuses a mark key that is not a plain identifier, and values that are not strings', () => {
    for (const key of ['a.b', '$where', 'payload"', '']) expect(() => deliveryUpdateFilter('d', { state: 'sent', unmarked: key })).toThrow(/plain identifier/);
    expect(() => deliveryUpdateFilter({ $ne: null } as unknown as string, { state: 'sent' })).toThrow(/delivery id must be a string/);
    expect(() => deliveryUpdateFilter('d', { state: { $ne: null } as never })).toThrow(/state must be a string/);
  });
});
