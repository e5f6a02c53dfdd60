import type { ReviewStage } from '../config/review-config.js';
import type { DecisionOutcome } from '../domain/index.js';

/** Minimum length of a required justification: "ok" is not a reason an auditor accepts. */
export const MIN_JUSTIFICATION = 10;

/** Whether a decision needs a written justification under the rules of the stage it is made at. */
export function justificationRequired(def: Pick<ReviewStage, 'requireJustification'>, outcome: DecisionOutcome, findingsCount: number): boolean {
  const rules = def.requireJustification;
  if (outcome === 'revoke') return rules.includes('revoke');
  if (rules.includes('approve')) return true;
  return findingsCount > 0 && rules.includes('approve-with-findings');
}
