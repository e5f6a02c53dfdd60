/**
 * The chain check of verifyRun (domain) for events read with their data as stored text
 * (LedgerStore.readStored): the same seq, prevHash and hash checks, and the same verdict on
 * every event, without parsing and re-serialising the data of an intact one.
 *
 * The hash is defined on the canonical JSON of the data (eventBody). An append stores that very
 * text, so the stored text is hashed as it is first; only when that hash differs is the text
 * parsed and put in canonical form, which decides: a text edited into another spelling of the
 * same data still verifies (as it does through read()), other content is a modification, and a
 * text that is not JSON is unreadable. Hashing the stored text cannot pass an event the
 * canonical form fails: a match means the text is the one the append hashed.
 */
import type { ChainBreak } from '../domain/index.js';
import { chainHash, eventBody, hashEvent, verifyChain } from '../domain/index.js';
import type { StoredLedgerEvent } from '../store/ports.js';

/** Stands for the data in eventBody's other fields' checks: with the text given, eventBody writes the text. */
const TEXT_GIVEN = {};

/** Null when the event's hash is its content's, else the reason it is a break. */
export function storedEventProblem(e: StoredLedgerEvent): string | null {
  const content = { seq: e.seq, at: e.at, type: e.type, actor: e.actor, subject: e.subject, data: TEXT_GIVEN };
  if (typeof e.dataJson === 'string' && chainHash(eventBody(content, e.dataJson), e.prevHash) === e.hash) return null;
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(e.dataJson) as Record<string, unknown>;
  } catch (error) {
    return `unreadable at seq ${e.seq}: its data is not JSON (${error instanceof Error ? error.message : String(error)})`;
  }
  return hashEvent({ ...content, data }, e.prevHash) === e.hash ? null : 'content does not match its hash (modified)';
}

/** verifyRun over stored events: the first break of the run, the last intact event, how many were checked. */
export function verifyStoredRun(
  events: Iterable<StoredLedgerEvent>,
  expectedPrev: { seq: number; hash: string } | null,
): { break: ChainBreak | null; last: { seq: number; hash: string } | null; count: number } {
  return verifyChain(events, expectedPrev, storedEventProblem);
}
