/**
 * events.csv of an evidence pack: one row per ledger event of the pack's range, in seq order.
 * Two kinds of row (docs/evidence.md gives the recipe an auditor re-implements):
 *   - a full row: every field of the event, `data` as the canonical JSON the ledger hashed, so
 *     its hash can be recomputed from the row alone;
 *   - a link-only row (an event of the range that does not belong to the pack: pack-events.ts):
 *     seq, prev_hash and hash, every other field empty, so the chain still links row to row and
 *     nothing of the event leaks.
 *
 * Text fields are escaped against spreadsheet formulas in a reversible way: a field starting
 * with `'`, = + - @ TAB CR (or the full-width = + - @) gets one `'` in front, and a reader drops
 * one leading `'`. (decisions.csv's escaping leaves a leading `'` alone, which cannot be undone.)
 */
import { chainHash, eventBody } from '../domain/index.js';
import type { LedgerEvent } from '../domain/index.js';
import { canonicalJson } from '../domain/index.js';
import { csvLine } from './csv-line.js';
import type { Pseudonymizer } from './pseudonymizer.js';
import { keepPersonalData } from './pseudonymizer.js';

export const EVENT_COLUMNS = ['seq', 'at', 'type', 'actor', 'subject', 'prev_hash', 'hash', 'data'] as const;

/** Actors that are the tool itself, not people: kept as they are when pseudonymizing. */
const SYSTEM_ACTORS = new Set(['system', 'scheduler', 'demo', 'slack', 'cli']);

/** ' = + - @ TAB CR, and the full-width = + - @ (U+FF1D, U+FF0B, U+FF0D, U+FF20). */
const ESCAPED_START = /^['=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/;

/** A text field as events.csv writes it: one `'` in front when it starts with one of ESCAPED_START. */
export function escapeEventField(s: string): string {
  return ESCAPED_START.test(s) ? `'${s}` : s;
}

/** The field's value: one leading `'` dropped (events.csv writes one in front of every field starting with `'`). */
export function unescapeEventField(s: string): string {
  return s.startsWith("'") ? s.slice(1) : s;
}

/**
 * A full row. Pseudonymized, actor, subject and data are the pseudonyms (the hash is then no
 * longer recomputable). `storedJson`, the event's data as the store keeps it (readStored), is
 * written as it is when not pseudonymizing: an append stores the canonical JSON it hashed, so
 * it is that text without a parse and re-serialisation, and a row edited in the database is
 * written as it now reads (its hash then shows the edit).
 */
export function eventCsvLine(e: LedgerEvent, p: Pseudonymizer, storedJson?: string): string {
  const actor = SYSTEM_ACTORS.has(e.actor) ? e.actor : (p.value(e.actor) ?? '');
  const data = storedJson !== undefined && p === keepPersonalData ? storedJson : canonicalJson(p.json(e.data));
  const fields = [e.at, e.type, actor, p.text(e.subject) ?? '', e.prevHash, e.hash, data];
  // csvLine's formula escaping never fires: every escapable field already starts with `'`.
  return csvLine([e.seq, ...fields.map(escapeEventField)]);
}

/** A link-only row: seq, prev_hash and hash of an event that does not belong to the pack. */
export function linkOnlyCsvLine(e: Pick<LedgerEvent, 'seq' | 'prevHash' | 'hash'>): string {
  return csvLine([e.seq, '', '', '', '', e.prevHash, e.hash, '']);
}

/** One parsed row of events.csv (fields unescaped). `full` is false for a link-only row (empty type). */
export interface EventCsvRow {
  seq: string;
  at: string;
  type: string;
  actor: string;
  subject: string;
  prevHash: string;
  hash: string;
  data: string;
  full: boolean;
}

export function eventCsvRow(record: Record<string, string>): EventCsvRow {
  const f = (name: (typeof EVENT_COLUMNS)[number]) => unescapeEventField(record[name] ?? '');
  const type = f('type');
  return { seq: record.seq ?? '', at: f('at'), type, actor: f('actor'), subject: f('subject'), prevHash: f('prev_hash'), hash: f('hash'), data: f('data'), full: type !== '' };
}

/**
 * The hash a full row's fields give: SHA-256 of the ledger's event body (data taken verbatim,
 * it is the canonical JSON the ledger hashed) followed by prev_hash. Equals the row's hash
 * exactly when the row is the ledger's event unchanged.
 */
export function rowHash(row: EventCsvRow): string {
  // `data: {}` only satisfies the type: with dataJson given, eventBody writes dataJson as is.
  return chainHash(eventBody({ seq: Number(row.seq), at: row.at, type: row.type, actor: row.actor, subject: row.subject, data: {} }, row.data), row.prevHash);
}
