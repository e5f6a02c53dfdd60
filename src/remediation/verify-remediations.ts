/**
 * Closes the loop after a sync: given a system's complete, applied snapshot, every remediation
 * of that system still awaiting removal whose grant the snapshot does not hold becomes
 * `verified` (the event names the snapshot and its content hash), and every verified one whose
 * grant the snapshot holds again becomes `reappeared`. A partial, failed, quarantined or
 * superseded snapshot changes nothing (verificationBlocker).
 *
 * Streaming: the system's remediations are read in id pages, each with whether its grant is in
 * the snapshot (a lookup per remediation in the snapshot's grant index), and each page's moves
 * commit with their events in one transaction. Memory stays one page whatever the sizes.
 */
import type { Snapshot } from '../domain/index.js';
import { movesInto, UNVERIFIED_STATES, verificationBlocker } from '../domain/index.js';
import { reappearedEvent, verifiedEvent } from './remediation-events.js';
import type { RemediationDeps } from './remediation-deps.js';

/** Remediations checked, and moved in one transaction, per page (a MongoDB transaction stays small). */
const PAGE = 2_000;
const CHECKED_STATES = [...UNVERIFIED_STATES, 'verified' as const];

export interface VerifyResult {
  systemId: string;
  snapshotId: string;
  verified: number;
  reappeared: number;
  /** Why the snapshot verified nothing, when it could not. */
  skipped: string | null;
}

export async function verifyRemediations(deps: Pick<RemediationDeps, 'store' | 'audit' | 'now'>, snapshot: Snapshot, actor = 'sync'): Promise<VerifyResult> {
  const result: VerifyResult = { systemId: snapshot.systemId, snapshotId: snapshot.id, verified: 0, reappeared: 0, skipped: null };
  const current = await deps.store.snapshots.current(snapshot.systemId);
  result.skipped = verificationBlocker(snapshot, current?.id ?? null);
  if (result.skipped) return result;

  let after: string | null = null;
  for (;;) {
    const page = await deps.store.remediations.checkAgainst(snapshot.id, snapshot.systemId, CHECKED_STATES, after, PAGE);
    if (page.length === 0) break;
    after = page[page.length - 1]!.id;
    const gone = page.filter((c) => !c.present && c.state !== 'verified').map((c) => c.id);
    const back = page.filter((c) => c.present && c.state === 'verified').map((c) => c.id);
    const at = deps.now().toISOString();
    if (gone.length > 0) {
      result.verified += await deps.store.remediations.transitionMany(
        gone,
        movesInto('verified'),
        'verified',
        { verifiedAt: at, verifiedSnapshotId: snapshot.id, verifiedSnapshotHash: snapshot.contentHash, updatedAt: at },
        (moves) => moves.map((m) => verifiedEvent(deps.audit, actor, m, snapshot)),
      );
    }
    if (back.length > 0) {
      result.reappeared += await deps.store.remediations.transitionMany(back, movesInto('reappeared'), 'reappeared', { reappearedAt: at, reappearedSnapshotId: snapshot.id, updatedAt: at }, (moves) =>
        moves.map((m) => reappearedEvent(deps.audit, actor, m, snapshot)),
      );
    }
    if (page.length < PAGE) break;
  }
  return result;
}
