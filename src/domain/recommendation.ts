/**
 * What a review item recommends to its reviewer, derived from its findings and its last activity
 * (both frozen on the item when the campaign opened, so every surface and every later rendering
 * recommends the same). Pure: the words each finding type contributes, and whether its rule
 * wants the access gone, come from the finding rules (`FindingAdvice`), not from here.
 *
 * The rule, for every finding type and severity:
 * - no findings: keep ("no findings, used 3 days ago");
 * - any finding whose rule recommends `revoke` (leaver, ended contract, orphan, not allowed,
 *   separation of duties...), or any finding of severity `high` whatever its type: revoke, for
 *   those findings, highest severity first ("leaver since 2026-11-02");
 * - otherwise (medium or low findings of types whose rule keeps the access: dormant, new since
 *   the last review, unknown role...): keep if still needed, for every finding.
 * A finding of a type no rule knows (a type since renamed) counts by its severity alone.
 */
import type { DecisionOutcome } from './campaign.js';
import type { Finding } from './finding.js';
import { severityRank } from './finding.js';

/** What a finding's rule says of it: whether the access must go, and a few words for it. */
export interface FindingAdvice {
  /** The rule's recommendation: `revoke` whatever the severity, or `approve` unless it is high. */
  decision: DecisionOutcome;
  /** A few words naming the problem: "leaver since 2026-11-02", "SoD conflict SOD-TRADE-LIMITS". */
  words: string;
}

/** The advice of each finding's rule; null for a type no rule knows. */
export type AdviceOf = (finding: Finding) => FindingAdvice | null;

export const RECOMMENDED_ACTIONS = ['keep', 'keep-if-needed', 'revoke'] as const;
export type RecommendedAction = (typeof RECOMMENDED_ACTIONS)[number];

export interface ItemRecommendation {
  action: RecommendedAction;
  /** Why, most important first; never empty. */
  reasons: string[];
}

/** What the recommendation is computed from: a review item's frozen findings and activity. */
export interface RecommendationInput {
  findings: readonly Finding[];
  lastActivityAt: string | null;
  /**
   * False when the system reports no activity at all (no grant of its snapshot had a last
   * activity time): a missing time then says nothing ("no activity data", not "never used").
   */
  activityKnown: boolean;
}

const DAY_MS = 86_400_000;

/** Last activity in words: "used today", "used 3 days ago", "used 4 months ago", "never used", "no activity data". */
export function activityWords(lastActivityAt: string | null, activityKnown: boolean, now: string): string {
  if (lastActivityAt === null) return activityKnown ? 'never used' : 'no activity data';
  // Calendar days (UTC), as the date printed beside it: 22:10 yesterday is "yesterday" at 09:00 today.
  const days = Math.floor(Date.parse(now) / DAY_MS) - Math.floor(Date.parse(lastActivityAt) / DAY_MS);
  if (Number.isNaN(days)) return 'no activity data';
  if (days <= 0) return 'used today';
  if (days === 1) return 'used yesterday';
  if (days < 60) return `used ${days} days ago`;
  if (days < 365) return `used ${Math.floor(days / 30)} months ago`;
  const years = Math.floor(days / 365);
  return years === 1 ? 'used over a year ago' : `used over ${years} years ago`;
}

export function recommend(input: RecommendationInput, adviceOf: AdviceOf, now: string): ItemRecommendation {
  if (input.findings.length === 0) return { action: 'keep', reasons: ['no findings', activityWords(input.lastActivityAt, input.activityKnown, now)] };
  const advised = input.findings.map((finding, order) => ({ finding, order, advice: adviceOf(finding) }));
  const mustGo = advised.filter(({ finding, advice }) => mustRevoke(finding, advice));
  const cited = mustGo.length > 0 ? mustGo : advised;
  const reasons = [...cited]
    .sort((a, b) => severityRank(b.finding.severity) - severityRank(a.finding.severity) || a.order - b.order)
    .map(({ finding, advice }) => advice?.words ?? finding.type);
  return { action: mustGo.length > 0 ? 'revoke' : 'keep-if-needed', reasons: [...new Set(reasons)] };
}

/** The action alone (what the demo's simulated reviewer follows): the same rule as `recommend`. */
export function recommendedAction(findings: readonly Finding[], adviceOf: AdviceOf): RecommendedAction {
  if (findings.length === 0) return 'keep';
  return findings.some((f) => mustRevoke(f, adviceOf(f))) ? 'revoke' : 'keep-if-needed';
}

function mustRevoke(finding: Finding, advice: FindingAdvice | null): boolean {
  return finding.severity === 'high' || advice?.decision === 'revoke';
}

const ACTION_WORDS: Record<RecommendedAction, string> = { keep: 'keep', 'keep-if-needed': 'keep if still needed', revoke: 'revoke' };

/** "revoke: leaver since 2026-11-02; SoD conflict SOD-X"; "keep: no findings, used 3 days ago". */
export function recommendationText(r: ItemRecommendation): string {
  return `${ACTION_WORDS[r.action]}: ${r.reasons.join(r.action === 'keep' ? ', ' : '; ')}`;
}
