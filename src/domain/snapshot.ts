/**
 * One complete pull of one system at one time. Only `complete` snapshots become a
 * system's current state; a failing or suspicious pull never reads as "access removed".
 */
export const SNAPSHOT_STATUSES = ['running', 'complete', 'partial', 'failed', 'quarantined'] as const;
export type SnapshotStatus = (typeof SNAPSHOT_STATUSES)[number];

export interface SnapshotCounts {
  identities: number;
  accounts: number;
  grants: number;
  added: number;
  removed: number;
  changed: number;
}

export interface Snapshot {
  id: string;
  systemId: string;
  status: SnapshotStatus;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  counts: SnapshotCounts;
  /** Why the snapshot is not complete (errors, quarantine reason), empty when complete. */
  problems: string[];
  /** SHA-256 over the sorted grant ids and fingerprints: evidence of what was seen. */
  contentHash: string | null;
  /** Id of the snapshot that was current when this one was diffed, if any. */
  previousSnapshotId: string | null;
  /** Set when a quarantined snapshot was applied deliberately (`sync --accept-quarantined`). */
  acceptedBy: string | null;
}

export const EMPTY_COUNTS: SnapshotCounts = { identities: 0, accounts: 0, grants: 0, added: 0, removed: 0, changed: 0 };

export type GrantChangeKind = 'added' | 'removed' | 'changed';

/** One line of a snapshot diff, stored with the newer snapshot. */
export interface GrantChange {
  snapshotId: string;
  grantId: string;
  kind: GrantChangeKind;
  systemId: string;
  accountId: string;
  role: string;
  scope: string;
  /** Fingerprint before/after (see grantFingerprint), null where the side does not exist. */
  before: string | null;
  after: string | null;
}

export interface QuarantineRule {
  /** Share of the previous grants whose removal quarantines a run (0..1). */
  maxRemovalShare: number;
}

export const DEFAULT_QUARANTINE_RULE: QuarantineRule = { maxRemovalShare: 0.1 };

/**
 * Decides whether a finished pull is safe to apply. Returns the reason to quarantine,
 * or null when the snapshot may become current. `records` names what was counted in the
 * reason: grants for a system, identities (and their grants) for an identity source.
 * `expectedRemovals`: how many of the removed grants were awaiting removal (an unverified
 * remediation): they neither count toward the share nor make an empty pull suspicious.
 */
export function quarantineReason(
  previousGrants: number | null,
  counts: Pick<SnapshotCounts, 'grants' | 'removed'>,
  rule: QuarantineRule = DEFAULT_QUARANTINE_RULE,
  records = 'grants',
  expectedRemovals = 0,
): string | null {
  if (previousGrants === null || previousGrants === 0) return null;
  // Removals iam-review asked for (grants awaiting removal after a revoke) are what a
  // remediation waits to see: they are not the sign of a truncated pull the valve is for.
  const unexpected = counts.removed - expectedRemovals;
  if (counts.grants === 0 && unexpected > 0) {
    return `pull returned no ${records} where the current state has ${previousGrants}`;
  }
  const share = unexpected / previousGrants;
  if (share > rule.maxRemovalShare) {
    const expected = expectedRemovals > 0 ? ` not awaiting removal (${expectedRemovals} more were revoked and awaited)` : '';
    return `pull removes ${unexpected} of ${previousGrants} ${records}${expected} (${(share * 100).toFixed(1)}%), above the ${(rule.maxRemovalShare * 100).toFixed(1)}% threshold`;
  }
  return null;
}
