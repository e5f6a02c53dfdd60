/**
 * Opens one remediation for every revoke decision that has none. Idempotent and resumable:
 * it walks the revocations without a remediation in item id order, a page at a time, and each
 * page is opened with its `remediation.opened` events in one transaction (the store inserts
 * only what is still missing, so a concurrent or repeated run records each remediation once).
 * The due time counts from the decision, so opening late (after a crash) does not move it.
 *
 * One removal per grant at a time: a revoke of a grant whose removal a finding already opened
 * (policies/global.yaml remediation.findings) joins that remediation (remediation.item-attached,
 * which records the decision) instead of opening a second one, so the owner is not asked twice;
 * the item's remediation is then that one, with its earlier due time.
 */
import type { Remediation } from '../domain/index.js';
import { openedRemediation, remediationDueAt, slaHoursFor } from '../domain/index.js';
import type { Revocation } from '../store/ports.js';
import { itemAttachedEvent, openedEvent } from './remediation-events.js';
import type { RemediationDeps } from './remediation-deps.js';

/** Revocations read, and remediations opened in one transaction, per page. */
const PAGE = 500;

export interface OpenRemediationsResult {
  opened: number;
  /** Revoked items that joined a finding's remediation of their grant. */
  attached: number;
}

export async function openRemediations(deps: RemediationDeps, actor = 'iam-review'): Promise<OpenRemediationsResult> {
  const sla = slaFor(deps);
  let opened = 0;
  let attached = 0;
  let after: string | null = null;
  do {
    const page: { rows: Revocation[]; next: string | null } = await deps.store.remediations.revocationsWithout(after, PAGE);
    if (page.rows.length > 0) {
      const openedAt = deps.now().toISOString();
      const decisions = new Map(page.rows.map((row) => [row.item.id, row.decision]));
      const joined = await deps.store.remediations.attachItems(
        page.rows.map(({ item }) => ({ itemId: item.id, campaignId: item.campaignId, grantId: item.grantId })),
        openedAt,
        (done) => done.map((a) => itemAttachedEvent(deps.audit, actor, a, decisions.get(a.attachment.itemId)!)),
      );
      attached += joined.length;
      const taken = new Set(joined.map((a) => a.attachment.itemId));
      const hours = new Map<string, number>();
      const batch = page.rows.filter((row) => !taken.has(row.item.id)).map((row) => {
        const r = remediationOf(row, sla(row.item.systemId), openedAt);
        hours.set(r.id, sla(row.item.systemId));
        return r;
      });
      opened += await deps.store.remediations.open(batch, (inserted) => inserted.map((r) => openedEvent(deps.audit, actor, r, hours.get(r.id)!)));
    }
    after = page.next;
  } while (after !== null);
  return { opened, attached };
}

/** Hours to remove a grant of a system: its own, else its criticality's; a system no longer configured gets the standard deadline. */
export function slaFor(deps: RemediationDeps): (systemId: string) => number {
  const defaults = deps.config.global.remediation.slaHours;
  const systems = new Map(deps.config.systems.map((s) => [s.id, s]));
  return (systemId) => {
    const system = systems.get(systemId);
    return system ? slaHoursFor(system.criticality, system.remediation?.slaHours, defaults) : defaults.standard;
  };
}

export function remediationOf({ item, decision }: Revocation, slaHours: number, openedAt: string): Remediation {
  const reason = { kind: 'decision' as const, ref: item.id };
  return openedRemediation({
    itemId: item.id,
    campaignId: item.campaignId,
    grantId: item.grantId,
    systemId: item.systemId,
    accountId: item.accountId,
    role: item.role,
    scope: item.scope,
    reason,
    requestedBy: decision.reviewerEmail ?? decision.reviewerId,
    openedAt,
    dueAt: remediationDueAt(decision.decidedAt, slaHours),
  });
}
