import type { Campaign } from '../domain/index.js';
import type { LedgerStore } from '../store/ports.js';
import { EVENT } from './event-types.js';

/**
 * The contiguous slice of the ledger that covers campaigns: from the first event at or after
 * the earliest opening (its items are assigned right after the campaign record is created) to
 * the closing of the last one, or its sign-off (the head for a campaign still open). Contiguous on purpose: an
 * auditor can re-chain events.csv on its own, and other events in between (syncs, findings)
 * are context, not noise. Null when the ledger holds no event in the range.
 */
export async function campaignLedgerRange(
  ledger: LedgerStore,
  campaigns: readonly Campaign[],
  head: { seq: number } | null,
): Promise<{ fromSeq: number; toSeq: number } | null> {
  if (campaigns.length === 0 || !head) return null;
  let fromSeq = Number.POSITIVE_INFINITY;
  let toSeq = 0;
  for (const c of campaigns) {
    const [first] = await ledger.query({ since: c.openedAt, limit: 1 });
    if (first) fromSeq = Math.min(fromSeq, first.seq);
    // The event is recorded right after the campaign's closedAt (same clock): the time bound
    // lets the store use its time index. Missing it only widens the slice to the head.
    const [closed] = c.state === 'closed' ? await ledger.query({ type: EVENT.campaignClosed, subject: c.id, since: c.closedAt ?? c.openedAt, limit: 1 }) : [];
    toSeq = Math.max(toSeq, closed ? closed.seq : head.seq);
    // A sign-off comes after the closing: the slice reaches it, so the pack carries the attestation.
    const [signed] = closed ? await ledger.query({ type: EVENT.campaignSignedOff, subject: c.id, since: c.closedAt ?? c.openedAt, limit: 1 }) : [];
    if (signed) toSeq = Math.max(toSeq, signed.seq);
  }
  toSeq = Math.min(toSeq, head.seq);
  return Number.isFinite(fromSeq) && fromSeq <= toSeq ? { fromSeq, toSeq } : null;
}
