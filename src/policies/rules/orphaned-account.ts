/**
 * `orphaned-account`: no current identity owns the account (no reference, a reference that
 * matches no identity, or an owner no longer in the identity source). A service account needs
 * an owner like anyone else. One finding per grant; rule `global:orphaned-account`.
 */
import { severityFor } from '../severity.js';
import { DORA_IDENTITY_MANAGEMENT } from './compliance-references.js';
import type { FindingRule } from './finding-rule.js';
import { grantFinding } from './grant-finding.js';

const SEVERITY = 'medium';
const RULE_ID = 'global:orphaned-account';

export const orphanedAccount: FindingRule = {
  type: 'orphaned-account',
  severity: SEVERITY,
  badge: ':ghost: orphaned account',
  recommendation: { decision: 'revoke', why: 'No current person answers for the account: remove it, or record its owner and grant it again.' },
  compliance: [DORA_IDENTITY_MANAGEMENT],
  evaluate(ctx) {
    return {
      checkFor(system, role) {
        if (!system.report) return null;
        const severity = severityFor(SEVERITY, role.privileged, system.critical);
        return (g, owner) => {
          if (owner !== null) return;
          const why =
            g.identityId !== null
              ? `its owner "${g.identityId}" is no longer in the identity source`
              : g.identityRef !== null
                ? `its owner reference "${g.identityRef}" matches no identity`
                : 'no owner identity is recorded for it';
          const what = g.accountType === 'service' ? 'service account' : 'account';
          ctx.report(
            grantFinding('orphaned-account', severity, RULE_ID, g, null, `${what} ${g.accountId} on ${g.systemId} holds ${g.role} but ${why}${g.accountType === 'service' ? ' (a service account must have an owner to be allowed)' : ''}`, {
              identityRef: g.identityRef,
              staleIdentityId: g.identityId,
              accountType: g.accountType,
              accountDisplayName: g.accountDisplayName,
            }),
          );
        };
      },
    };
  },
};
