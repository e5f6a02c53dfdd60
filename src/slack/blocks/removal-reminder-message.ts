import type { Remediation } from '../../domain/index.js';
import type { MessagePayload } from './block-types.js';
import { boundedList } from './bounded-list.js';
import { dayLabel, plural, relativeDue, slackDate, truncateText, userText } from './mrkdwn.js';

export interface RemovalReminderInput {
  system: { id: string; name: string };
  owner: { name: string };
  removals: ReadonlyArray<Pick<Remediation, 'id' | 'accountId' | 'role' | 'scope' | 'dueAt'>>;
  now: string;
}

/**
 * The owner's one reminder of removals asked for and not yet marked removed, before their due
 * time, batched per system: the list (what does not fit is counted, never dropped silently) and
 * where to click (the removal request, or the app's Home tab). It carries no buttons: the
 * request and the Home tab are the places a click updates.
 */
export function removalReminderMessage(input: RemovalReminderInput): MessagePayload {
  const { system, removals } = input;
  const sorted = [...removals].sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.id.localeCompare(b.id));
  const name = userText(system.name, 100);
  const list = boundedList(
    sorted.map((r) => `• *${userText(r.accountId, 100)}* · ${userText(r.role, 80)}${r.scope ? ` · ${userText(r.scope, 80)}` : ''}: due ${slackDate(r.dueAt, '{date_short_pretty} {time}', dayLabel(r.dueAt))} (${relativeDue(r.dueAt, input.now)})`),
    (rest) => `…and ${plural(rest, 'more removal')}: \`iam-review remediation list --state requested --system ${userText(system.id, 100)}\``,
  );
  const n = sorted.length;
  const intro = `:alarm_clock: Hi ${userText(input.owner.name, 60)}, a reminder: ${plural(n, 'revoked grant')} in *${name}* ${n === 1 ? 'is' : 'are'} due for removal soon and not marked removed yet. Please remove ${n === 1 ? 'it' : 'them'} and click *Mark removed* in the removal request (or on the app's Home tab). Past the due time, the removal is escalated.`;
  return {
    text: truncateText(`Reminder: access to remove in ${system.name}: ${plural(n, 'grant')}, the first due ${dayLabel(sorted[0]?.dueAt ?? input.now)}`, 300),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: intro } },
      { type: 'section', text: { type: 'mrkdwn', text: list } },
    ],
  };
}
