/**
 * What the crypto separation-of-duties rules read from a grant's detail: the facts a custody
 * connector records about a grant that comes from a custody-policy rule (Fireblocks TAP:
 * src/connectors/fireblocks/fireblocks-tap-grants.ts writes them). Read defensively: a detail
 * without these keys is simply not a custody-policy grant.
 *
 *   tapRule              { id, name }: the policy rule
 *   duty                 initiate | approve | sign
 *   via                  the holder's paths to this grant ("user", "group <name>", "any user")
 *   canInitiatorApprove  whether the rule lets the initiator approve their own transaction
 *   approvals            (approve) { operator: AND | OR, groups: [{ threshold, members, via }] }
 */
import type { CustodyPolicyFinding } from '../../config/policy-config.js';
import type { Grant, Severity } from '../../domain/index.js';
import { severityFor } from '../severity.js';
import type { RoleFacts, SystemFacts } from './finding-rule.js';

export interface TapApprovalGroupFacts {
  threshold: number;
  members: number;
  via: string[];
}

export interface TapFacts {
  rule: { id: string; name: string };
  duty: 'initiate' | 'approve' | 'sign';
  via: string[];
  canInitiatorApprove: boolean;
  /** Approve duty only; AND with no groups otherwise. */
  operator: 'AND' | 'OR';
  groups: TapApprovalGroupFacts[];
  summary: string | null;
}

/** The custody-policy facts of a grant, or null when its detail is not a custody-policy grant. */
export function tapFacts(g: Grant): TapFacts | null {
  const d = g.detail;
  if (!d || !isRecord(d.tapRule) || (d.duty !== 'initiate' && d.duty !== 'approve' && d.duty !== 'sign')) return null;
  const id = d.tapRule.id;
  if (typeof id !== 'string') return null;
  const name = typeof d.tapRule.name === 'string' ? d.tapRule.name : id;
  const approvals = isRecord(d.approvals) ? d.approvals : {};
  const groups = Array.isArray(approvals.groups) ? approvals.groups : [];
  return {
    rule: { id, name },
    duty: d.duty,
    via: strings(d.via),
    canInitiatorApprove: d.canInitiatorApprove === true,
    operator: approvals.operator === 'OR' ? 'OR' : 'AND',
    groups: groups.filter(isRecord).map((x) => ({ threshold: typeof x.threshold === 'number' ? x.threshold : 0, members: typeof x.members === 'number' ? x.members : 0, via: strings(x.via) })),
    summary: typeof d.summary === 'string' ? d.summary : null,
  };
}

/** A finding type's tuning in the system's policy (`custodyPolicyFindings.<type>`), if any. */
export function custodyPolicyTuning(system: SystemFacts, type: 'tap-self-approval' | 'tap-sole-approver'): CustodyPolicyFinding | undefined {
  return system.policy?.custodyPolicyFindings?.[type];
}

/** The configured severity, else the base raised for a privileged role and a critical system. */
export function tapSeverity(base: Severity, tuning: CustodyPolicyFinding | undefined, system: SystemFacts, role: RoleFacts): Severity {
  return tuning?.severity ?? severityFor(base, role.privileged, system.critical);
}

/** The exemption of this policy rule, if the system's policy grants one. */
export function exemptionOf(tuning: CustodyPolicyFinding | undefined, ruleId: string): { rule: string; reason: string } | undefined {
  return tuning?.exempt.find((e) => e.rule === ruleId);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
