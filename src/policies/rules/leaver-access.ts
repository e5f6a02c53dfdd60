/**
 * `leaver-access`: the owner is `disabled` or `terminated` in the identity source. The grace
 * period (`leaverGraceDays`) runs from the day after `contract_end`, the only leave date an
 * identity source gives; without one there is nothing to count from and the finding is raised
 * at once. Rule `global:leaver-access`.
 */
import { DAY_MS } from '../instant.js';
import { severityFor } from '../severity.js';
import { DORA_ACCESS_WITHDRAWAL } from './compliance-references.js';
import { contractEndMs } from './contract-end.js';
import type { FindingRule } from './finding-rule.js';
import { grantFinding } from './grant-finding.js';

const SEVERITY = 'high';
const RULE_ID = 'global:leaver-access';

export const leaverAccess: FindingRule = {
  type: 'leaver-access',
  severity: SEVERITY,
  badge: ':door: leaver',
  recommendation: { decision: 'revoke', why: 'Its owner has left: the access must be withdrawn.' },
  words: (f) => (typeof f.evidence.contractEnd === 'string' ? `leaver since ${f.evidence.contractEnd}` : `leaver (${String(f.evidence.identityStatus ?? 'not active')})`),
  compliance: [DORA_ACCESS_WITHDRAWAL],
  evaluate(ctx) {
    const nowMs = ctx.now.getTime();
    const graceMs = ctx.global.leaverGraceDays * DAY_MS;
    const leavers = new Set<string>();
    for (const identity of ctx.identities) {
      const endMs = contractEndMs(identity);
      const inGrace = endMs !== null && endMs <= nowMs && nowMs < endMs + graceMs;
      // Set or cleared for each identity: the last of one id wins, as in the owner lookup.
      if (identity.status !== 'active' && !inGrace) leavers.add(identity.id);
      else leavers.delete(identity.id);
    }
    return {
      checkFor(system, role) {
        if (!system.report || leavers.size === 0) return null;
        const severity = severityFor(SEVERITY, role.privileged, system.critical);
        return (g, owner) => {
          if (owner === null || !leavers.has(owner.identity.id)) return;
          const i = owner.identity;
          ctx.report(
            grantFinding('leaver-access', severity, RULE_ID, g, owner, `${owner.label} is ${i.status} in the identity source but ${g.accountType === 'service' ? `owns active service account ${g.accountId}` : `account ${g.accountId} is still active`} with ${g.role} on ${g.systemId}`, {
              identityStatus: i.status,
              contractEnd: i.contractEnd,
              leaverGraceDays: ctx.global.leaverGraceDays,
            }),
          );
        };
      },
    };
  },
};
