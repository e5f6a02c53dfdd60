/**
 * The earlier stages of a multi-stage item in words (pure), as the CLI, the report and the
 * later stage's reviewer see them: `Stage 1 (Manager review): revoked by boss@example.com on
 * 2026-12-01: "moved to the back office"`.
 */
import type { ReviewDefinition } from '../config/review-config.js';
import type { Decision } from '../domain/index.js';
import { outcomeState } from '../domain/index.js';

export function stageLabel(def: Pick<ReviewDefinition, 'stages'> | null | undefined, stage: number): string {
  const name = def?.stages[stage - 1]?.name;
  return name ? `Stage ${stage} (${name})` : `Stage ${stage}`;
}

export function stageDecisionText(def: Pick<ReviewDefinition, 'stages'> | null | undefined, d: Decision): string {
  const why = d.justification ? `: "${d.justification}"` : '';
  return `${stageLabel(def, d.stage ?? 1)}: ${outcomeState(d.outcome)} by ${d.reviewerEmail ?? d.reviewerId} on ${d.decidedAt.slice(0, 10)}${why}`;
}
