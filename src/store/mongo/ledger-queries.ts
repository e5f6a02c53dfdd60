import { chainEvent } from '../../domain/index.js';
import type { LedgerEvent, LedgerEventInput } from '../../domain/index.js';
import type { LedgerStore } from '../ports.js';
import { asInteger, asString, operator } from './filter-value.js';

type LedgerQuery = Parameters<LedgerStore['query']>[0];

/** The events of one append, chained onto `head` in order (seq head+1, head+2, ...) by the domain's chainEvent. */
export function chainEvents(inputs: readonly LedgerEventInput[], head: { seq: number; hash: string } | null, now?: () => Date): LedgerEvent[] {
  const events: LedgerEvent[] = [];
  let previous = head;
  for (const input of inputs) {
    const event = chainEvent(input, previous, now);
    events.push(event);
    previous = event;
  }
  return events;
}

/** read(): seq in [from, to]; after a page, the seqs after its last one. */
export function seqRangeFilter(from: number, to: number, after: number | null) {
  const lower = after === null ? { $gte: asInteger(from, 'fromSeq', 0) } : { $gt: asInteger(after, 'seq', 0) };
  return { _id: operator({ ...lower, $lte: asInteger(to, 'toSeq', 0) }) };
}

/** append(): the first event of the append stored under `key` (the unique appendKey index). */
export function appendKeyFilter(key: string) {
  return { appendKey: asString(key, 'appendKey') };
}

/** append(): the `count` events of a stored append, from its first seq. */
export function storedAppendFilter(firstSeq: number, count: number) {
  const first = asInteger(firstSeq, 'seq', 1);
  return seqRangeFilter(first, first + asInteger(count, 'count', 1) - 1, null);
}

/** Regular-expression source matching `text` literally. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * query(): `since` inclusive, `until` exclusive (ISO strings compare in time order), `type` a
 * prefix ('campaign.' matches 'campaign.opened': an anchored literal regex, which the type
 * index serves as a range), `subject` exact.
 */
export function ledgerQueryFilter(filter: LedgerQuery) {
  const at = {
    ...(filter.since === undefined ? {} : { $gte: asString(filter.since, 'since') }),
    ...(filter.until === undefined ? {} : { $lt: asString(filter.until, 'until') }),
  };
  return {
    ...(filter.since === undefined && filter.until === undefined ? {} : { at: operator(at) }),
    ...(filter.type ? { type: new RegExp(`^${literal(asString(filter.type, 'type'))}`) } : {}),
    ...(filter.subject === undefined ? {} : { subject: asString(filter.subject, 'subject') }),
  };
}
