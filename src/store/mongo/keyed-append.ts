import { createHash } from 'node:crypto';
import { canonicalJson } from '../../domain/index.js';
import type { LedgerEventInput } from '../../domain/index.js';

/** One direct append (MongoLedgerStore.append): the inputs as chained, and the key stored with them. */
export interface KeyedAppend {
  /** The inputs, each with its `at` (an omitted one is the time of the call, fixed for every attempt). */
  inputs: LedgerEventInput[];
  /** 64 hex digits, stored on the append's first event (unique index on ledger_events.appendKey). */
  key: string;
}

/**
 * The idempotency key of an append: the SHA-256 of its inputs in order (type, actor, subject,
 * at, and data as canonical JSON, so the order of data's keys does not matter).
 *
 * - Inputs that all name their `at` (AuditLog's always do) are the whole identity of the
 *   append: a caller that retries an append whose commit outcome stayed unknown, with the same
 *   inputs, gets the same key, and the retry returns the events stored the first time instead of
 *   storing them again. Two appends of equal inputs at the same `at` are one append.
 * - An input without `at` gets the time of this call, and the key also covers `callId` (unique
 *   per call): the driver's re-runs of this call's transaction find it, a later call never does.
 */
export function keyedAppend(inputs: readonly LedgerEventInput[], now: Date, callId: string): KeyedAppend {
  const timed = inputs.every((input) => input.at !== undefined);
  const at = now.toISOString();
  const stamped = inputs.map((input) => ({ type: input.type, actor: input.actor, subject: input.subject, data: input.data, at: input.at ?? at }));
  const hash = createHash('sha256').update('ledger-append\n').update(canonicalJson(stamped));
  if (!timed) hash.update(`\ncall ${callId}`);
  return { inputs: stamped, key: hash.digest('hex') };
}
