/**
 * The demo's stand-in for managers: decides each pending item the way a careful reviewer
 * would, from its findings. Every decision it makes is marked simulated.
 * - no findings: approve;
 * - a finding whose rule recommends `revoke` (the access must go: leaver, ended contract,
 *   orphan, not allowed, separation of duties) or any high-severity finding: revoke, with
 *   the findings as reason;
 * - otherwise (dormant, new since last review, unknown role... of medium/low severity):
 *   approve with a justification.
 */
import type { DecisionOutcome, FindingType, ReviewItem } from '../domain/index.js';
import { FINDING_RULES } from '../policies/rules/index.js';

const MUST_GO = new Set<FindingType>(FINDING_RULES.filter((rule) => rule.recommendation.decision === 'revoke').map((rule) => rule.type));

export function simulatedDecision(item: Pick<ReviewItem, 'findings'>): { outcome: DecisionOutcome; justification: string | null } {
  if (item.findings.length === 0) return { outcome: 'approve', justification: null };
  const types = [...new Set(item.findings.map((f) => f.type))].join(', ');
  if (item.findings.some((f) => MUST_GO.has(f.type) || f.severity === 'high')) {
    return { outcome: 'revoke', justification: `Simulated reviewer: remove access (${types}).` };
  }
  return { outcome: 'approve', justification: `Simulated reviewer: still needed for the role despite ${types}.` };
}
