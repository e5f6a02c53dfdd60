import type { ReviewQuality } from '../../domain/index.js';
import type { MessagePayload } from './block-types.js';
import { boundedList } from './bounded-list.js';
import { plural, truncateText, userText } from './mrkdwn.js';

export interface ReviewQualityMessageInput {
  campaign: { id: string; name: string };
  quality: ReviewQuality;
  /** A reviewer's identity id as the message names them ("Name <email>"). */
  reviewer(reviewerId: string): string;
}

/**
 * The security team's DM when a campaign closes with reviewers flagged by rubber-stamp
 * detection: each flagged reviewer with their `review-quality` observations (what does not fit
 * is counted, never dropped silently), and where to see the rest.
 */
export function reviewQualityMessage(input: ReviewQualityMessageInput): MessagePayload {
  const { campaign, quality } = input;
  const flagged = quality.reviewers.filter((r) => r.observations.length > 0);
  const list = boundedList(
    flagged.map((r) => `• *${userText(input.reviewer(r.reviewerId), 150)}*: ${r.observations.map((o) => `\`${o.pattern}\` ${userText(o.text, 300)}`).join('; ')}`),
    (rest) => `…and ${plural(rest, 'more reviewer')}: \`iam-review campaign status ${userText(campaign.id, 100)}\``,
  );
  const name = userText(campaign.name, 150);
  return {
    text: truncateText(`Review quality: ${plural(flagged.length, 'reviewer')} flagged in ${campaign.name}`, 300),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `:mag: *${name}* closed with ${plural(flagged.length, 'reviewer')} whose decisions look rubber-stamped (review-quality observations). Please look at their decisions before signing off.` } },
      { type: 'section', text: { type: 'mrkdwn', text: list } },
    ],
  };
}
