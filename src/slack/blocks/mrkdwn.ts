/**
 * Text helpers for Block Kit: escaping user-provided text for mrkdwn, truncating free text with an
 * ellipsis, and Slack date tokens (rendered in each reader's own time zone).
 */

const ELLIPSIS = '…';

/**
 * Escapes the three characters Slack's mrkdwn treats as control characters, so that text such as
 * `<!channel>` or `<https://evil|click>` from a directory or a justification is shown literally.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Undoes `escapeMrkdwn` (for plain-text previews). */
export function unescapeMrkdwn(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * Shortens free text to at most `max` UTF-16 code units (Slack's limits are at least as generous),
 * ending with an ellipsis when shortened; never splits a surrogate pair. Whitespace runs (including
 * newlines) collapse to one space first, so a name cannot break the layout.
 */
export function truncateText(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  let cut = Math.max(0, max - ELLIPSIS.length);
  const last = flat.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return flat.slice(0, cut).trimEnd() + ELLIPSIS;
}

/** Escaped free text: truncated to `max` characters of the original first, then escaped. */
export function userText(text: string, max: number): string {
  return escapeMrkdwn(truncateText(text, max));
}

/**
 * Hard guard for an already escaped mrkdwn string: shortens it to `max` without cutting an entity
 * (`&amp;`) or a `<...>` token (date, mention) in half.
 */
export function fitMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max - ELLIPSIS.length;
  const head = text.slice(0, cut);
  const amp = head.lastIndexOf('&');
  if (amp !== -1 && head.indexOf(';', amp) === -1) cut = amp;
  const open = text.slice(0, cut).lastIndexOf('<');
  if (open !== -1 && text.slice(0, cut).indexOf('>', open) === -1) cut = open;
  const low = text.charCodeAt(cut - 1);
  if (low >= 0xd800 && low <= 0xdbff) cut -= 1;
  return text.slice(0, cut) + ELLIPSIS;
}

/** `2026-10-15 09:00 UTC`: the fallback Slack shows where it cannot localise a date. */
export function utcLabel(iso: string): string {
  const d = new Date(iso);
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
}

/** `2026-10-15` */
export function dayLabel(iso: string): string {
  return new Date(iso).toISOString().slice(0, 10);
}

/**
 * A Slack date token: each reader sees the time in their own time zone; `fallback` is shown by
 * clients that cannot render it (and by `textPreview`).
 */
export function slackDate(iso: string, format: string, fallback: string): string {
  const unix = Math.floor(new Date(iso).getTime() / 1000);
  return `<!date^${unix}^${format}|${fallback}>`;
}

const DAY_MS = 86_400_000;

/** Whole days from `fromIso` to `nowIso` (negative when `fromIso` is in the future). */
export function daysBetween(fromIso: string, nowIso: string): number {
  return Math.floor((new Date(nowIso).getTime() - new Date(fromIso).getTime()) / DAY_MS);
}

/** `today`, `yesterday`, `12 days ago`, `3 months ago`, `over a year ago`. */
export function relativePast(iso: string, nowIso: string): string {
  const days = daysBetween(iso, nowIso);
  if (days <= 0) return 'today';
  if (days === 1) return 'yesterday';
  if (days < 60) return `${days} days ago`;
  if (days < 365) return `${Math.floor(days / 30)} months ago`;
  return 'over a year ago';
}

/** `in 3 days`, `tomorrow`, `today`, `overdue`, `2 days overdue`. */
export function relativeDue(dueIso: string, nowIso: string): string {
  if (new Date(nowIso).getTime() > new Date(dueIso).getTime()) {
    const late = daysBetween(dueIso, nowIso);
    return late === 0 ? 'overdue' : `${plural(late, 'day')} overdue`;
  }
  const days = daysBetween(nowIso, dueIso);
  if (days === 0) return 'today';
  if (days === 1) return 'tomorrow';
  return `in ${days} days`;
}

/** `1 item`, `3 items` */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
