import type { AnyBulkWriteOperation } from 'mongoose';
import { asString } from './filter-value.js';

/**
 * Options of every bulk write: unordered (the operations are independent upserts, so one
 * failure need not stop the rest), and an operation mongoose cannot cast (a wrong type, a
 * path the schema lacks) fails the call instead of being skipped silently.
 *
 * Bulk upserts are cast but not validated (no enum or required checks): validation costs about
 * 60 µs a document, a minute for a 1M-grant snapshot, and the documents are built field by
 * field from typed domain values by the mappers. Single-document writes are validated.
 */
export const BULK_WRITE_OPTIONS = { ordered: false, throwOnValidationError: true } as const;

/** Inserts the document unless one with its `_id` exists, in which case nothing changes (first wins). */
export function insertIfAbsent<T extends { _id: string }>(doc: T): AnyBulkWriteOperation<T> {
  const { _id, ...fields } = doc;
  return { updateOne: { filter: { _id: asString(_id, '_id') }, update: { $setOnInsert: fields }, upsert: true } } as AnyBulkWriteOperation<T>;
}

/** Inserts the document or overwrites every field of the stored one (last wins). */
export function upsertLastWins<T extends { _id: string }>(doc: T): AnyBulkWriteOperation<T> {
  const { _id, ...fields } = doc;
  return { updateOne: { filter: { _id: asString(_id, '_id') }, update: { $set: fields }, upsert: true } } as AnyBulkWriteOperation<T>;
}
