/**
 * Finds the newest cron slot in (after, until], scanning back minute by minute with the
 * task's own matcher (so time zones and DST are node-cron's). Used to catch up a run missed
 * while the process was down: one catch-up run for the newest missed slot, not one per slot.
 * Expressions with a seconds field are checked at second 0 of each minute.
 */
const MINUTE = 60_000;
/** Longest look-back: a yearly review missed for a whole year is still caught up. */
export const MAX_LOOKBACK_MS = 400 * 24 * 60 * MINUTE;

export function latestSlot(match: (d: Date) => boolean, after: Date | null, until: Date): Date | null {
  const floor = Math.max(after ? after.getTime() : -Infinity, until.getTime() - MAX_LOOKBACK_MS);
  for (let t = Math.floor(until.getTime() / MINUTE) * MINUTE; t > floor; t -= MINUTE) {
    const d = new Date(t);
    if (match(d)) return d;
  }
  return null;
}
