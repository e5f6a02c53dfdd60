/**
 * The reviewer context of review items for the CLI, worded exactly as in Slack (the same entries
 * and the same section text, as plain text): the person with job title and department, the
 * system's name and criticality, the role's description, what it allows, last activity, the
 * findings and the recommendation. `campaign items --context` prints it; other commands may too.
 */
import type { ReviewItem } from '../domain/index.js';
import { recommendationText } from '../domain/index.js';
import type { ReviewDefinition } from '../config/review-config.js';
import { findDefinition } from '../reviews/open-campaign.js';
import type { ReviewDeps } from '../reviews/review-deps.js';
import { isMultiStage } from '../reviews/review-stages.js';
import { stageDecisionText, stageLabel } from '../reviews/stage-history.js';
import { itemRecommendation, itemSectionText, textPreview } from '../slack/blocks/index.js';
import { loadPeople } from '../slack/people.js';
import { reviewEntries } from '../slack/review-entries.js';
import type { CliContext } from './cli-context.js';

export interface ItemContext {
  itemId: string;
  /** The item's description as the reviewer's DM shows it, in plain text (several lines). */
  text: string;
  /** `revoke: leaver since 2026-11-02`, `keep: no findings, used 3 days ago`. */
  recommendation: string;
  /** Multi-stage items: the stage the item is in, and each earlier stage's decision in words (stage-history.ts). */
  stage?: string;
  earlierStages?: string[];
}

export async function itemContexts(deps: Pick<ReviewDeps, 'store' | 'config'>, items: readonly ReviewItem[], now: string): Promise<ItemContext[]> {
  const entries = await reviewEntries(deps, await loadPeople(deps.store), items);
  const definitions = new Map<string, ReviewDefinition | null>();
  return Promise.all(
    entries.map(async (entry) => {
      const context: ItemContext = {
        itemId: entry.item.id,
        text: textPreview([{ type: 'section', text: { type: 'mrkdwn', text: itemSectionText(entry, now) } }]),
        recommendation: recommendationText(itemRecommendation(entry, now)),
      };
      const def = await definitionOf(deps, entry.item.campaignId, definitions);
      if (!def || !isMultiStage(def)) return context;
      const earlier = await deps.store.campaigns.stageDecisions(entry.item.id);
      return { ...context, stage: `${stageLabel(def, entry.item.stage ?? 1)} of ${def.stages.length}`, earlierStages: earlier.map((d) => stageDecisionText(def, d)) };
    }),
  );
}

/** The definition of an item's campaign (null: the campaign or its definition is gone), looked up once per campaign. */
async function definitionOf(deps: Pick<ReviewDeps, 'store' | 'config'>, campaignId: string, seen: Map<string, ReviewDefinition | null>): Promise<ReviewDefinition | null> {
  if (!seen.has(campaignId)) {
    const campaign = await deps.store.campaigns.get(campaignId);
    let def: ReviewDefinition | null = null;
    try {
      def = campaign ? findDefinition(deps, campaign.reviewId) : null;
    } catch {
      def = null;
    }
    seen.set(campaignId, def);
  }
  return seen.get(campaignId)!;
}

/** `campaign items --context`: each item's id, then its context indented; with `json`, the contexts as JSON. */
export function printItemContexts(ctx: Pick<CliContext, 'io'>, contexts: readonly ItemContext[], json: boolean): void {
  if (json) return ctx.io.out(JSON.stringify({ items: contexts }, null, 2));
  if (contexts.length === 0) return ctx.io.out('No items.');
  const stages = (c: ItemContext) => (c.stage ? `\n    ${c.stage}${(c.earlierStages ?? []).map((s) => `\n      ${s}`).join('')}` : '');
  ctx.io.out(contexts.map((c) => `${c.itemId}\n${c.text.replace(/^/gm, '    ')}${stages(c)}`).join('\n\n'));
}
