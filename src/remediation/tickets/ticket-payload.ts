/**
 * What a ticket says about a remediation: the JSON a webhook receives, the values of the
 * {placeholders} of Jira fields, and the keys that make a repeated request recognisable
 * (idempotency key, Jira label). Pure.
 */
import { createHash } from 'node:crypto';
import type { SystemConfig } from '../../config/system-config.js';
import type { TICKET_PLACEHOLDERS } from '../../config/ticket-config.js';
import type { Remediation } from '../../domain/index.js';
import { reasonText } from '../reason-text.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A header-safe key: the id itself when it is visible ASCII (the usual case), else its SHA-256. */
export function idempotencyKey(remediationId: string): string {
  return /^[\x21-\x7e]{1,255}$/.test(remediationId) ? remediationId : `sha256:${sha256(remediationId)}`;
}

/** The key of a per-system batch: the same remediations give the same key (order does not matter). */
export function batchKey(systemId: string, remediationIds: readonly string[]): string {
  return `batch:${sha256([systemId, ...[...remediationIds].sort()].join('\n')).slice(0, 32)}`;
}

/** The Jira label that marks the ticket of a remediation (labels hold no spaces; ids may). */
export function ticketLabel(remediationId: string): string {
  return `iam-review-${sha256(remediationId).slice(0, 20)}`;
}

export function remediationJson(r: Remediation) {
  return {
    id: r.id,
    itemId: r.itemId,
    campaignId: r.campaignId,
    grantId: r.grantId,
    systemId: r.systemId,
    accountId: r.accountId,
    role: r.role,
    scope: r.scope,
    reason: r.reason,
    requestedBy: r.requestedBy,
    openedAt: r.openedAt,
    dueAt: r.dueAt,
    state: r.state,
  };
}

export const systemJson = (s: SystemConfig) => ({ id: s.id, name: s.name, owner: s.owner, criticality: s.criticality, kind: s.kind });

export type PlaceholderValues = Record<(typeof TICKET_PLACEHOLDERS)[number], string>;

export function placeholderValues(system: SystemConfig, r: Remediation): PlaceholderValues {
  return {
    id: r.id,
    systemId: r.systemId,
    systemName: system.name,
    owner: system.owner,
    accountId: r.accountId,
    role: r.role,
    scope: r.scope,
    dueAt: r.dueAt,
    reason: reasonText(r),
    requestedBy: r.requestedBy,
  };
}

/** The default summary (Jira caps it at 255 characters). */
export function ticketSummary(system: SystemConfig, r: Remediation): string {
  const text = `Remove ${r.role}${r.scope ? ` (${r.scope})` : ''} of ${r.accountId} in ${system.name}`;
  return text.length > 255 ? `${text.slice(0, 252)}...` : text;
}
