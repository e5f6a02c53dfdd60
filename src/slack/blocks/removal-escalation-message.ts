import type { Remediation } from '../../domain/index.js';
import type { MessagePayload } from './block-types.js';
import { boundedList } from './bounded-list.js';
import { dayLabel, plural, relativeDue, truncateText, userText } from './mrkdwn.js';

export interface RemovalEscalationInput {
  system: { id: string; name: string; owner: string };
  /** The escalation channel (the review definitions'), or the system's owner. */
  audience: 'channel' | 'owner';
  /** Mentioned in the channel message when known; must look like a Slack user id. */
  ownerSlackId: string | null;
  overdue: ReadonlyArray<Pick<Remediation, 'id' | 'accountId' | 'role' | 'scope' | 'dueAt'>>;
  now: string;
}

const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

/**
 * The daily escalation of removals past their due time, batched per system: one message to the
 * owner and one to the escalation channel, each listing the overdue removals (what does not fit
 * is counted, never dropped silently).
 */
export function removalEscalationMessage(input: RemovalEscalationInput): MessagePayload {
  const { system, overdue } = input;
  const name = userText(system.name, 100);
  const list = boundedList(
    [...overdue]
      .sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.id.localeCompare(b.id))
      .map((r) => `• *${userText(r.accountId, 100)}* · ${userText(r.role, 80)}${r.scope ? ` · ${userText(r.scope, 80)}` : ''}: due ${dayLabel(r.dueAt)} (${relativeDue(r.dueAt, input.now)})`),
    (rest) => `…and ${plural(rest, 'more removal')}: \`iam-review remediation list --state overdue --system ${userText(system.id, 100)}\``,
  );
  const owner = input.ownerSlackId && SLACK_USER_ID.test(input.ownerSlackId) ? `<@${input.ownerSlackId}>` : `*${userText(system.owner, 100)}*`;
  const intro =
    input.audience === 'channel'
      ? `:rotating_light: *${name}*: ${plural(overdue.length, 'revoked grant')} not removed by the due time (owner ${owner}). A removal counts as done only when a sync no longer shows it.`
      : `:rotating_light: *${name}*: ${plural(overdue.length, 'revoked grant')} you own ${overdue.length === 1 ? 'is' : 'are'} past the removal due time. Please remove ${overdue.length === 1 ? 'it' : 'them'} and click *Mark removed* in the removal request (or on the app's Home tab).`;
  return {
    text: truncateText(`Overdue access removals: ${system.name}: ${plural(overdue.length, 'grant')} not removed`, 300),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: intro } },
      { type: 'section', text: { type: 'mrkdwn', text: list } },
    ],
  };
}
