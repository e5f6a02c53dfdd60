/**
 * `not-allowed`: the role is in the system's policy, the account has an owner, and no
 * `allowedFor` matcher matches the owner; or the role names an `accountType` and the account
 * is of the other type. A service account is judged on its owner. An unowned account raises
 * `orphaned-account` instead (one finding, not two): there is no identity to judge. Rule
 * `policy:<system>:<role>`.
 */
import { compileMatchers } from '../identity-matcher.js';
import { severityFor } from '../severity.js';
import { ISO_PRIVILEGED_ACCESS } from './compliance-references.js';
import type { FindingRule } from './finding-rule.js';
import { grantFinding } from './grant-finding.js';

const SEVERITY = 'medium';

export const notAllowed: FindingRule = {
  type: 'not-allowed',
  severity: SEVERITY,
  badge: ':no_entry: not allowed by policy',
  recommendation: { decision: 'revoke', why: 'The policy allows this role for no one like its holder.' },
  compliance: [ISO_PRIVILEGED_ACCESS],
  evaluate(ctx) {
    return {
      checkFor(system, role) {
        const rp = role.policy;
        if (!system.report || rp === undefined) return null;
        const severity = severityFor(SEVERITY, role.privileged, system.critical);
        const ruleId = `policy:${system.id}:${role.name}`;
        const policyFile = system.policyFile;
        const wanted = rp.accountType;
        const allowed = compileMatchers(rp.allowedFor);
        return (g, owner) => {
          if (owner === null) return;
          if (wanted !== undefined && wanted !== g.accountType) {
            ctx.report(
              grantFinding('not-allowed', severity, ruleId, g, owner, `${g.role} on ${g.systemId} is for ${wanted} accounts; ${g.accountId} (owner ${owner.label}) is a ${g.accountType} account`, {
                policyFile,
                requiredAccountType: wanted,
                accountType: g.accountType,
              }),
            );
          } else if (!allowed(owner.profile)) {
            const i = owner.identity;
            ctx.report(
              grantFinding('not-allowed', severity, ruleId, g, owner, `${owner.label} (${i.department ?? 'no department'}, ${i.jobTitle ?? 'no job title'}) holds ${g.role} on ${g.systemId}${g.accountType === 'service' ? ` through service account ${g.accountId}` : ''}, but no allowedFor matcher of ${policyFile} matches`, {
                policyFile,
                department: i.department,
                jobTitle: i.jobTitle,
                groups: i.groups,
                employmentType: i.employmentType,
              }),
            );
          }
        };
      },
    };
  },
};
