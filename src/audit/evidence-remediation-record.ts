/**
 * remediations.csv of an evidence pack: one row per remediation of the exported campaigns,
 * built from store values without I/O. Each row names the grant, why it is removed, its due
 * time, the request, claim and verification times, the snapshot (id and content hash) that
 * showed the grant gone, and the ledger event (seq and hash) that left the remediation in its
 * state, so the row can be checked against the chain (`audit verify-export`).
 */
import type { Pseudonymizer } from './pseudonymizer.js';
import type { PackRemediation } from './evidence-remediations.js';

/** decisions.csv `remediation_state` of a revoke whose remediation is not opened yet (never blank). */
export const NOT_OPENED = 'not-opened';

export interface RemediationRecord {
  id: string;
  item: string;
  campaign: string;
  system: string;
  criticality: string;
  /** The system's owner (connectors/<system>.yaml), who is asked to remove the grant. */
  owner: string | null;
  account: string | null;
  role: string;
  scope: string;
  state: string;
  reason: string;
  requestedBy: string | null;
  decidedAt: string | null;
  openedAt: string;
  dueAt: string;
  slaHours: number | null;
  requestedAt: string | null;
  claimedAt: string | null;
  claimedBy: string | null;
  overdueAt: string | null;
  verifiedAt: string | null;
  verifiedSnapshotId: string | null;
  verifiedSnapshotHash: string | null;
  /** Hours from the revoke decision to the snapshot that showed the grant gone. */
  hoursToRemoval: number | null;
  /** Verified at or before the due time (null while not verified). */
  removedWithinDue: boolean | null;
  reappearedAt: string | null;
  reappearedSnapshotId: string | null;
  failure: string | null;
  ledgerSeq: number | null;
  ledgerHash: string | null;
}

/** Hours from `from` to `to`, one decimal; null when either is missing. */
export function hoursBetween(from: string | null, to: string | null): number | null {
  if (from === null || to === null) return null;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isNaN(ms) ? null : Math.round(ms / 360_000) / 10;
}

export interface RemediationRecordContext {
  criticality(systemId: string): string;
  owner(systemId: string): string | null;
  p: Pseudonymizer;
}

export function remediationRecord(pr: PackRemediation, decidedAt: string | null, ctx: RemediationRecordContext): RemediationRecord {
  const r = pr.remediation;
  const { p } = ctx;
  return {
    id: r.id,
    item: r.itemId ?? '',
    campaign: r.campaignId ?? '',
    system: r.systemId,
    criticality: ctx.criticality(r.systemId),
    owner: p.value(ctx.owner(r.systemId)),
    account: p.value(r.accountId),
    role: r.role,
    scope: r.scope,
    state: r.state,
    reason: `${r.reason.kind}:${p.text(r.reason.ref)}`,
    requestedBy: p.value(r.requestedBy),
    decidedAt,
    openedAt: r.openedAt,
    dueAt: r.dueAt,
    slaHours: pr.slaHours,
    requestedAt: r.requestedAt,
    claimedAt: r.claimedAt,
    claimedBy: p.value(r.claimedBy),
    overdueAt: r.overdueAt,
    verifiedAt: r.verifiedAt,
    verifiedSnapshotId: r.verifiedSnapshotId,
    verifiedSnapshotHash: r.verifiedSnapshotHash,
    hoursToRemoval: hoursBetween(decidedAt, r.verifiedAt),
    removedWithinDue: r.verifiedAt === null ? null : r.verifiedAt <= r.dueAt,
    reappearedAt: r.reappearedAt,
    reappearedSnapshotId: r.reappearedSnapshotId,
    failure: p.text(r.failure),
    ledgerSeq: pr.event?.seq ?? null,
    ledgerHash: pr.event?.hash ?? null,
  };
}

/** remediations.csv columns, in order; `remediationCsvRow` fills them. */
export const REMEDIATION_COLUMNS = [
  'remediation_id', 'item_id', 'campaign', 'system', 'criticality', 'owner', 'account', 'role', 'scope', 'state', 'reason', 'requested_by',
  'decided_at', 'opened_at', 'due_at', 'sla_hours', 'requested_at', 'claimed_at', 'claimed_by', 'overdue_at', 'verified_at',
  'verified_snapshot_id', 'verified_snapshot_hash', 'hours_to_removal', 'removed_within_due', 'reappeared_at', 'reappeared_snapshot_id',
  'failure', 'ledger_seq', 'ledger_hash',
] as const;

export function remediationCsvRow(r: RemediationRecord): (string | number | null)[] {
  const yesNo = (b: boolean | null) => (b === null ? null : b ? 'yes' : 'no');
  return [
    r.id, r.item, r.campaign, r.system, r.criticality, r.owner, r.account, r.role, r.scope, r.state, r.reason, r.requestedBy,
    r.decidedAt, r.openedAt, r.dueAt, r.slaHours, r.requestedAt, r.claimedAt, r.claimedBy, r.overdueAt, r.verifiedAt,
    r.verifiedSnapshotId, r.verifiedSnapshotHash, r.hoursToRemoval, yesNo(r.removedWithinDue), r.reappearedAt, r.reappearedSnapshotId,
    r.failure, r.ledgerSeq, r.ledgerHash,
  ];
}
