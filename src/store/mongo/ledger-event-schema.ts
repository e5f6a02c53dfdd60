import mongoose from 'mongoose';
import type { LedgerEvent } from '../../domain/index.js';
import { canonicalJson } from '../../domain/index.js';
import type { StoredLedgerEvent } from '../ports.js';
import { collectionOptions, json, requiredString, timestamp } from './schema-fields.js';

/**
 * `ledger_events`: the hash-chained audit ledger; `_id` is `seq`, so a seq exists once and two
 * writers that chained onto the same head cannot both store their event. Append-only: the
 * schema refuses every update and delete issued through mongoose (a database role without
 * update/remove on this collection is the real guard; see openMongoStore).
 */
export interface LedgerEventDoc extends Omit<LedgerEvent, 'seq'> {
  _id: number;
  /**
   * On the first event of a direct append only (MongoLedgerStore.append, keyed-append.ts): its
   * idempotency key, so that a retry of the append finds it stored. Not part of the event
   * (not hashed, never read back into a LedgerEvent).
   */
  appendKey?: string;
}

const HASH = /^[0-9a-f]{64}$/;

export const ledgerEventSchema = new mongoose.Schema<LedgerEventDoc>(
  {
    _id: { type: Number, required: true, min: 1, validate: { validator: Number.isSafeInteger, message: 'seq must be an integer' } },
    at: timestamp,
    type: requiredString,
    actor: requiredString,
    subject: requiredString,
    data: json,
    prevHash: { type: String, required: true, match: HASH },
    hash: { type: String, required: true, match: HASH },
    appendKey: { type: String, match: HASH },
  },
  collectionOptions('ledger_events'),
);
// No two events chain onto the same predecessor: a fork is impossible even past the seq rule.
ledgerEventSchema.index({ prevHash: 1 }, { unique: true });
// An append's idempotency key once: a retried append finds its events instead of storing them twice.
ledgerEventSchema.index({ appendKey: 1 }, { name: 'one_append_per_key', unique: true, partialFilterExpression: { appendKey: { $type: 'string' } } });
// query(): by time, subject or type prefix, in seq order.
ledgerEventSchema.index({ at: 1, _id: 1 });
ledgerEventSchema.index({ subject: 1, _id: 1 });
ledgerEventSchema.index({ type: 1, _id: 1 });

/** Bulk operations other than inserts. */
const CHANGING_OPS = /^(update|delete|replace)/;

ledgerEventSchema.pre(
  ['updateOne', 'updateMany', 'deleteOne', 'deleteMany', 'replaceOne', 'findOneAndUpdate', 'findOneAndDelete', 'findOneAndReplace'],
  function () {
    throw new Error('ledger_events is append-only: updates and deletes are refused');
  },
);
ledgerEventSchema.pre('bulkWrite', function (ops) {
  if (ops.some((op) => Object.keys(op).some((name) => CHANGING_OPS.test(name)))) {
    throw new Error('ledger_events is append-only: updates and deletes are refused');
  }
});

export function ledgerEventDoc(e: LedgerEvent): LedgerEventDoc {
  return { _id: e.seq, at: e.at, type: e.type, actor: e.actor, subject: e.subject, data: e.data, prevHash: e.prevHash, hash: e.hash };
}

export function toLedgerEvent(d: LedgerEventDoc): LedgerEvent {
  return { seq: d._id, at: d.at, type: d.type, actor: d.actor, subject: d.subject, data: d.data, prevHash: d.prevHash, hash: d.hash };
}

/** An event as readStored() gives it: MongoDB keeps data as a document, whose stored form as text is its canonical JSON. */
export function toStoredLedgerEvent(d: LedgerEventDoc): StoredLedgerEvent {
  return { seq: d._id, at: d.at, type: d.type, actor: d.actor, subject: d.subject, dataJson: canonicalJson(d.data), prevHash: d.prevHash, hash: d.hash };
}
