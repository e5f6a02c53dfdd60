import { fitMrkdwn } from './mrkdwn.js';

/** Room for a list in one section text (Slack allows 3,000). */
const LIST_MAX_CHARS = 2_800;

/**
 * Joins mrkdwn lines into one section text of at most `max` characters. Lines that do not fit are
 * replaced by `more(count)` ("…and 12 more reviewers"), never dropped silently.
 */
export function boundedList(lines: readonly string[], more: (rest: number) => string, max: number = LIST_MAX_CHARS): string {
  const out: string[] = [];
  let length = 0;
  for (const [index, raw] of lines.entries()) {
    const line = fitMrkdwn(raw, 600);
    const rest = lines.length - index;
    const isLast = rest === 1;
    const needed = length + line.length + (isLast ? 0 : 1 + more(rest - 1).length);
    if (needed > max) {
      out.push(more(rest));
      break;
    }
    out.push(line);
    length += line.length + 1;
  }
  return out.length > 0 ? out.join('\n') : '_None._';
}
