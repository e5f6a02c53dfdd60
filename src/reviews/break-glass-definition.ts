/**
 * The built-in review definition of break-glass reviews (domain/break-glass.ts). It has no
 * reviews/<id>.yaml (the id `break-glass` is refused there) and no schedule of its own: its
 * campaigns are opened by applied snapshots (open-break-glass-reviews.ts), one per grant and
 * event. Everything that reads a campaign's definition (decisions' justification rules, Slack
 * delivery, reminders and escalations, approve-all) gets this one through findDefinition.
 *
 * - reviewers: the system owner (connectors/<system>.yaml `owner`); when the owner is the
 *   grant's holder, the security team, then the fallback reviewer (reviewer-resolution.ts).
 * - escalation: the first escalation channel of the configured reviews (the security team's),
 *   as soon as the review is overdue, so the security team sees every break-glass review
 *   that was not dealt with in time.
 * - due: policies/global.yaml `breakGlass.reviewDueHours` (default 24), or the role's own;
 *   dueInDays here is that rounded up, for display only: the campaign's dueAt is exact.
 * - justification: required to revoke, and to approve an item that has findings.
 */
import type { LoadedConfig } from '../config/load-config.js';
import type { ReviewDefinition } from '../config/review-config.js';
import type { Grant } from '../domain/index.js';
import { BREAK_GLASS_REVIEW_ID } from '../domain/index.js';

/** Where the definition comes from, as `definitionFile` (campaign.opened, the report). */
export const BREAK_GLASS_DEFINITION_FILE = 'built-in: break-glass reviews (policies/<system>.yaml roles with breakGlass)';

export function breakGlassDefinition(config: Pick<LoadedConfig, 'reviews' | 'global'>): ReviewDefinition {
  const channel = config.reviews.map((d) => d.escalation?.channel).find((c): c is string => Boolean(c));
  const hours = config.global.breakGlass.reviewDueHours;
  const days = Math.max(1, Math.ceil(hours / 24));
  return {
    id: BREAK_GLASS_REVIEW_ID,
    name: 'Break-glass review',
    description: 'An ad-hoc review of one break-glass grant, opened when it was granted or used.',
    // Never scheduled (the scheduler runs config.reviews only); a valid cron all the same.
    schedule: { cron: '0 0 1 1 *' },
    period: 'year',
    scope: { privilegedOnly: true, includeFindings: false },
    dueInDays: days,
    stages: [{ number: 1, name: 'Review', reviewers: ['systemOwner'], dueInDays: days, when: ['all'], requireJustification: ['revoke', 'approve-with-findings'] }],
    outcome: 'last-stage',
    ...(channel ? { escalation: { channel, afterDueDays: 0 } } : {}),
    file: BREAK_GLASS_DEFINITION_FILE,
  };
}

/** Whether the grant's role is marked `breakGlass` in its system's policy. */
export function isBreakGlassGrant(config: Pick<LoadedConfig, 'policies'>): (g: Pick<Grant, 'systemId' | 'role'>) => boolean {
  const roles = new Map(config.policies.map((p) => [p.system, p.roles]));
  return (g) => Boolean(roles.get(g.systemId)?.[g.role]?.breakGlass);
}

/** Hours a break-glass review of the grant is due in: its role's own, else policies/global.yaml's. */
export function breakGlassDueHours(config: Pick<LoadedConfig, 'policies' | 'global'>, g: Pick<Grant, 'systemId' | 'role'>): number {
  const marked = config.policies.find((p) => p.system === g.systemId)?.roles[g.role]?.breakGlass;
  return typeof marked === 'object' ? marked.reviewDueHours : config.global.breakGlass.reviewDueHours;
}
