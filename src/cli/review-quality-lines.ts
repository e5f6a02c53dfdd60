import type { ReviewQuality } from '../domain/index.js';

/**
 * `campaign status`'s "Review quality" block: one line per flagged reviewer's observation
 * (rubber-stamp detection, domain/review-quality.ts), or that nobody was flagged.
 */
export function reviewQualityLines(quality: ReviewQuality, label: (reviewerId: string) => string): string[] {
  if (quality.reviewers.length === 0) return ['Review quality: no decisions yet.'];
  if (quality.flagged === 0) return [`Review quality: no reviewer flagged (${quality.reviewers.length} reviewer(s) decided).`];
  const lines = [`Review quality: ${quality.flagged} reviewer(s) flagged (review-quality observations):`];
  for (const r of quality.reviewers) for (const o of r.observations) lines.push(`  ${label(r.reviewerId)}: ${o.pattern}: ${o.text}`);
  return lines;
}
