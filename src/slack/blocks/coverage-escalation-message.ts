import type { SystemCoverage } from '../../domain/index.js';
import type { MessagePayload } from './block-types.js';
import { boundedList } from './bounded-list.js';
import { dayLabel, plural, relativeDue, truncateText, userText } from './mrkdwn.js';

export interface CoverageEscalationInput {
  /** The overdue systems this channel hears of, with their display names. */
  overdue: ReadonlyArray<Pick<SystemCoverage, 'system' | 'criticality' | 'cadenceMonths' | 'lastReviewedAt' | 'campaign' | 'nextDueAt'> & { name: string }>;
  now: string;
}

/**
 * The daily escalation of systems whose access review is overdue (DORA cadence): one message
 * per escalation channel listing its overdue systems, most overdue first, each with its
 * criticality, last complete review and the due date it missed (what does not fit is counted,
 * never dropped silently).
 */
export function coverageEscalationMessage(input: CoverageEscalationInput): MessagePayload {
  const { overdue } = input;
  const list = boundedList(
    [...overdue]
      .sort((a, b) => (a.nextDueAt ?? '').localeCompare(b.nextDueAt ?? '') || a.system.localeCompare(b.system))
      .map((s) => {
        const last = s.lastReviewedAt ? `last reviewed ${dayLabel(s.lastReviewedAt)} (${userText(s.campaign ?? '', 100)})` : 'never completely reviewed';
        const due = s.nextDueAt ? `due ${dayLabel(s.nextDueAt)} (${relativeDue(s.nextDueAt, input.now)})` : 'due';
        return `• *${userText(s.name, 100)}* (${userText(s.criticality, 40)}, every ${s.cadenceMonths} months): ${last}; review ${due}`;
      }),
    (rest) => `…and ${plural(rest, 'more system')}: \`iam-review coverage\``,
  );
  const intro = `:calendar: ${plural(overdue.length, 'system')} ${overdue.length === 1 ? 'is' : 'are'} past ${overdue.length === 1 ? 'its' : 'their'} access review cadence (DORA RTS Art. 21: every grant reviewed by a completed campaign). Open a campaign that covers ${overdue.length === 1 ? 'it' : 'them'} and have it completed.`;
  return {
    text: truncateText(`Access reviews overdue: ${overdue.map((s) => s.name).join(', ')}`, 300),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: intro } },
      { type: 'section', text: { type: 'mrkdwn', text: list } },
    ],
  };
}
