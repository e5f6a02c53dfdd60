/**
 * One-pass diff of a pull against the current state. The previous state is held as a
 * compact map (grant id -> fingerprint + first-seen time, ~150 bytes a grant), so a pull
 * streams through once, carrying each grant's first-seen time forward; grants never seen
 * in the pull are the removals.
 */
import type { Grant, GrantChange } from '../domain/index.js';
import { grantFingerprint } from '../domain/index.js';

const SEEN = '';
const SEP = '\u001e';

export type ClassifyResult = 'added' | 'changed' | 'unchanged' | 'duplicate';

export class GrantDiff {
  private readonly prev = new Map<string, string>();
  private prevCount = 0;

  /** Loads one batch of the current state's grants. */
  addPrevious(grants: readonly Grant[]): void {
    for (const g of grants) {
      this.prev.set(g.id, `${grantFingerprint(g)}${SEP}${g.firstSeenAt ?? ''}${SEP}${g.accountId}${SEP}${g.role}${SEP}${g.scope}`);
      this.prevCount++;
    }
  }

  get previousCount(): number {
    return this.prevCount;
  }

  /**
   * Classifies a pulled grant and fills in its firstSeenAt (carried from the previous
   * state, or `now` when new). A grant id seen twice in one pull is a duplicate.
   */
  classify(grant: Grant, now: string): { result: ClassifyResult; before: string | null } {
    const entry = this.prev.get(grant.id);
    if (entry === SEEN) return { result: 'duplicate', before: null };
    this.prev.set(grant.id, SEEN);
    if (entry === undefined) {
      grant.firstSeenAt = now;
      return { result: 'added', before: null };
    }
    const [fingerprint, firstSeenAt] = entry.split(SEP, 2) as [string, string];
    grant.firstSeenAt = firstSeenAt === '' ? now : firstSeenAt;
    return fingerprint === grantFingerprint(grant) ? { result: 'unchanged', before: null } : { result: 'changed', before: fingerprint };
  }

  /** The previous grants not seen in the pull, as `removed` changes. Call once, after the pull. */
  *removals(snapshotId: string, systemId: string): Generator<GrantChange> {
    for (const [grantId, entry] of this.prev) {
      if (entry === SEEN) continue;
      const [fingerprint, , accountId, role, scope] = entry.split(SEP) as [string, string, string, string, string];
      yield { snapshotId, grantId, kind: 'removed', systemId, accountId, role, scope, before: fingerprint, after: null };
    }
  }
}
