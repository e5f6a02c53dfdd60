/**
 * `tap-self-approval`: under one custody-policy rule (a Fireblocks TAP rule) that lets the
 * initiator approve (`canInitiatorApprove`), the same person may both initiate and approve
 * (directly or through groups): one person can move the funds the rule guards. No firm
 * configuration needed; read from the approver grant's detail (tap-detail.ts), one finding
 * per such grant. The system's policy may set the severity or exempt a rule
 * (`custodyPolicyFindings.tap-self-approval`). Rule id `tap:<system>:<policy rule id>:self-approval`.
 */
import { DORA_ACCESS_WITHDRAWAL } from './compliance-references.js';
import type { FindingRule } from './finding-rule.js';
import { grantFinding } from './grant-finding.js';
import { custodyPolicyTuning, exemptionOf, tapApproverFacts, tapSeverity } from './tap-detail.js';

const SEVERITY = 'medium';

export const tapSelfApproval: FindingRule = {
  type: 'tap-self-approval',
  severity: SEVERITY,
  badge: ':raised_hands: initiates and approves',
  recommendation: { decision: 'revoke', why: 'Initiating and approving the same transaction defeats the four-eyes control: the person keeps one of the two, or the rule stops letting the initiator approve.' },
  compliance: [DORA_ACCESS_WITHDRAWAL],
  evaluate(ctx) {
    return {
      checkFor(system, role) {
        if (!system.report) return null;
        const tuning = custodyPolicyTuning(system, 'tap-self-approval');
        const severity = tapSeverity(SEVERITY, tuning, system, role);
        return (g, owner) => {
          const facts = tapApproverFacts(g);
          if (!facts || !facts.canInitiatorApprove || facts.alsoInitiator.length === 0) return;
          if (exemptionOf(tuning, facts.rule.id)) return;
          const who = owner?.label ?? `account ${g.accountId}`;
          const rule = `TAP rule "${facts.rule.name}" (${facts.rule.id})`;
          ctx.report(
            grantFinding('tap-self-approval', severity, `tap:${g.systemId}:${facts.rule.id}:self-approval`, g, owner, `${who} can both initiate and approve under ${rule} on ${g.systemId}, which lets the initiator approve: initiates via ${facts.alsoInitiator.join(', ')}; approves via ${facts.via.join(', ')}`, {
              person: who,
              policyRule: facts.rule,
              initiatorVia: facts.alsoInitiator,
              approverVia: facts.via,
              canInitiatorApprove: true,
              summary: facts.summary,
            }),
          );
        };
      },
    };
  },
};
