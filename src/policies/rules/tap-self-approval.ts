/**
 * `tap-self-approval`: under one custody-policy rule (a Fireblocks TAP rule), the same person
 * may both initiate and approve (directly or through groups): one person can move the funds
 * the rule guards. A conflict when the person approves with the account they initiate with
 * and the rule lets the initiator approve (`canInitiatorApprove`), or approves with another
 * account of theirs (the vendor sees two users and cannot stop it). No firm configuration
 * needed; read from the grants' detail (tap-detail.ts). One finding per approver grant taking
 * part, naming the initiating accounts and paths. The system's policy may set the severity or
 * exempt a rule (`custodyPolicyFindings.tap-self-approval`). Rule id
 * `tap:<system>:<policy rule id>:self-approval`.
 */
import type { Grant, Severity } from '../../domain/index.js';
import { DORA_ACCESS_WITHDRAWAL } from './compliance-references.js';
import type { FindingRule } from './finding-rule.js';
import { grantFinding } from './grant-finding.js';
import { holderKey } from './holder-key.js';
import type { TapFacts } from './tap-detail.js';
import { custodyPolicyTuning, exemptionOf, tapFacts, tapSeverity } from './tap-detail.js';

const SEVERITY = 'medium';

interface Duty {
  g: Grant;
  facts: TapFacts;
  severity: Severity;
}

export const tapSelfApproval: FindingRule = {
  type: 'tap-self-approval',
  severity: SEVERITY,
  badge: ':raised_hands: initiates and approves',
  recommendation: { decision: 'revoke', why: 'Initiating and approving the same transaction defeats the four-eyes control: the person keeps one of the two, or the rule stops letting the initiator approve.' },
  compliance: [DORA_ACCESS_WITHDRAWAL],
  evaluate(ctx) {
    // system, policy rule, holder -> the holder's initiate and approve grants under it.
    const byHolder = new Map<string, { initiate: Duty[]; approve: Duty[] }>();
    return {
      checkFor(system, role) {
        if (!system.report) return null;
        const tuning = custodyPolicyTuning(system, 'tap-self-approval');
        const severity = tapSeverity(SEVERITY, tuning, system, role);
        return (g, owner) => {
          const facts = tapFacts(g);
          if (!facts || facts.duty === 'sign' || exemptionOf(tuning, facts.rule.id)) return;
          const key = `${g.systemId}\u0000${facts.rule.id}\u0000${holderKey(g, owner)}`;
          let duties = byHolder.get(key);
          if (!duties) byHolder.set(key, (duties = { initiate: [], approve: [] }));
          duties[facts.duty].push({ g, facts, severity });
        };
      },
      finish() {
        for (const { initiate, approve } of byHolder.values()) {
          // Initiators in grant id order (one system per holder key: ids are unique there), so
          // the reason and the evidence do not depend on the order grants arrived in.
          initiate.sort(byGrantId);
          for (const a of approve) {
            const initiating = initiate.filter((i) => i.g.accountId !== a.g.accountId || a.facts.canInitiatorApprove);
            if (initiating.length === 0) continue;
            const owner = ctx.ownerOf(a.g);
            const who = owner?.label ?? `account ${a.g.accountId}`;
            const rule = `TAP rule "${a.facts.rule.name}" (${a.facts.rule.id})`;
            const initiates = initiating.map((i) => `initiates as ${i.g.accountId} via ${i.facts.via.join(', ')}`).join('; ');
            const why = initiating.some((i) => i.g.accountId === a.g.accountId) ? 'the rule lets the initiator approve' : 'with two accounts of one person, which the vendor cannot tell apart';
            ctx.report(
              grantFinding('tap-self-approval', a.severity, `tap:${a.g.systemId}:${a.facts.rule.id}:self-approval`, a.g, owner, `${who} can both initiate and approve under ${rule} on ${a.g.systemId} (${why}): ${initiates}; approves as ${a.g.accountId} via ${a.facts.via.join(', ')}`, {
                person: who,
                policyRule: a.facts.rule,
                canInitiatorApprove: a.facts.canInitiatorApprove,
                initiators: initiating.map((i) => ({ accountId: i.g.accountId, grantId: i.g.id, via: i.facts.via })),
                approverVia: a.facts.via,
                summary: a.facts.summary,
              }),
            );
          }
        }
      },
    };
  },
};

function byGrantId(a: Duty, b: Duty): number {
  return a.g.id < b.g.id ? -1 : a.g.id > b.g.id ? 1 : 0;
}
