/**
 * Opens one remediation per open finding of a type listed in policies/global.yaml
 * `remediation.findings` (leaver-access, contract-ended), so a leaver's access is removed
 * without waiting for a review campaign. Called after every evaluation that saved findings.
 *
 * Like openRemediations: idempotent and resumable. It walks the open findings without a
 * remediation of their raising in key order, a page at a time; each page is opened with its
 * `remediation.opened` events in one transaction, and the store inserts only what is missing.
 *
 * - One removal per grant at a time: a finding whose grant already has an unverified
 *   remediation (a revoke's, or another finding's) opens none; it is named in `covered`.
 * - Due time: the system's deadline counted from when the finding was first raised, so a late
 *   opening (the option turned on later, a crash) does not move it.
 * - Requested by `policy`; no review item, no campaign (a revoke decided later joins it:
 *   openRemediations).
 */
import type { Remediation, StoredFinding } from '../domain/index.js';
import { findingRef, openedRemediation, remediationDueAt, remediationId } from '../domain/index.js';
import type { FindingToRemediate } from '../store/ports.js';
import { slaFor } from './open-remediations.js';
import type { RemediationDeps } from './remediation-deps.js';
import { openedEvent } from './remediation-events.js';

/** Findings read, and remediations opened in one transaction, per page. */
const PAGE = 500;

/** Who asks for a finding's removal: the firm's policy, not a person. */
export const POLICY_REQUESTER = 'policy';

export interface OpenFindingRemediationsResult {
  opened: number;
  /** Findings that opened none because their grant's removal is already under way (finding key, that remediation's id). */
  covered: { findingKey: string; remediationId: string }[];
}

export async function openFindingRemediations(deps: RemediationDeps, actor = 'iam-review'): Promise<OpenFindingRemediationsResult> {
  const types = deps.config.global.remediation.findings;
  const result: OpenFindingRemediationsResult = { opened: 0, covered: [] };
  if (types.length === 0) return result;
  const sla = slaFor(deps);
  let after: string | null = null;
  do {
    const page: { rows: FindingToRemediate[]; next: string | null } = await deps.store.remediations.findingsWithout(types, after, PAGE);
    const openedAt = deps.now().toISOString();
    const batch: Remediation[] = [];
    for (const { finding, coveredBy } of page.rows) {
      if (coveredBy !== null) result.covered.push({ findingKey: finding.key, remediationId: coveredBy });
      else batch.push(findingRemediationOf(finding, sla(finding.systemId), openedAt));
    }
    if (batch.length > 0) {
      const hours = new Map(batch.map((r) => [r.id, sla(r.systemId)]));
      result.opened += await deps.store.remediations.openForFindings(batch, (inserted) =>
        inserted.map((r) => openedEvent(deps.audit, actor, r, hours.get(r.id)!, { finding: findingData(page.rows, r) })),
      );
    }
    after = page.next;
  } while (after !== null);
  return result;
}

/** What the opened event says of the finding: its key, type, owner and when it was raised. */
function findingData(rows: readonly FindingToRemediate[], r: Remediation): Record<string, unknown> {
  const f = rows.find((row) => remediationId({ kind: 'finding', ref: findingRef(row.finding.key, row.finding.firstSeenAt) }) === r.id)!.finding;
  return { key: f.key, type: f.type, identityId: f.identityId, firstSeenAt: f.firstSeenAt, evaluationId: f.evaluationId, reason: f.reason };
}

export function findingRemediationOf(f: StoredFinding, slaHours: number, openedAt: string): Remediation {
  if (f.grantId === null || f.accountId === null || f.role === null) throw new Error(`finding ${f.key} names no grant`);
  const reason = { kind: 'finding' as const, ref: findingRef(f.key, f.firstSeenAt) };
  return openedRemediation({
    itemId: null,
    campaignId: null,
    grantId: f.grantId,
    systemId: f.systemId,
    accountId: f.accountId,
    role: f.role,
    scope: f.scope ?? '',
    reason,
    requestedBy: POLICY_REQUESTER,
    openedAt,
    dueAt: remediationDueAt(f.firstSeenAt, slaHours),
  });
}
