/**
 * `review-overdue`: a system whose access was not completely reviewed within its cadence
 * (policies/global.yaml `reviewCadenceMonths` by criticality; DORA RTS Art. 21). One finding
 * per system (no grant; rule `cadence:<system>`), from the coverage the check computed
 * (domain/review-coverage.ts: a closed campaign that covered every grant and let none expire;
 * a system never reviewed counts from its first applied snapshot). Severity by criticality, as
 * every rule's: medium, high on a critical system.
 */
import type { Finding, SystemCoverage } from '../../domain/index.js';
import { findingKey } from '../../domain/index.js';
import { DORA_ACCESS_REVIEW, ISO_ACCESS_RIGHTS } from './compliance-references.js';
import type { FindingRule } from './finding-rule.js';
import { severityFor } from '../severity.js';

const SEVERITY = 'medium';
const DAY_MS = 86_400_000;

export const reviewOverdue: FindingRule = {
  type: 'review-overdue',
  severity: SEVERITY,
  badge: ':calendar: review overdue',
  recommendation: { decision: 'approve', why: 'The finding concerns the whole system, not this access: the overdue review itself is the remedy.' },
  compliance: [DORA_ACCESS_REVIEW, ISO_ACCESS_RIGHTS],
  evaluate(ctx) {
    return {
      checkFor: () => null,
      finish() {
        for (const s of ctx.systems) {
          const coverage = ctx.reviewCoverage?.get(s.id);
          if (coverage?.overdue) ctx.report(overdueFinding(coverage, ctx.now));
        }
      },
    };
  },
};

function overdueFinding(c: SystemCoverage, now: Date): Finding {
  const ruleId = `cadence:${c.system}`;
  const days = Math.floor((now.getTime() - Date.parse(c.nextDueAt!)) / DAY_MS);
  const last = c.lastReviewedAt
    ? `last completely reviewed by ${c.campaign}, closed ${c.lastReviewedAt.slice(0, 10)}`
    : `never completely reviewed since its first applied snapshot`;
  const incomplete = c.incompleteCampaign ? `; ${c.incompleteCampaign} covered it but let items expire unreviewed` : '';
  return {
    key: findingKey('review-overdue', ruleId, c.system),
    type: 'review-overdue',
    severity: severityFor(SEVERITY, false, c.criticality === 'critical'),
    systemId: c.system,
    grantId: null,
    accountId: null,
    identityId: null,
    role: null,
    scope: null,
    ruleId,
    reason: `${c.system} (${c.criticality}) must be reviewed every ${c.cadenceMonths} months: ${last}${incomplete}; the next review was due ${c.nextDueAt!.slice(0, 10)} (${days} day(s) ago)`,
    evidence: { criticality: c.criticality, cadenceMonths: c.cadenceMonths, lastReviewedAt: c.lastReviewedAt, campaign: c.campaign, nextDueAt: c.nextDueAt, incompleteCampaign: c.incompleteCampaign },
  };
}
