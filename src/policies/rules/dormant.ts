/**
 * `dormant`: last activity older than `dormantAfterDays` (the system's policy, else the
 * global one); a grant never used (no last activity) counts from when iam-review first saw
 * it. Rule `policy:<system>:dormant` when the system's policy sets the threshold, else
 * `global:dormant`.
 */
import { DAY_MS, daysBetween, Instant } from '../instant.js';
import { severityFor } from '../severity.js';
import { DORA_ACCESS_WITHDRAWAL } from './compliance-references.js';
import type { FindingRule } from './finding-rule.js';
import { grantFinding } from './grant-finding.js';

const SEVERITY = 'low';

export const dormant: FindingRule = {
  type: 'dormant',
  severity: SEVERITY,
  badge: ':zzz: dormant',
  recommendation: { decision: 'approve', why: 'Unused access may still be needed (standby, seasonal duty): the reviewer confirms it, or revokes it if nobody needs it.' },
  words: (f) => (typeof f.evidence.daysInactive === 'number' ? `${f.evidence.lastActivityAt ? 'unused' : 'never used'} for ${f.evidence.daysInactive} days` : 'dormant'),
  compliance: [DORA_ACCESS_WITHDRAWAL],
  evaluate(ctx) {
    const nowMs = ctx.now.getTime();
    return {
      checkFor(system, role) {
        if (!system.report) return null;
        const severity = severityFor(SEVERITY, role.privileged, system.critical);
        const own = system.policy?.dormantAfterDays;
        const allowed = own ?? ctx.global.dormantAfterDays;
        const ruleId = own !== undefined ? `policy:${system.id}:dormant` : 'global:dormant';
        const before = new Instant(nowMs - allowed * DAY_MS);
        return (g, owner) => {
          const since = g.lastActivityAt ?? g.firstSeenAt;
          if (since === null || !before.isAfter(since)) return;
          const days = daysBetween(since, nowMs);
          ctx.report(
            grantFinding('dormant', severity, ruleId, g, owner, g.lastActivityAt !== null ? `account ${g.accountId} on ${g.systemId} holds ${g.role} but was last active ${days} days ago (allowed: ${allowed})` : `account ${g.accountId} on ${g.systemId} holds ${g.role} and has never been used in the ${days} days since it was first seen (allowed: ${allowed})`, {
              lastActivityAt: g.lastActivityAt,
              firstSeenAt: g.firstSeenAt,
              dormantAfterDays: allowed,
              daysInactive: days,
            }),
          );
        };
      },
    };
  },
};
