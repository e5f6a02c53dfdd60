/**
 * A disagreement between the state tables and the ledger, as `audit verify` and the export
 * report it: the row (table, id, field and its value) and the event (seq, type and what it
 * says). Either side may be absent: a row with no event, an event with no row.
 */
import type { LedgerEvent } from '../domain/index.js';

export interface RowRef {
  /** The state table, named as in the SQLite schema: campaigns, review_items, decisions, snapshots, system_state, findings. */
  table: string;
  id: string;
  /** The field that disagrees, or null when the row as a whole has no counterpart. */
  field: string | null;
  value?: unknown;
}

export interface EventRef {
  seq: number;
  type: string;
  /** What the event says about the field, e.g. `outcome "revoke"`. */
  says: string;
}

export interface LedgerDifference {
  row: RowRef | null;
  event: EventRef | null;
  /** One line naming both sides. */
  message: string;
}

export function rowRef(table: string, id: string, field: string | null = null, value?: unknown): RowRef {
  return field === null ? { table, id, field } : { table, id, field, value };
}

export function eventRef(e: Pick<LedgerEvent, 'seq' | 'type'>, says: string): EventRef {
  return { seq: e.seq, type: e.type, says };
}

export function show(value: unknown): string {
  return value === undefined ? '(absent)' : JSON.stringify(value);
}

function rowText(r: RowRef): string {
  const field = r.field === null ? '' : ` ${r.field} = ${show(r.value)}`;
  return `${r.table} row ${JSON.stringify(r.id)}${field}`;
}

function eventText(e: EventRef): string {
  return `ledger seq ${e.seq} ${e.type} says ${e.says}`;
}

/**
 * A difference with its message: `<row>, but <event>` when both sides exist, else the side that
 * exists and `why` (what is missing on the other side).
 */
export function difference(row: RowRef | null, event: EventRef | null, why?: string): LedgerDifference {
  const parts: string[] = [];
  if (row && event) parts.push(`${rowText(row)}, but ${eventText(event)}`);
  else if (row) parts.push(rowText(row));
  else if (event) parts.push(eventText(event));
  if (why) parts.push(why);
  return { row, event, message: parts.join(': ') };
}

/** The differences found, the first `limit` kept in full and all counted: memory stays flat whatever their number. */
export class DifferenceList {
  readonly first: LedgerDifference[] = [];
  count = 0;

  constructor(private readonly limit = 20) {}

  add(d: LedgerDifference): void {
    this.count++;
    if (this.first.length < this.limit) this.first.push(d);
  }
}
