import { severityRank } from '../../domain/finding.js';
import { activityWords, recommendationText } from '../../domain/recommendation.js';
import { BLOCK_KIT_LIMITS } from './block-kit-limits.js';
import type { Block, ModalView } from './block-types.js';
import { encodeModalMetadata } from './modal-metadata.js';
import { escapeMrkdwn, plural, userText } from './mrkdwn.js';
import type { ReviewEntry } from './review-item-blocks.js';
import { findingBadges, itemRecommendation, stageLabel } from './review-item-blocks.js';
import { dayLabel, slackDate, utcLabel } from './mrkdwn.js';

export const DETAILS_VIEW = { callbackId: 'review_details' } as const;

/** Text per section: a margin below Slack's 3,000. */
const SECTION_CHARS = 2_900;
/** Blocks kept free for the closing "not shown" line. */
const VIEW_BLOCKS = BLOCK_KIT_LIMITS.viewBlocks - 1;
/** Serialized size the blocks may use: a margin below Slack's 250,000 bytes. */
const VIEW_BYTES = BLOCK_KIT_LIMITS.viewBytes - 10_000;

/**
 * The "Details" modal of a review item: everything its message line shortens, in full. Who
 * (name, job title, department, email), the system (name, id, criticality), the role with its
 * policy description and what the grant allows, the last activity, the recommendation, then
 * each finding, highest severity first, with its full reason and its evidence as JSON. Text
 * longer than a section holds continues in the next section; what does not fit Slack's view
 * limits (100 blocks, 250 kB) is counted in a last line naming where the rest is.
 * Read-only: no submit button.
 */
export function detailsModal(entry: ReviewEntry, now: string): ModalView {
  const { item, subject, system } = entry;
  const who = subject
    ? [`*${userText(subject.name, 200)}*`, subject.jobTitle ? userText(subject.jobTitle, 200) : null, subject.department ? userText(subject.department, 200) : null, subject.email ? userText(subject.email, 200) : null]
    : [`*Unowned account* (no owner identity is recorded for it)`];
  const systemName = system ? `*${userText(system.name, 200)}* (\`${userText(item.systemId, 200)}\`, criticality ${userText(system.criticality, 40)})` : `*${userText(item.systemId, 200)}*`;
  const access = [
    who.filter((x) => x !== null).join(' · '),
    `${systemName}\nAccount \`${userText(item.accountId, 300)}\` · role \`${userText(item.role, 300)}\`${item.scope ? ` · scope \`${userText(item.scope, 300)}\`` : ''}`,
    entry.roleDescription ? `*Role:* ${userText(entry.roleDescription, 1_000)}` : null,
    typeof item.detail?.summary === 'string' && item.detail.summary.trim() !== '' ? `*Allows:* ${userText(item.detail.summary, 1_000)}` : null,
    `*Last activity:* ${activityWords(item.lastActivityAt, entry.activityKnown ?? true, now)}${item.lastActivityAt ? ` (${userText(item.lastActivityAt, 40)})` : ''}`,
  ].filter((x): x is string => x !== null);

  const blocks: Block[] = [];
  let hidden = 0;
  const add = (block: Block): boolean => {
    if (blocks.length >= VIEW_BLOCKS || bytes(blocks) + bytes([block]) > VIEW_BYTES) return false;
    blocks.push(block);
    return true;
  };
  for (const text of chunks(access.join('\n'))) add(section(text));
  if (entry.stage) for (const text of chunks(stageDetails(entry, entry.stage))) add(section(text));
  add(section(`*Recommended:* ${userText(recommendationText(itemRecommendation(entry, now)), 2_000)}`));
  const findings = [...item.findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
  if (findings.length > 0) add({ type: 'context', elements: [{ type: 'mrkdwn', text: `${plural(findings.length, 'finding')} when the campaign opened: ${findingBadges(findings).join(' · ')}` }] });
  for (const [index, f] of findings.entries()) {
    const head = `*${findingBadges([f])[0]}* · ${f.severity} · rule \`${userText(f.ruleId, 200)}\``;
    const parts: Block[] = [{ type: 'divider' }, ...chunks(`${head}\n${escapeMrkdwn(f.reason)}`).map(section), ...chunks(escapeMrkdwn(JSON.stringify(f.evidence, null, 2).replace(/```/g, "'''")), SECTION_CHARS - 8).map((c) => section('```' + c + '```'))];
    // A finding is shown whole or not at all: one that does not fit is taken back out.
    const before = blocks.length;
    if (!parts.every(add)) {
      blocks.length = before;
      hidden = findings.length - index;
      break;
    }
  }
  if (hidden > 0) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…${plural(hidden, 'more finding')} not shown here: \`iam-review campaign items ${userText(item.campaignId, 200)} --json\` lists them all.` }] });
  }
  return {
    type: 'modal',
    callback_id: DETAILS_VIEW.callbackId,
    title: { type: 'plain_text', text: 'Review item details' },
    close: { type: 'plain_text', text: 'Close' },
    private_metadata: encodeModalMetadata({ itemId: item.id, outcome: null, origin: null }),
    blocks,
  };
}

/**
 * A multi-stage item's stage (with its due while pending) and every earlier stage's decision in
 * full: outcome, who, when, justification.
 */
function stageDetails(entry: ReviewEntry, stage: NonNullable<ReviewEntry['stage']>): string {
  const due = entry.item.state === 'pending' ? ` · due ${slackDate(stage.dueAt, '{date_long_pretty}', dayLabel(stage.dueAt))}` : '';
  const lines = [`*${stageLabel(stage)}*${due}`];
  for (const d of entry.earlierStages ?? []) {
    const when = slackDate(d.decidedAt, '{date_short_pretty} {time}', utcLabel(d.decidedAt));
    const outcome = d.outcome === 'approve' ? 'Approved' : 'Revoked';
    lines.push(`*Stage ${d.stage} (${userText(d.stageName, 200)}):* ${outcome} by ${userText(d.deciderName, 200)} · ${when}${d.justification ? `\n> ${userText(d.justification, 2_000)}` : ''}`);
  }
  return lines.join('\n');
}

function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function bytes(blocks: readonly Block[]): number {
  return Buffer.byteLength(JSON.stringify(blocks));
}

/**
 * Escaped mrkdwn cut into pieces of at most `max` characters, preferring a line break, never
 * inside an entity (`&amp;`) or a surrogate pair.
 */
export function chunks(text: string, max = SECTION_CHARS): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = max;
    const newline = rest.lastIndexOf('\n', max);
    if (newline > max / 2) cut = newline;
    const amp = rest.lastIndexOf('&', cut - 1);
    if (amp !== -1 && amp > cut - 6 && rest.indexOf(';', amp) >= cut) cut = amp;
    const code = rest.charCodeAt(cut - 1);
    if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^\n/, '');
  }
  if (rest.length > 0) out.push(rest);
  return out;
}
