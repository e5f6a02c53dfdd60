/**
 * The reviewer context of review items for the CLI, worded exactly as in Slack (the same entries
 * and the same section text, as plain text): the person with job title and department, the
 * system's name and criticality, the role's description, what it allows, last activity, the
 * findings and the recommendation. `campaign items --context` prints it; other commands may too.
 */
import type { ReviewItem } from '../domain/index.js';
import { recommendationText } from '../domain/index.js';
import type { ReviewDeps } from '../reviews/review-deps.js';
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
}

export async function itemContexts(deps: Pick<ReviewDeps, 'store' | 'config'>, items: readonly ReviewItem[], now: string): Promise<ItemContext[]> {
  const entries = await reviewEntries(deps, await loadPeople(deps.store), items);
  return entries.map((entry) => ({
    itemId: entry.item.id,
    text: textPreview([{ type: 'section', text: { type: 'mrkdwn', text: itemSectionText(entry, now) } }]),
    recommendation: recommendationText(itemRecommendation(entry, now)),
  }));
}

/** `campaign items --context`: each item's id, then its context indented; with `json`, the contexts as JSON. */
export function printItemContexts(ctx: Pick<CliContext, 'io'>, contexts: readonly ItemContext[], json: boolean): void {
  if (json) return ctx.io.out(JSON.stringify({ items: contexts }, null, 2));
  if (contexts.length === 0) return ctx.io.out('No items.');
  ctx.io.out(contexts.map((c) => `${c.itemId}\n${c.text.replace(/^/gm, '    ')}`).join('\n\n'));
}
