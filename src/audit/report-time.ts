/**
 * Times in report.html as people read them: in the firm's zone (IAM_REVIEW_TIMEZONE), to the
 * minute, with the zone's abbreviation ("1 Oct 2026, 11:00 CEST"). The exact instant stays in
 * the element's `datetime` attribute, so the page is still checked by machine.
 */
import { esc } from './svg-charts.js';

export type TimeText = (iso: string | null | undefined) => string;

/** Formats ISO instants in `timeZone` (an IANA zone; an unknown one throws RangeError here, not later). */
export function timeText(timeZone: string): TimeText {
  const f = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  });
  return (iso) => {
    if (!iso) return '—';
    const t = Date.parse(iso);
    return Number.isNaN(t) ? iso : f.format(t);
  };
}

/** `<time datetime="ISO">human</time>`, or a dash for no time. */
export function timeHtml(text: TimeText, iso: string | null | undefined): string {
  return iso ? `<time datetime="${esc(iso)}">${esc(text(iso))}</time>` : '—';
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day (YYYY-MM-DD) of an instant in `timeZone`: days in charts are the firm's days, not UTC's. */
export function dayIn(timeZone: string, iso: string): string {
  let f = dayFormats.get(timeZone);
  if (!f) dayFormats.set(timeZone, (f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  return f.format(Date.parse(iso));
}
