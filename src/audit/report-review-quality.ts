/**
 * report.html's "Review quality" part of a campaign: rubber-stamp detection
 * (domain/review-quality.ts) per reviewer, flagged reviewers first with their
 * `review-quality` observations, and the thresholds they were judged by.
 */
import type { ReviewQuality, ReviewQualityThresholds } from '../domain/index.js';
import { esc } from './svg-charts.js';

export function reviewQualityHtml(q: ReviewQuality | undefined, reviewer: (id: string) => string): string {
  if (!q) return '';
  const head = `<h3>Review quality</h3>\n<p class="muted">Rubber-stamp detection: ${esc(thresholdsText(q.thresholds))}. An observation asks for a second look at the reviewer's decisions; it is not a verdict.</p>`;
  if (q.reviewers.length === 0) return `${head}\n<p data-field="review-quality-flagged">No decisions.</p>`;
  const seconds = (s: number | null) => (s === null ? '—' : `${Math.round(s * 10) / 10} s`);
  const rows = q.reviewers.map((r) => {
    const observations = r.observations.length === 0 ? 'none' : r.observations.map((o) => `<b>${esc(o.pattern)}</b>: ${esc(o.text)}`).join('<br>');
    return `<tr data-flagged="${r.observations.length > 0}"><td>${esc(reviewer(r.reviewerId))}</td><td>${r.decided}</td><td>${(r.approvalShare * 100).toFixed(1)}%</td><td>${r.approvedWithFindings} (${r.approvedWithSevereFindings})</td><td>${seconds(r.medianGapSeconds)}</td><td>${seconds(r.minGapSeconds)}</td><td>${r.approveAllDecisions}</td><td>${observations}</td></tr>`;
  });
  return `${head}
<p data-field="review-quality-flagged">${q.flagged === 0 ? 'No reviewer flagged.' : `${q.flagged} reviewer(s) flagged.`}</p>
<table data-table="review-quality"><thead><tr><th>Reviewer</th><th>Decided</th><th>Approved</th><th>Approved with findings (severe)</th><th>Median gap</th><th>Shortest gap</th><th>Approve-all</th><th>Observations</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>`;
}

function thresholdsText(t: ReviewQualityThresholds): string {
  const parts: string[] = [];
  if (t.approvedEverything) parts.push(`at least ${t.approvedEverything.minItems} items with ${t.approvedEverything.minApprovalShare === 1 ? 'all' : `${t.approvedEverything.minApprovalShare * 100}%`} approved, including a ${t.approvedEverything.findingSeverity} finding`);
  if (t.fastDecisions) parts.push(`at least ${t.fastDecisions.minItems} decisions a median under ${t.fastDecisions.medianGapSeconds} s apart`);
  if (t.approveAllWithFindings) parts.push('approve-all used and every item with findings approved too');
  return parts.length === 0 ? 'no pattern configured' : `flagged when ${parts.join('; or ')}`;
}
