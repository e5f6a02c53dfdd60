/**
 * `changed-since-last-review`: the grant was approved in the system's last certification, and
 * what it allows (its detail: a policy's privileged paths, a custody-policy rule's thresholds)
 * is not what the reviewer approved then. The grant id is the same (a detail never changes it),
 * so without this the access would count as certified. Compares the canonical detail texts; a
 * grant approved without a detail that has one now has changed too. Rule
 * `global:changed-since-last-review`.
 */
import { grantDetailText } from '../../domain/index.js';
import { severityFor } from '../severity.js';
import { ISO_PRIVILEGED_ACCESS } from './compliance-references.js';
import type { FindingRule } from './finding-rule.js';
import { grantFinding } from './grant-finding.js';

const SEVERITY = 'medium';
const RULE_ID = 'global:changed-since-last-review';
/** Characters of each summary quoted in the reason. */
const SUMMARY_CHARS = 200;

interface Certified {
  campaignId: string;
  certifiedAt: string;
  approved: Set<string>;
  details: Readonly<Record<string, string>>;
}

export const changedSinceLastReview: FindingRule = {
  type: 'changed-since-last-review',
  severity: SEVERITY,
  badge: ':arrows_counterclockwise: changed since approved',
  recommendation: { decision: 'approve', why: 'The access was approved as it was then; the reviewer decides whether what it allows now is still needed.' },
  compliance: [ISO_PRIVILEGED_ACCESS],
  evaluate(ctx) {
    const certified = new Map<string, Certified>();
    for (const [systemId, cert] of ctx.certifications ?? []) {
      certified.set(systemId, { campaignId: cert.campaignId, certifiedAt: cert.certifiedAt, approved: new Set(cert.approvedGrantIds), details: cert.approvedDetails ?? {} });
    }
    return {
      checkFor(system, role) {
        const cert = certified.get(system.id);
        if (!system.report || cert === undefined) return null;
        const severity = severityFor(SEVERITY, role.privileged, system.critical);
        return (g, owner) => {
          if (!cert.approved.has(g.id)) return;
          const then = cert.details[g.id] ?? null;
          const now = grantDetailText(g.detail);
          if (then === now) return;
          const summaryThen = summaryOf(then);
          const summaryNow = typeof g.detail?.summary === 'string' ? g.detail.summary : null;
          ctx.report(
            grantFinding(
              'changed-since-last-review',
              severity,
              RULE_ID,
              g,
              owner,
              `${g.role} on ${g.systemId} for ${owner?.label ?? `account ${g.accountId}`} was approved in ${cert.campaignId} allowing ${quote(summaryThen)}; it now allows ${quote(summaryNow)}`,
              { campaignId: cert.campaignId, certifiedAt: cert.certifiedAt, detailThen: then, detailNow: now },
            ),
          );
        };
      },
    };
  },
};

function summaryOf(text: string | null): string | null {
  if (text === null) return null;
  const summary = (JSON.parse(text) as { summary?: unknown }).summary;
  return typeof summary === 'string' ? summary : null;
}

function quote(summary: string | null): string {
  if (summary === null) return 'nothing noted';
  return `"${summary.length > SUMMARY_CHARS ? `${summary.slice(0, SUMMARY_CHARS)}…` : summary}"`;
}
