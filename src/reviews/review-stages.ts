/**
 * Multi-stage reviews (pure): where an item goes after a decision at a stage, and when it is due
 * there. A definition without `stages:` is one stage (review-config.ts), so these rules cover
 * every campaign: with one stage every decision settles its item, as it always did.
 *
 * After a decision at stage n, the item goes to the first later stage whose `when` admits the
 * decision (`all`; `approve`; `revoke`; `approve-with-findings`: an approval of an item with
 * findings), else the decision settles it. Under outcome `any-revoke` a revoke settles the item
 * at once, whatever later stages admit. Under `last-stage` the decision of the last stage the
 * item reached settles it, so a later stage may overturn an earlier revoke (and an earlier
 * approval).
 */
import type { ReviewDefinition, ReviewStage } from '../config/review-config.js';
import type { Campaign, DecisionOutcome, ReviewItem } from '../domain/index.js';

const DAY_MS = 86_400_000;

/** The item's current stage number (absent on the item: 1). */
export function stageNumberOf(item: Pick<ReviewItem, 'stage'>): number {
  return item.stage ?? 1;
}

/** Stage `n` of the definition (1-based); throws when it has none (an item of a definition since edited). */
export function stageOf(def: Pick<ReviewDefinition, 'id' | 'stages'>, n: number): ReviewStage {
  const stage = def.stages[n - 1];
  if (!stage) throw new Error(`review ${def.id} has ${def.stages.length} stage(s), not a stage ${n}: was the definition changed during its campaign?`);
  return stage;
}

export function isMultiStage(def: Pick<ReviewDefinition, 'stages'>): boolean {
  return def.stages.length > 1;
}

/**
 * Whether a stage's `when` admits a decision of the stage before. `flagged`: the decider is
 * flagged by rubber-stamp detection (only asked for where it matters: needsFlag).
 */
export function stageAdmits(stage: Pick<ReviewStage, 'when'>, outcome: DecisionOutcome, findingsCount: number, flagged = false): boolean {
  const withFindings = outcome === 'approve' && findingsCount > 0;
  return stage.when.some((w) => w === 'all' || w === outcome || (w === 'approve-with-findings' && withFindings) || (w === 'flagged-approval' && withFindings && flagged));
}

/** The stage a decision at stage `from` sends the item to, or null when the decision settles it. */
export function nextStage(def: Pick<ReviewDefinition, 'stages' | 'outcome'>, from: number, outcome: DecisionOutcome, findingsCount: number, flagged = false): ReviewStage | null {
  if (outcome === 'revoke' && def.outcome === 'any-revoke') return null;
  return def.stages.slice(from).find((s) => stageAdmits(s, outcome, findingsCount, flagged)) ?? null;
}

/** Whether the decision's way on depends on the decider being flagged (a later stage takes `flagged-approval`): worth reading their decisions. */
export function needsFlag(def: Pick<ReviewDefinition, 'stages'>, from: number, outcome: DecisionOutcome, findingsCount: number): boolean {
  return outcome === 'approve' && findingsCount > 0 && def.stages.slice(from).some((s) => s.when.includes('flagged-approval'));
}

/**
 * When an item is due in its current stage: its `stageDueAt` (set when it reached a later stage:
 * then + that stage's days, never after the campaign's due), else stage 1's (opening + stage 1's
 * days; for a single-stage definition the campaign's due).
 */
export function itemDueAt(campaign: Pick<Campaign, 'openedAt' | 'dueAt'>, def: Pick<ReviewDefinition, 'id' | 'stages'>, item: Pick<ReviewItem, 'stageDueAt'>): string {
  if (item.stageDueAt) return item.stageDueAt;
  const first = new Date(new Date(campaign.openedAt).getTime() + stageOf(def, 1).dueInDays * DAY_MS).toISOString();
  return first < campaign.dueAt ? first : campaign.dueAt;
}

/** Due time of a stage an item reaches at `at`: at + the stage's days, never after the campaign's due. */
export function stageDueAt(campaign: Pick<Campaign, 'dueAt'>, stage: Pick<ReviewStage, 'dueInDays'>, at: string): string {
  const due = new Date(new Date(at).getTime() + stage.dueInDays * DAY_MS).toISOString();
  return due < campaign.dueAt ? due : campaign.dueAt;
}

/**
 * What campaign.opened records of the definition's reviewers and deadlines: stage 1's reviewer
 * order and the campaign's days as before; a multi-stage definition adds its stages and outcome
 * rule (absent: one stage), so the report states them as they were when the campaign opened.
 */
export function openingStagesData(def: Pick<ReviewDefinition, 'stages' | 'outcome' | 'dueInDays'>): Record<string, unknown> {
  return {
    reviewers: def.stages[0]!.reviewers,
    dueInDays: def.dueInDays,
    ...(isMultiStage(def)
      ? { stages: def.stages.map((s) => ({ number: s.number, name: s.name, reviewers: s.reviewers, dueInDays: s.dueInDays, when: s.when, requireJustification: s.requireJustification })), outcome: def.outcome }
      : {}),
  };
}
