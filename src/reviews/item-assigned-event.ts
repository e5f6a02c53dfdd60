import type { AuditLog } from '../audit/audit-log.js';
import { EVENT } from '../audit/event-types.js';
import type { LedgerEventInput, ReviewItem } from '../domain/index.js';

/**
 * `item.assigned` of an item a campaign opening inserted (periodic or break-glass): what
 * `audit verify` (audit/item-ledger.ts) compares the item row with, so every opener builds it
 * here. The grant's detail is the access as the reviewer is shown it; absent when it had none.
 */
export function itemAssignedEvent(audit: AuditLog, actor: string, item: ReviewItem): LedgerEventInput {
  return audit.event(EVENT.itemAssigned, actor, item.id, {
    campaignId: item.campaignId,
    grantId: item.grantId,
    systemId: item.systemId,
    accountId: item.accountId,
    role: item.role,
    reviewerId: item.reviewerId,
    reviewerSource: item.reviewerSource,
    findings: item.findings.map((f) => f.type),
    ...(item.detail ? { detail: item.detail } : {}),
  });
}
