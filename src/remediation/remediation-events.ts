/**
 * The ledger events of remediations, one builder per transition. Their `data` is what
 * `audit verify` and the evidence pack read: add fields, never rename or remove one.
 */
import type { AuditLog } from '../audit/audit-log.js';
import { EVENT } from '../audit/event-types.js';
import type { Decision, LedgerEventInput, Remediation, VerifyingSnapshot } from '../domain/index.js';
import type { AttachedItem, RemediationMove } from '../store/ports.js';

/**
 * An event's data: the remediation's grant, then `fields` and `extra` over it. Object.assign,
 * not a spread: on Node 20, `{ ...grant, from, ... }` costs ~10 us an event, and a verification
 * builds one per remediation (100k in the benchmark).
 */
function grantData(r: Remediation, fields: Record<string, unknown>, extra?: Record<string, unknown>): Record<string, unknown> {
  return Object.assign({ systemId: r.systemId, grantId: r.grantId, accountId: r.accountId, role: r.role, scope: r.scope }, fields, extra);
}

/** `extra`: what else the opening knows (a finding's key, type and owner); the grant's own fields win. */
export function openedEvent(audit: AuditLog, actor: string, r: Remediation, slaHours: number, extra: Record<string, unknown> = {}): LedgerEventInput {
  return audit.event(EVENT.remediationOpened, actor, r.id, Object.assign({}, extra, grantData(r, {
    itemId: r.itemId,
    campaignId: r.campaignId,
    reason: r.reason,
    requestedBy: r.requestedBy,
    dueAt: r.dueAt,
    slaHours,
    state: r.state,
  })));
}

/** A revoke decision joined the unverified removal a finding opened for the same grant (the second reason). */
export function itemAttachedEvent(audit: AuditLog, actor: string, a: AttachedItem, decision: Pick<Decision, 'reviewerId' | 'reviewerEmail' | 'decidedAt'>): LedgerEventInput {
  const r = a.remediation;
  return audit.event(EVENT.remediationItemAttached, actor, r.id, grantData(r, {
    itemId: r.itemId,
    campaignId: r.campaignId,
    state: r.state,
    decidedBy: decision.reviewerEmail ?? decision.reviewerId,
    decidedAt: decision.decidedAt,
    dueAt: r.dueAt,
  }));
}

/** Verified by a snapshot: which one and its content hash are the evidence of removal. */
export function verifiedEvent(audit: AuditLog, actor: string, m: RemediationMove, snapshot: VerifyingSnapshot): LedgerEventInput {
  return audit.event(EVENT.remediationVerified, actor, m.remediation.id, grantData(m.remediation, {
    from: m.from,
    snapshotId: snapshot.id,
    snapshotHash: snapshot.contentHash,
    dueAt: m.remediation.dueAt,
    verifiedAt: m.remediation.verifiedAt,
  }));
}

export function reappearedEvent(audit: AuditLog, actor: string, m: RemediationMove, snapshot: VerifyingSnapshot): LedgerEventInput {
  return audit.event(EVENT.remediationReappeared, actor, m.remediation.id, grantData(m.remediation, {
    from: m.from,
    snapshotId: snapshot.id,
    snapshotHash: snapshot.contentHash,
    verifiedSnapshotId: m.remediation.verifiedSnapshotId,
  }));
}

export function overdueEvent(audit: AuditLog, actor: string, m: RemediationMove): LedgerEventInput {
  return audit.event(EVENT.remediationOverdue, actor, m.remediation.id, grantData(m.remediation, { from: m.from, dueAt: m.remediation.dueAt, overdueAt: m.remediation.overdueAt }));
}

/** A claim: someone's word that the grant is gone (never a verification). */
export function claimedEvent(audit: AuditLog, actor: string, m: RemediationMove, operator: string | null = null): LedgerEventInput {
  const by = { from: m.from, by: m.remediation.claimedBy, note: m.remediation.claimNote, ...(operator !== null ? { operator } : {}) };
  return audit.event(EVENT.remediationClaimed, actor, m.remediation.id, grantData(m.remediation, by));
}

/** The removal was asked for (a ticket, a message to the owner, an automatic removal): not a verification. */
export function requestedEvent(audit: AuditLog, actor: string, m: RemediationMove, how: Record<string, unknown>): LedgerEventInput {
  return audit.event(EVENT.remediationRequested, actor, m.remediation.id, grantData(m.remediation, { from: m.from, requestedAt: m.remediation.requestedAt, dueAt: m.remediation.dueAt }, how));
}

/** The request could not be made; it is retried on the next run. */
export function failedEvent(audit: AuditLog, actor: string, m: RemediationMove, why: Record<string, unknown>): LedgerEventInput {
  return audit.event(EVENT.remediationFailed, actor, m.remediation.id, grantData(m.remediation, { from: m.from, failure: m.remediation.failure }, why));
}
