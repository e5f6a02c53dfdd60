/**
 * `tap-sole-approver`: one person's approval alone meets a custody-policy rule's approval
 * requirement (a Fireblocks TAP rule): with OR, some approval group needs at most one
 * approval and they are in it; with AND, every group that needs approval needs at most one
 * and they are in each. No firm configuration needed; read from the approver grant's detail
 * (tap-detail.ts), one finding per such grant. The system's policy may set the severity or
 * exempt a rule (`custodyPolicyFindings.tap-sole-approver`). Rule id
 * `tap:<system>:<policy rule id>:sole-approver`.
 */
import { DORA_ACCESS_WITHDRAWAL } from './compliance-references.js';
import type { FindingRule } from './finding-rule.js';
import { grantFinding } from './grant-finding.js';
import type { TapFacts } from './tap-detail.js';
import { custodyPolicyTuning, exemptionOf, tapFacts, tapSeverity } from './tap-detail.js';

const SEVERITY = 'medium';

export const tapSoleApprover: FindingRule = {
  type: 'tap-sole-approver',
  severity: SEVERITY,
  badge: ':bust_in_silhouette: approves alone',
  recommendation: { decision: 'approve', why: 'The threshold is the policy owner\'s to raise; the reviewer keeps this approver unless the finding is high, and the rule gets a second approval.' },
  compliance: [DORA_ACCESS_WITHDRAWAL],
  evaluate(ctx) {
    return {
      checkFor(system, role) {
        if (!system.report) return null;
        const tuning = custodyPolicyTuning(system, 'tap-sole-approver');
        const severity = tapSeverity(SEVERITY, tuning, system, role);
        return (g, owner) => {
          const facts = tapFacts(g);
          if (!facts || facts.duty !== 'approve') return;
          const met = groupsMetAlone(facts);
          if (met.length === 0 || exemptionOf(tuning, facts.rule.id)) return;
          const who = owner?.label ?? `account ${g.accountId}`;
          const groups = met.map((i) => `approval group ${i + 1} needs ${facts.groups[i]!.threshold} of ${facts.groups[i]!.members} (in it via ${facts.groups[i]!.via.join(', ')})`).join(facts.operator === 'AND' ? ' and ' : '; ');
          ctx.report(
            grantFinding('tap-sole-approver', severity, `tap:${g.systemId}:${facts.rule.id}:sole-approver`, g, owner, `${who} alone meets the approval requirement of TAP rule "${facts.rule.name}" (${facts.rule.id}) on ${g.systemId}: ${groups}`, {
              person: who,
              policyRule: facts.rule,
              approverVia: facts.via,
              operator: facts.operator,
              approvalGroups: facts.groups,
              summary: facts.summary,
            }),
          );
        };
      },
    };
  },
};

/** The indexes of the groups one person's approval satisfies, when that satisfies the rule; else []. */
export function groupsMetAlone(facts: TapFacts): number[] {
  const needed = facts.groups.map((g, i) => ({ g, i })).filter(({ g }) => g.threshold > 0);
  const alone = needed.filter(({ g }) => g.threshold <= 1 && g.via.length > 0).map(({ i }) => i);
  if (needed.length === 0) return [];
  if (facts.operator === 'OR') return alone.slice(0, 1);
  return alone.length === needed.length ? alone : [];
}
