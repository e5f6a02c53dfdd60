/**
 * Each finding's advice for a review item's recommendation (`recommend` in the domain), read
 * from its rule: the rule's decision and its words for the finding (`words`, else the badge's
 * words without the emoji). Null for a type no rule knows.
 */
import type { AdviceOf, Finding, FindingAdvice, FindingType } from '../../domain/index.js';
import type { FindingRule } from './finding-rule.js';
import { FINDING_RULES } from './index.js';

const RULES = new Map<FindingType, FindingRule>(FINDING_RULES.map((rule) => [rule.type, rule]));

/** `:door: leaver` -> `leaver` */
export function badgeWords(badge: string): string {
  return badge.replace(/^:[a-z0-9_+-]+:\s*/, '');
}

export const adviceOf: AdviceOf = (finding: Finding): FindingAdvice | null => {
  const rule = RULES.get(finding.type);
  if (!rule) return null;
  const words = rule.words?.(finding).trim();
  return { decision: rule.recommendation.decision, words: words || badgeWords(rule.badge) };
};
