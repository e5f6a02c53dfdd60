import type { EvaluationInput, EvaluationResult } from './evaluation-context.js';
import { PolicyEvaluator } from './policy-evaluator.js';

/**
 * Evaluates every policy over the current state in one pass (pure). For grants that
 * arrive asynchronously (a store), feed a PolicyEvaluator batch by batch instead.
 */
export function evaluatePolicies(input: EvaluationInput): EvaluationResult {
  const evaluator = new PolicyEvaluator(input);
  for (const batch of input.grants) evaluator.add(batch);
  return evaluator.finish();
}
