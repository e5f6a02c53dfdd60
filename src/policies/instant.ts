/**
 * A point in time that ISO timestamps are compared against many times (once per grant).
 * Canonical UTC timestamps (`YYYY-MM-DDTHH:MM:SS.sssZ`, what sync stores) compare as
 * strings, with no Date parsing; anything else (an offset, no milliseconds) is parsed.
 */
const CANONICAL_LENGTH = 24;

export class Instant {
  readonly ms: number;
  readonly iso: string;

  constructor(ms: number) {
    this.ms = ms;
    this.iso = new Date(ms).toISOString();
  }

  static of(iso: string): Instant {
    return new Instant(Date.parse(iso));
  }

  /** True when `ts` is strictly before this instant. */
  isAfter(ts: string): boolean {
    if (ts.length === CANONICAL_LENGTH && ts.charCodeAt(23) === 90 /* Z */ && ts.charCodeAt(19) === 46 /* . */) return ts < this.iso;
    return Date.parse(ts) < this.ms;
  }

  /** True when `ts` is strictly after this instant. */
  isBefore(ts: string): boolean {
    if (ts.length === CANONICAL_LENGTH && ts.charCodeAt(23) === 90 && ts.charCodeAt(19) === 46) return ts > this.iso;
    return Date.parse(ts) > this.ms;
  }
}

export const DAY_MS = 86_400_000;

/** Whole days between two times, rounded down (for reasons: "no activity for 412 days"). */
export function daysBetween(fromIso: string, toMs: number): number {
  return Math.floor((toMs - Date.parse(fromIso)) / DAY_MS);
}
