/**
 * How old a system's current snapshot may be before readiness calls its data stale: the
 * system's `sync.staleAfterHours`, else three times the longest gap between its next scheduled
 * syncs (so a failed run or two is tolerated, and a weekday-only schedule is not stale over a
 * weekend), else, without a schedule (synced from outside, e.g. by a CI job after an export
 * lands) or with fewer than two slots ahead, 24 hours.
 */
import cron from 'node-cron';
import type { SystemConfig } from '../config/system-config.js';
import type { FreshnessLimit } from './readiness.js';

const HOUR_MS = 3_600_000;
export const UNSCHEDULED_STALE_AFTER_MS = 24 * HOUR_MS;
/** Missed runs tolerated before the data counts as stale. */
export const STALE_AFTER_RUNS = 3;
/** Slots looked at to find the longest gap (enough to see a weekly pattern in daily syncs). */
const SLOTS = 30;

export function freshnessLimit(system: Pick<SystemConfig, 'id' | 'schedule' | 'sync'>, defaultTimeZone: string): FreshnessLimit {
  const hours = system.sync?.staleAfterHours;
  if (hours !== undefined) return { systemId: system.id, staleAfterMs: hours * HOUR_MS };
  if (!system.schedule) return { systemId: system.id, staleAfterMs: UNSCHEDULED_STALE_AFTER_MS };
  const gap = longestGapMs(system.schedule.cron, system.schedule.timezone ?? defaultTimeZone);
  // A schedule with fewer than two slots ahead has no interval to go by.
  return { systemId: system.id, staleAfterMs: gap > 0 ? STALE_AFTER_RUNS * gap : UNSCHEDULED_STALE_AFTER_MS };
}

/** The longest gap between consecutive slots of a cron schedule, from now on (node-cron's own matcher, so zones and DST are its). */
export function longestGapMs(expression: string, timezone: string): number {
  const task = cron.createTask(expression, () => {}, { timezone });
  try {
    const runs = task.getNextRuns(SLOTS).map((d) => d.getTime());
    let gap = 0;
    for (let i = 1; i < runs.length; i++) gap = Math.max(gap, runs[i]! - runs[i - 1]!);
    return gap;
  } finally {
    void task.destroy();
  }
}
