import type { SystemCoverage } from '../../domain/index.js';
import type { Block } from './block-types.js';
import { boundedList } from './bounded-list.js';
import { dayLabel, plural, relativeDue, userText } from './mrkdwn.js';

/** One system's review cadence as the security team's App Home shows it. */
export type CoverageLine = Pick<SystemCoverage, 'system' | 'criticality' | 'lastReviewedAt' | 'nextDueAt' | 'overdue'> & { name: string };

/**
 * The security team's App Home part on DORA review cadence: one compact line per system, by
 * due date (so the overdue ones come first, the longest overdue first), never-synced ones last;
 * in one section, so any number of systems costs three blocks (what does not fit is counted).
 */
export function coverageHomeBlocks(coverage: readonly CoverageLine[], now: string): Block[] {
  const overdue = coverage.filter((c) => c.overdue).length;
  const sorted = [...coverage].sort((a, b) => (a.nextDueAt ?? '\uffff').localeCompare(b.nextDueAt ?? '\uffff') || a.system.localeCompare(b.system));
  const lines = sorted.map((c) => {
    const name = `*${userText(c.name, 80)}* (${userText(c.criticality, 20)})`;
    if (c.nextDueAt === null) return `• :white_circle: ${name}: never synced, no review due`;
    const last = c.lastReviewedAt ? `last reviewed ${dayLabel(c.lastReviewedAt)}` : 'never reviewed';
    return c.overdue
      ? `• :red_circle: ${name}: *review overdue* since ${dayLabel(c.nextDueAt)} (${relativeDue(c.nextDueAt, now)}) · ${last}`
      : `• :large_green_circle: ${name}: next review due ${dayLabel(c.nextDueAt)} (${relativeDue(c.nextDueAt, now)}) · ${last}`;
  });
  const summary = coverage.length === 0 ? 'No systems to review.' : overdue > 0 ? `:red_circle: ${plural(overdue, 'system')} overdue of ${coverage.length}.` : `All ${plural(coverage.length, 'system')} reviewed within cadence.`;
  return [
    { type: 'divider' },
    { type: 'header', text: { type: 'plain_text', text: 'Review cadence (security team)' } },
    { type: 'section', text: { type: 'mrkdwn', text: boundedList([summary, ...lines], (rest) => `…and ${plural(rest, 'more system')}: \`iam-review coverage\``) } },
  ];
}
