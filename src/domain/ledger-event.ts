import { hash } from 'node:crypto';
import { canonicalJson, canonicalJsonOf, quoteJsonString } from './canonical-json.js';

/**
 * One entry of the hash-chained audit ledger. `hash = SHA-256(canonical JSON of the event
 * body + prevHash)`; the first event's prevHash is GENESIS_HASH.
 */
export interface LedgerEventInput {
  type: string;
  /** Who caused it: 'system', 'scheduler', an email, a Slack user id. */
  actor: string;
  /** What it is about: a system id, campaign id, item id, ... */
  subject: string;
  data: Record<string, unknown>;
  /** ISO timestamp; defaults to now when appended. */
  at?: string;
}

export interface LedgerEvent {
  seq: number;
  at: string;
  type: string;
  actor: string;
  subject: string;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** What the hash covers: every field of an event but its hashes. */
export type LedgerEventContent = Omit<LedgerEvent, 'hash' | 'prevHash'>;

/**
 * The hashed body of an event, the ledger's one body builder: the canonical JSON of
 * { seq, at, type, actor, subject, data }. `dataJson`, when the caller has it, must be
 * canonicalJson(e.data): an append serialises each event's data once and stores the very
 * text it hashed. For the fields events carry (strings, a finite seq, defined data) the body
 * is assembled around the data with the keys in sorted order (actor, at, data, seq, subject,
 * type), without a generic pass over the outer object: the ledger builds a body for every
 * event it appends and every event it verifies. Any other value (only a foreign or tampered
 * record has one) goes through canonicalJson of the whole shape, so the body is always exactly
 * the canonical JSON the hash is defined on.
 */
export function eventBody(e: LedgerEventContent, dataJson?: string): string {
  const { seq, at, type, actor, subject, data } = e;
  if (typeof at === 'string' && typeof type === 'string' && typeof actor === 'string' && typeof subject === 'string' && Number.isFinite(seq) && data !== undefined) {
    // A finite number's template form is JSON.stringify's (-0 included: both write 0).
    return `{"actor":${quoteJsonString(actor)},"at":${quoteJsonString(at)},"data":${dataJson ?? canonicalJson(data)},"seq":${seq},"subject":${quoteJsonString(subject)},"type":${quoteJsonString(type)}}`;
  }
  return canonicalJson({ seq, at, type, actor, subject, data });
}

/** SHA-256 (hex) of the event's canonical body followed by the previous hash, as UTF-8. */
export function hashEvent(e: LedgerEventContent, prevHash: string): string {
  return chainHash(eventBody(e), prevHash);
}

/**
 * The chain's hash function: SHA-256 over `body + prevHash` (UTF-8), hex. The one-shot
 * crypto.hash is the same digest as createHash().update(body).update(prevHash), without a
 * Hash object per event (verifying 1M events hashes 1M times).
 */
export function chainHash(body: string, prevHash: string): string {
  return hash('sha256', body + prevHash, 'hex');
}

/** The next event of the chain, and its data's canonical JSON: the text a store persists. */
export interface ChainLink {
  event: LedgerEvent;
  dataJson: string;
}

/**
 * Builds the next chained event from an input and the current head, serialising the data once
 * (the same text is hashed and, by a store that keeps text, stored). The event's `data` is what
 * a store gives back on read: the input's own object when it is plain JSON data (JSON.parse of
 * its canonical form deep-equals it: no parse per event), else that canonical form parsed.
 */
export function chainLink(input: LedgerEventInput, head: { seq: number; hash: string } | null, now: () => Date = () => new Date()): ChainLink {
  const seq = head ? head.seq + 1 : 1;
  const prevHash = head ? head.hash : GENESIS_HASH;
  const at = input.at ?? now().toISOString();
  const { type, actor, subject } = input;
  const { json: dataJson, plain } = canonicalJsonOf(input.data);
  const data = plain ? input.data : (JSON.parse(dataJson) as Record<string, unknown>);
  const event: LedgerEvent = { seq, at, type, actor, subject, data, prevHash, hash: '' };
  event.hash = chainHash(eventBody(event, dataJson), prevHash);
  return { event, dataJson };
}

/** Builds the next chained event from an input and the current head (see chainLink). */
export function chainEvent(input: LedgerEventInput, head: { seq: number; hash: string } | null, now?: () => Date): LedgerEvent {
  return chainLink(input, head, now).event;
}

export interface ChainBreak {
  seq: number;
  reason: string;
}

/**
 * Verifies a run of events in seq order. `expectedPrev` is the head before the first event
 * (null to start at genesis). Returns the first break, or null when the run is intact.
 */
export function verifyRun(
  events: Iterable<LedgerEvent>,
  expectedPrev: { seq: number; hash: string } | null,
): { break: ChainBreak | null; last: { seq: number; hash: string } | null; count: number } {
  return verifyChain(events, expectedPrev, (e) => (hashEvent(e, e.prevHash) !== e.hash ? 'content does not match its hash (modified)' : null));
}

/**
 * verifyRun's walk for any form of the events (parsed, or as stored: audit/verify-stored-run.ts):
 * seq continuity and prevHash links here, the content check by `problem` (null: intact, else the
 * reason of the break).
 */
export function verifyChain<E extends { seq: number; prevHash: string; hash: string }>(
  events: Iterable<E>,
  expectedPrev: { seq: number; hash: string } | null,
  problem: (e: E) => string | null,
): { break: ChainBreak | null; last: { seq: number; hash: string } | null; count: number } {
  let prev = expectedPrev;
  let count = 0;
  for (const e of events) {
    const wantSeq = prev ? prev.seq + 1 : 1;
    if (e.seq !== wantSeq) {
      return { break: { seq: wantSeq, reason: e.seq > wantSeq ? `seq ${wantSeq} is missing (next stored is ${e.seq})` : `seq ${e.seq} out of order (expected ${wantSeq})` }, last: prev, count };
    }
    const wantPrevHash = prev ? prev.hash : GENESIS_HASH;
    if (e.prevHash !== wantPrevHash) {
      return { break: { seq: e.seq, reason: `prevHash does not match the hash of seq ${e.seq - 1}` }, last: prev, count };
    }
    const reason = problem(e);
    if (reason !== null) return { break: { seq: e.seq, reason }, last: prev, count };
    prev = { seq: e.seq, hash: e.hash };
    count++;
  }
  return { break: null, last: prev, count };
}
