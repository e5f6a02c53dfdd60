/**
 * Recomputes the hash chain of the ledger, streaming it in batches (memory stays flat in the
 * ledger's length), and names the first broken or missing seq: a modified field breaks that
 * event's hash, a deleted event leaves a gap, a reordered pair breaks the prevHash link.
 *
 * What the chain alone cannot show: a truncated tail (the last events deleted) leaves a shorter,
 * intact chain. That is what `audit head` checkpoints are for: pass one as `checkpoint` and the
 * event at that seq must still exist with that hash.
 *
 * Hashes are recomputed by the domain (hashEvent, eventBody; verify-stored-run.ts): the same body builder every
 * store's append uses, so verification and appends cannot disagree on what was hashed.
 */
import type { ChainBreak, LedgerEvent } from '../domain/index.js';
import { hashEvent } from '../domain/index.js';
import type { LedgerStore, StoredLedgerEvent } from '../store/ports.js';
import { verifyStoredRun } from './verify-stored-run.js';

export interface LedgerCheckpoint {
  seq: number;
  hash: string;
}

export interface VerifyLedgerOptions {
  /** First seq to check (default 1). The event before it is the trusted anchor; its own hash is still recomputed. */
  from?: number;
  /** Last seq to check (default: the head). */
  to?: number;
  /** A head written down earlier: the event at its seq must still carry its hash. */
  checkpoint?: LedgerCheckpoint;
  batchSize?: number;
  /**
   * Given each batch of events once its chain is verified, in seq order, their data as stored
   * text (LedgerStore.readStored): lets a reader of the whole ledger (the state reconciliation)
   * share this one read. A batch with a break is not given.
   */
  onEvents?: (batch: readonly StoredLedgerEvent[]) => void;
}

export interface LedgerVerification {
  ok: boolean;
  from: number;
  /** Events whose hash was recomputed. */
  checked: number;
  /** The last intact event (the head when ok). */
  last: LedgerCheckpoint | null;
  break: ChainBreak | null;
}

const DEFAULT_BATCH = 5_000;

export async function verifyLedger(ledger: LedgerStore, opts: VerifyLedgerOptions = {}): Promise<LedgerVerification> {
  const from = Math.max(1, Math.trunc(opts.from ?? 1));
  const batchSize = opts.batchSize ?? DEFAULT_BATCH;
  const result = (checked: number, last: LedgerCheckpoint | null, brk: ChainBreak | null): LedgerVerification => ({ ok: brk === null, from, checked, last, break: brk });

  let prev: LedgerCheckpoint | null = null;
  if (from > 1) {
    const anchor = await eventAt(ledger, from - 1);
    if (!anchor) return result(0, null, { seq: from - 1, reason: `seq ${from - 1} (the event before --from) is missing` });
    if (hashEvent(anchor, anchor.prevHash) !== anchor.hash) return result(0, null, { seq: anchor.seq, reason: 'content does not match its hash (modified)' });
    prev = { seq: anchor.seq, hash: anchor.hash };
  }

  const head = await ledger.head();
  const to = opts.to ?? head?.seq ?? 0;
  let checked = 0;
  let next = from;
  try {
    // The data as stored: hashed as it is, parsed only when that hash differs (verify-stored-run.ts).
    for await (const batch of ledger.readStored(from, to, batchSize)) {
      const run = verifyStoredRun(batch, prev);
      checked += run.count;
      if (run.break) return result(checked, run.last, run.break);
      opts.onEvents?.(batch);
      prev = run.last;
      next = (prev?.seq ?? 0) + 1;
    }
  } catch (error) {
    // A row the store cannot read is a break too (data edited into invalid JSON is found by verifyStoredRun).
    return result(checked, prev, { seq: next, reason: `unreadable at or after seq ${next}: ${error instanceof Error ? error.message : String(error)}` });
  }
  // Events up to `to` must all be there: a deleted last event of the range is a gap as well.
  const lastSeq = prev?.seq ?? from - 1;
  if (lastSeq < to) return result(checked, prev, { seq: lastSeq + 1, reason: `seq ${lastSeq + 1} is missing (the head is seq ${to})` });

  if (opts.checkpoint) {
    const brk = await checkCheckpoint(ledger, opts.checkpoint, head);
    if (brk) return result(checked, prev, brk);
  }
  return result(checked, prev, null);
}

async function checkCheckpoint(ledger: LedgerStore, checkpoint: LedgerCheckpoint, head: LedgerCheckpoint | null): Promise<ChainBreak | null> {
  const event = await eventAt(ledger, checkpoint.seq);
  if (!event) {
    return { seq: checkpoint.seq, reason: `checkpoint seq ${checkpoint.seq} is missing (the head is seq ${head?.seq ?? 0}): events were deleted from the end` };
  }
  if (event.hash !== checkpoint.hash) return { seq: checkpoint.seq, reason: `hash at seq ${checkpoint.seq} differs from the checkpoint: the chain was rewritten` };
  return null;
}

export async function eventAt(ledger: LedgerStore, seq: number): Promise<LedgerEvent | null> {
  for await (const batch of ledger.read(seq, seq, 1)) return batch[0] ?? null;
  return null;
}

/** Parses `SEQ:HASH` as printed by `audit head`. */
export function parseCheckpoint(text: string): LedgerCheckpoint | null {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(text.trim());
  return m ? { seq: Number(m[1]), hash: m[2]! } : null;
}
