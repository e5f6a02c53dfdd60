/**
 * `new-since-last-review`: the system was certified (a closed campaign) and the grant was
 * first seen after that campaign froze its scope, and was not approved in it. A system never
 * certified raises none: every grant would be "new", which says nothing; the review cadence
 * (DORA: 6/12 months) is the control for systems never reviewed. Rule `global:new-since-last-review`.
 */
import { Instant } from '../instant.js';
import { severityFor } from '../severity.js';
import type { FindingRule } from './finding-rule.js';
import { grantFinding } from './grant-finding.js';

const SEVERITY = 'low';
const RULE_ID = 'global:new-since-last-review';

export const newSinceLastReview: FindingRule = {
  type: 'new-since-last-review',
  severity: SEVERITY,
  badge: ':new: new since last review',
  recommendation: { decision: 'approve', why: 'New access is not wrong in itself: this is its first review.' },
  compliance: [],
  evaluate(ctx) {
    // Compiled once per system: `approvedGrantIds` may be an iterable that can be read only once.
    const certified = new Map<string, { campaignId: string; openedAt: Instant; certifiedAt: string; approved: Set<string> }>();
    for (const [systemId, cert] of ctx.certifications ?? []) {
      certified.set(systemId, { campaignId: cert.campaignId, openedAt: Instant.of(cert.openedAt), certifiedAt: cert.certifiedAt, approved: new Set(cert.approvedGrantIds) });
    }
    return {
      checkFor(system, role) {
        const cert = certified.get(system.id);
        if (!system.report || cert === undefined) return null;
        const severity = severityFor(SEVERITY, role.privileged, system.critical);
        return (g, owner) => {
          if (g.firstSeenAt === null || !cert.openedAt.isBefore(g.firstSeenAt) || cert.approved.has(g.id)) return;
          ctx.report(
            grantFinding('new-since-last-review', severity, RULE_ID, g, owner, `${g.role} on ${g.systemId} for ${owner?.label ?? `account ${g.accountId}`} was first seen ${g.firstSeenAt}, after the last certification (${cert.campaignId}) froze its scope: not yet reviewed`, {
              campaignId: cert.campaignId,
              campaignOpenedAt: cert.openedAt.iso,
              certifiedAt: cert.certifiedAt,
              firstSeenAt: g.firstSeenAt,
            }),
          );
        };
      },
    };
  },
};
