/** The demo's clock: set back for the replay, never before the ledger's last event nor ahead of the real time, then real. */
import { describe, expect, it } from 'vitest';
import { DemoClock } from '../../src/cli/demo-clock.js';

const REAL = Date.parse('2026-12-06T10:00:00.000Z');
const HOUR = 3_600_000;

describe('DemoClock', () => {
  it('starts the given hours back on an empty ledger and runs on from there; toRealTime returns to the real time', () => {
    let real = REAL;
    const clock = new DemoClock(() => new Date(real));
    expect(clock.now().getTime()).toBe(REAL);
    expect(clock.startBefore(26, null).getTime()).toBe(REAL - 26 * HOUR);
    real += 5_000;
    expect(clock.now().getTime()).toBe(REAL - 26 * HOUR + 5_000);
    clock.toRealTime();
    expect(clock.now().getTime()).toBe(REAL + 5_000);
  });

  it('never starts before the ledger’s last event, nor ahead of the real time', () => {
    const clock = new DemoClock(() => new Date(REAL));
    expect(clock.startBefore(26, new Date(REAL - 3 * HOUR).toISOString()).getTime()).toBe(REAL - 3 * HOUR + 1);
    expect(clock.startBefore(26, new Date(REAL + HOUR).toISOString()).getTime()).toBe(REAL);
  });
});
