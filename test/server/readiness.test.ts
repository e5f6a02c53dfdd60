/** The pure parts of readiness: the verdict over checks, freshness per system, and each system's limit. */
import { describe, expect, it } from 'vitest';
import { systemConfigSchema } from '../../src/config/system-config.js';
import { freshnessChecks, readiness } from '../../src/server/readiness.js';
import { freshnessLimit, longestGapMs } from '../../src/server/stale-after.js';

const HOUR = 3_600_000;

describe('readiness', () => {
  it('is ready only when every check passed, and names every check', () => {
    const ok = { name: 'store', ok: true, detail: 'sqlite' };
    expect(readiness([ok])).toEqual({ ready: true, checks: [ok] });
    expect(readiness([ok, { name: 'slack', ok: false, detail: 'x' }]).ready).toBe(false);
    expect(readiness([]).ready).toBe(true);
  });

  it('a system is fresh strictly below its limit; never applied is not ready', () => {
    const now = new Date('2026-12-01T12:00:00Z');
    const limits = [{ systemId: 'a', staleAfterMs: 2 * HOUR }, { systemId: 'b', staleAfterMs: 2 * HOUR }, { systemId: 'c', staleAfterMs: HOUR }];
    const finished = new Map<string, string | null>([['a', '2026-12-01T10:00:00.001Z'], ['b', '2026-12-01T10:00:00.000Z']]);
    expect(freshnessChecks(limits, finished, now)).toEqual([
      { name: 'system:a', ok: true, detail: 'last applied snapshot 2.0 h old (limit 2.0 h)' },
      { name: 'system:b', ok: false, detail: 'last applied snapshot 2.0 h old (stale after 2.0 h)' },
      { name: 'system:c', ok: false, detail: 'no applied snapshot yet' },
    ]);
  });
});

describe('staleness limit per system', () => {
  it('sync.staleAfterHours when set (the config schema takes it)', () => {
    const parsed = systemConfigSchema.parse({ id: 'a', name: 'A', kind: 'other', criticality: 'standard', owner: 'o@example.com', schedule: { cron: '0 * * * *' }, sync: { staleAfterHours: 2.5 }, connector: { type: 'csv' } });
    expect(freshnessLimit(parsed, 'UTC')).toEqual({ systemId: 'a', staleAfterMs: 2.5 * HOUR });
    expect(() => systemConfigSchema.parse({ ...parsed, sync: { staleAfterHours: 0 } })).toThrow();
  });

  it('else three times the longest gap between scheduled syncs; without a schedule 24 h', () => {
    expect(freshnessLimit({ id: 'a', schedule: { cron: '0 */6 * * *' } }, 'UTC').staleAfterMs).toBe(18 * HOUR);
    // (UTC: a zone's daylight-saving change would stretch one gap, and the slots are counted from now.)
    expect(freshnessLimit({ id: 'b', schedule: { cron: '30 */4 * * *', timezone: 'UTC' } }, 'Europe/Vaduz').staleAfterMs).toBe(12 * HOUR);
    // Weekdays at 09:00: the weekend gap (Friday to Monday) counts, so Monday morning is not stale.
    expect(longestGapMs('0 9 * * 1-5', 'UTC')).toBe(72 * HOUR);
    expect(freshnessLimit({ id: 'c' }, 'UTC').staleAfterMs).toBe(24 * HOUR);
  });
});
