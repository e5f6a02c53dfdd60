/**
 * Field definitions shared by the collection schemas. Every stored value is a string,
 * number, boolean or plain JSON exactly as the domain types hold it: timestamps stay ISO
 * strings (never Date), so what is read back equals what was written.
 */
import mongoose from 'mongoose';

/**
 * Options of every collection schema: unknown paths are errors (in documents, updates and
 * filters alike); no `__v` (documents are never saved through mongoose's change tracking);
 * empty objects are kept (a ledger event's `{}` is hashed, dropping it would break the chain);
 * indexes and collections are created explicitly when the store opens.
 */
export function collectionOptions(collection: string) {
  return {
    collection,
    strict: 'throw',
    strictQuery: 'throw',
    versionKey: false,
    minimize: false,
    id: false,
    autoIndex: false,
    autoCreate: false,
  } as const;
}

/** Options of embedded documents (findings inside review items and decisions). */
export const embeddedOptions = { _id: false, strict: 'throw', minimize: false, id: false } as const;

/** The caller-supplied (derived) id: a non-empty string. */
export const stringId = { type: String, required: true } as const;

/** A non-empty string: ids, hashes, names the engine derives. */
export const requiredString = { type: String, required: true } as const;

/** One of a fixed set of values. */
export function oneOf(values: readonly string[]) {
  return { type: String, required: true, enum: [...values] };
}

/** Engine timestamps: `Date#toISOString()` and the like, always in UTC. */
export const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export const timestamp = { type: String, required: true, match: ISO_TIMESTAMP } as const;

/** A timestamp that may be null (finishedAt, closedAt, resolvedAt...). */
export const nullableTimestamp = { type: String, default: null, match: ISO_TIMESTAMP } as const;

/** A string that may be null; null (not absent) is what the domain stores. */
export const nullableString = { type: String, default: null } as const;

/**
 * A string that must be present but may be empty (a grant's scope is '' when the system has
 * none; values reported by connectors are free text). mongoose's plain `required` rejects '',
 * so the requirement is conditional: it applies only while the value is not a string.
 */
export function presentString(path: string) {
  // `this` is the document (top-level paths have getters) or, in Model.validate(), the plain object.
  const missing = function (this: unknown): boolean {
    return typeof (this as Record<string, unknown>)[path] !== 'string';
  };
  return { type: String, required: [missing, `Path \`${path}\` is required.`] as [(this: unknown) => boolean, string] };
}

/** Any JSON value: finding evidence, delivery payloads, ledger event data. */
export const json = { type: mongoose.Schema.Types.Mixed, required: true } as const;

export const requiredNumber = { type: Number, required: true } as const;

export const requiredBoolean = { type: Boolean, required: true } as const;

/** An array of strings ([] when empty, never absent). */
export const stringList = { type: [String], default: () => [] } as const;
