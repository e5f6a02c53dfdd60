/**
 * `contract-ended`: a contractor or third-party owner still `active` in the identity source,
 * whose `contract_end` (end of that day, UTC) plus the grace period (`leaverGraceDays`) has
 * passed. A disabled or terminated owner raises `leaver-access` instead. Rule `global:contract-ended`.
 */
import { DAY_MS } from '../instant.js';
import { severityFor } from '../severity.js';
import { DORA_ACCESS_WITHDRAWAL } from './compliance-references.js';
import { contractEndMs } from './contract-end.js';
import type { FindingRule } from './finding-rule.js';
import { grantFinding } from './grant-finding.js';

const SEVERITY = 'high';
const RULE_ID = 'global:contract-ended';

export const contractEnded: FindingRule = {
  type: 'contract-ended',
  severity: SEVERITY,
  badge: ':hourglass: contract ended',
  recommendation: { decision: 'revoke', why: 'The contract the access was granted for has ended.' },
  words: (f) => (typeof f.evidence.contractEnd === 'string' ? `contract ended ${f.evidence.contractEnd}` : 'contract ended'),
  compliance: [DORA_ACCESS_WITHDRAWAL],
  evaluate(ctx) {
    const nowMs = ctx.now.getTime();
    const graceMs = ctx.global.leaverGraceDays * DAY_MS;
    const ended = new Set<string>();
    for (const identity of ctx.identities) {
      const endMs = contractEndMs(identity);
      // Set or cleared for each identity: the last of one id wins, as in the owner lookup.
      if (identity.status === 'active' && identity.employmentType !== 'employee' && endMs !== null && nowMs >= endMs + graceMs) ended.add(identity.id);
      else ended.delete(identity.id);
    }
    return {
      checkFor(system, role) {
        if (!system.report || ended.size === 0) return null;
        const severity = severityFor(SEVERITY, role.privileged, system.critical);
        return (g, owner) => {
          if (owner === null || !ended.has(owner.identity.id)) return;
          const i = owner.identity;
          ctx.report(
            grantFinding('contract-ended', severity, RULE_ID, g, owner, `${owner.label} (${i.employmentType}) had a contract ending ${i.contractEnd} but still holds ${g.role} on ${g.systemId}`, {
              employmentType: i.employmentType,
              contractEnd: i.contractEnd,
              leaverGraceDays: ctx.global.leaverGraceDays,
            }),
          );
        };
      },
    };
  },
};
