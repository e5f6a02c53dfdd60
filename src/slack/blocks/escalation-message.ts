import type { Campaign } from '../../domain/campaign.js';
import type { MessagePayload } from './block-types.js';
import { dayLabel, plural, relativeDue, slackDate, truncateText, userText } from './mrkdwn.js';
import { boundedList } from './bounded-list.js';

export interface OverdueReviewer {
  reviewerName: string;
  /** Mentioned (and so notified) when known; must look like a Slack user id. */
  reviewerSlackId: string | null;
  pending: number;
  withFindings: number;
}

export interface EscalationInput {
  campaign: Pick<Campaign, 'id' | 'name' | 'dueAt'>;
  now: string;
  /** The escalation channel (one message per campaign), or one manager (one message for all their reports). */
  audience: { kind: 'channel' } | { kind: 'manager'; managerName: string };
  overdue: readonly OverdueReviewer[];
}

const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

/**
 * Escalation after the due date, batched: one message to the escalation channel listing every
 * overdue reviewer of a campaign, and one message to each manager listing their reports.
 */
export function escalationMessage(input: EscalationInput): MessagePayload {
  const { campaign, overdue } = input;
  const items = overdue.reduce((n, r) => n + r.pending, 0);
  const due = slackDate(campaign.dueAt, '{date_long_pretty}', dayLabel(campaign.dueAt));
  const late = relativeDue(campaign.dueAt, input.now);
  const name = userText(campaign.name, 120);
  const list = boundedList(
    [...overdue]
      .sort((a, b) => b.pending - a.pending || a.reviewerName.localeCompare(b.reviewerName))
      .map((r) => {
        const who = r.reviewerSlackId && SLACK_USER_ID.test(r.reviewerSlackId) ? `<@${r.reviewerSlackId}>` : `*${userText(r.reviewerName, 60)}*`;
        const flagged = r.withFindings > 0 ? `, ${r.withFindings} with findings` : '';
        return `• ${who}: ${r.pending} pending${flagged}`;
      }),
    (rest) => `…and ${plural(rest, 'more reviewer')}: \`iam-review campaign status ${userText(campaign.id, 200)}\``,
  );
  const intro =
    input.audience.kind === 'channel'
      ? `:rotating_light: *${name}* was due ${due} (${late}): ${plural(overdue.length, 'reviewer')} still have ${plural(items, 'item')} to decide.`
      : `:rotating_light: Hi ${userText(input.audience.managerName, 60)}, people who report to you have not finished *${name}*, due ${due} (${late}). Please follow up, or ask the security team to reassign their items.`;
  return {
    text: truncateText(`Overdue access review: ${campaign.name}: ${plural(items, 'item')} pending (${plural(overdue.length, 'reviewer')})`, 300),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: intro } },
      { type: 'section', text: { type: 'mrkdwn', text: list } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Items still pending when the campaign closes are recorded as expired (not reviewed).' }] },
    ],
  };
}
