/**
 * The demo's stand-in for managers: decides each pending item as its recommendation says
 * (`recommendedAction`, the rule every reviewer is shown), and every decision it makes is
 * marked simulated:
 * - no findings: approve;
 * - a finding whose rule recommends `revoke` (the access must go: leaver, ended contract,
 *   orphan, not allowed, separation of duties) or any high-severity finding: revoke, with
 *   the findings as reason;
 * - otherwise (dormant, new since last review, unknown role... of medium/low severity):
 *   approve with a justification.
 */
import type { DecisionOutcome, ReviewItem } from '../domain/index.js';
import { recommendedAction } from '../domain/index.js';
import { adviceOf } from '../policies/rules/finding-advice.js';

export function simulatedDecision(item: Pick<ReviewItem, 'findings'>): { outcome: DecisionOutcome; justification: string | null } {
  if (item.findings.length === 0) return { outcome: 'approve', justification: null };
  const types = [...new Set(item.findings.map((f) => f.type))].join(', ');
  if (recommendedAction(item.findings, adviceOf) === 'revoke') {
    return { outcome: 'revoke', justification: `Simulated reviewer: remove access (${types}).` };
  }
  return { outcome: 'approve', justification: `Simulated reviewer: still needed for the role despite ${types}.` };
}
