import type { ClientSession, Model } from 'mongoose';
import { markKey } from '../delivery-mark.js';
import type { Delivery, DeliveryExpected, DeliveryFilter, DeliveryKind, DeliveryPatch, DeliveryState } from '../ports.js';
import type { DeliveryDoc } from './delivery-schema.js';
import { asString, operator } from './filter-value.js';

/**
 * claim() as one upsert: the filter matches only a failed delivery (a retry claims it again,
 * keeping attempts and error); a missing one is inserted from `$setOnInsert`; any other stored
 * state (claimed, sent) makes the insert hit the `_id` index, a duplicate key error the store
 * reads as "already claimed". The filter is not an equality on the unique key alone, so the
 * server never turns that error into a retry as an update.
 */
export function claimFilter(id: string) {
  return { _id: asString(id, 'delivery id'), state: 'failed' as const };
}

export function claimUpdate(d: Delivery) {
  return {
    $set: { state: 'claimed' as const, updatedAt: d.updatedAt },
    $setOnInsert: {
      campaignId: d.campaignId,
      recipient: d.recipient,
      kind: d.kind,
      key: d.key,
      channel: d.channel,
      ts: d.ts,
      attempts: d.attempts,
      error: d.error,
      payload: d.payload,
    },
  };
}

/** claim(): matched (a retry of a failed one) or upserted means claimed; a duplicate key error means not. */
export function claimDeliveryQuery(deliveries: Model<DeliveryDoc>, d: Delivery) {
  return deliveries.updateOne(claimFilter(d.id), claimUpdate(d), { upsert: true });
}

/**
 * update()'s compare-and-set: the delivery with this id, in the expected state and, with
 * `unmarked`, without that payload key (absent, as SQLite's json_type(...) IS NULL).
 */
export function deliveryUpdateFilter(id: string, expected: DeliveryExpected) {
  return {
    _id: asString(id, 'delivery id'),
    state: asString(expected.state, 'state') as DeliveryState,
    ...(expected.unmarked === undefined ? {} : { [`payload.${markKey(expected.unmarked)}`]: operator({ $exists: false }) }),
  };
}

/**
 * One delivery's compare-and-set update inside a ledger transaction: resolves to the delivery
 * as updated, or null when it was missing or not as expected (then nothing was written).
 */
export function updateDeliveryQuery(deliveries: Model<DeliveryDoc>, id: string, expected: DeliveryExpected, patch: DeliveryPatch, session: ClientSession | null) {
  return deliveries.findOneAndUpdate(deliveryUpdateFilter(id, expected), deliveryPatchUpdate(patch), { session, returnDocument: 'after', runValidators: true });
}

/** update(): sets exactly the fields the patch names, and updatedAt. */
export function deliveryPatchUpdate(patch: DeliveryPatch) {
  const $set: Partial<Omit<Delivery, 'id'>> = { updatedAt: patch.updatedAt };
  if (patch.state !== undefined) $set.state = patch.state;
  if (patch.channel !== undefined) $set.channel = patch.channel;
  if (patch.ts !== undefined) $set.ts = patch.ts;
  if (patch.attempts !== undefined) $set.attempts = patch.attempts;
  if (patch.error !== undefined) $set.error = patch.error;
  if (patch.payload !== undefined) $set.payload = patch.payload;
  return { $set };
}

/** list()'s filter; `showingItems`: payload.itemIds an array holding one of them ($elemMatch matches arrays only, as SQLite's json_type check), through the multikey index. */
export function deliveryListFilter(filter: DeliveryFilter) {
  return {
    ...(filter.showingItems === undefined ? {} : { 'payload.itemIds': operator({ $elemMatch: { $in: filter.showingItems.map((id) => asString(id, 'item id')) } }) }),
    ...(filter.campaignId === undefined ? {} : { campaignId: asString(filter.campaignId, 'campaignId') }),
    ...(filter.recipient === undefined ? {} : { recipient: asString(filter.recipient, 'recipient') }),
    ...(filter.kind === undefined ? {} : { kind: asString(filter.kind, 'kind') as DeliveryKind }),
    ...(filter.state === undefined ? {} : { state: asString(filter.state, 'state') as DeliveryState }),
  };
}
