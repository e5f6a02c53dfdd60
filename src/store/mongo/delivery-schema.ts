import mongoose from 'mongoose';
import type { Delivery, DeliveryKind, DeliveryState } from '../ports.js';
import { collectionOptions, json, nullableString, oneOf, presentString, requiredNumber, requiredString, stringId, timestamp } from './schema-fields.js';

export const DELIVERY_KINDS = ['review', 'reminder', 'escalation', 'notice'] as const satisfies readonly DeliveryKind[];
export const DELIVERY_STATES = ['claimed', 'sent', 'failed'] as const satisfies readonly DeliveryState[];

/** `deliveries`: `_id` is the delivery id (`${campaignId}|${recipient}|${kind}|${key}`). */
export interface DeliveryDoc extends Omit<Delivery, 'id'> {
  _id: string;
}

export const deliverySchema = new mongoose.Schema<DeliveryDoc>(
  {
    _id: stringId,
    campaignId: requiredString,
    recipient: requiredString,
    kind: oneOf(DELIVERY_KINDS),
    key: presentString('key'),
    state: oneOf(DELIVERY_STATES),
    channel: nullableString,
    ts: nullableString,
    attempts: requiredNumber,
    error: nullableString,
    updatedAt: timestamp,
    payload: json,
  },
  collectionOptions('deliveries'),
);
// The rule the id spells out, held by the fields themselves (the id's separator could be ambiguous).
deliverySchema.index({ campaignId: 1, recipient: 1, kind: 1, key: 1 }, { unique: true });
deliverySchema.index({ recipient: 1, kind: 1 });
deliverySchema.index({ kind: 1, state: 1 });
// The review pages showing an item (list({ showingItems })): a multikey index over payload.itemIds.
deliverySchema.index({ campaignId: 1, 'payload.itemIds': 1 });

export function deliveryDoc(d: Delivery): DeliveryDoc {
  const { id, ...rest } = toDelivery({ ...d, _id: d.id });
  return { _id: id, ...rest };
}

export function toDelivery(d: DeliveryDoc): Delivery {
  return {
    id: d._id,
    campaignId: d.campaignId,
    recipient: d.recipient,
    kind: d.kind,
    key: d.key,
    state: d.state,
    channel: d.channel,
    ts: d.ts,
    attempts: d.attempts,
    error: d.error,
    updatedAt: d.updatedAt,
    payload: d.payload,
  };
}
