import type { Campaign } from '../../domain/campaign.js';
import type { MessagePayload } from './block-types.js';
import { boundedList } from './bounded-list.js';
import { dayLabel, plural, relativeDue, slackDate, userText } from './mrkdwn.js';

export interface ReminderInput {
  reviewer: { name: string };
  now: string;
  /** Every open campaign where the reviewer still has pending items. */
  campaigns: ReadonlyArray<{ campaign: Pick<Campaign, 'id' | 'name' | 'dueAt'>; pending: number; withFindings: number }>;
}

/**
 * One reminder per reviewer, batching all their pending items (never one message per item). It
 * points to the review messages in the same DM rather than repeating the items.
 */
export function reminderMessage(input: ReminderInput): MessagePayload {
  const total = input.campaigns.reduce((n, c) => n + c.pending, 0);
  const soonest = [...input.campaigns].sort((a, b) => a.campaign.dueAt.localeCompare(b.campaign.dueAt))[0];
  const lines = boundedList(
    input.campaigns.map(({ campaign, pending, withFindings }) => {
      const due = slackDate(campaign.dueAt, '{date_short_pretty}', dayLabel(campaign.dueAt));
      const flagged = withFindings > 0 ? `, ${withFindings} with findings` : '';
      return `• *${userText(campaign.name, 120)}*: ${pending} pending${flagged} · due ${due} (${relativeDue(campaign.dueAt, input.now)})`;
    }),
    (rest) => `…and ${plural(rest, 'more campaign')}: see this app's Home tab.`,
  );
  const dueHint = soonest ? `, the first due ${relativeDue(soonest.campaign.dueAt, input.now)}` : '';
  return {
    text: `Reminder: ${plural(total, 'access-review item')} waiting for your decision${dueHint}`,
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `:bell: Hi ${userText(input.reviewer.name, 60)}, a reminder: *${plural(total, 'access-review item')}* still wait for your decision.` },
      },
      { type: 'section', text: { type: 'mrkdwn', text: lines } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Decide in the review messages above in this conversation, or in this app\'s Home tab.' }] },
    ],
  };
}
