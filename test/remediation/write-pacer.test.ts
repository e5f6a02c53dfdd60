/**
 * WritePacer: a token bucket per key on an injected clock (its sleep advances the clock, so
 * nothing waits for real): a burst, then the refill rate; keys are independent; a hold-off
 * (a vendor's Retry-After) delays the key's next write; the default stays under Graph's
 * ~3,000 writes per 150 s.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_WRITE_PACE, WritePacer } from '../../src/remediation/write-pacer.js';
import type { PacerClock } from '../../src/remediation/write-pacer.js';

function fakeClock(): PacerClock & { t: number; slept: number[] } {
  const clock = {
    t: 0,
    slept: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.slept.push(ms);
      clock.t += ms;
    },
  };
  return clock;
}

describe('WritePacer', () => {
  it('lets a burst through at once, then paces at the refill rate', async () => {
    const clock = fakeClock();
    const pacer = new WritePacer({ writes: 10, perMs: 1_000, burst: 3 }, clock);
    for (let i = 0; i < 3; i++) await pacer.take('entra');
    expect(clock.t).toBe(0);
    await pacer.take('entra');
    await pacer.take('entra');
    expect(clock.t).toBe(200); // 10 per second: one every 100 ms once the burst is spent
  });

  it('keeps keys apart: one system waiting does not hold another', async () => {
    const clock = fakeClock();
    const pacer = new WritePacer({ writes: 1, perMs: 1_000, burst: 1 }, clock);
    await pacer.take('a');
    await pacer.take('b');
    expect(clock.t).toBe(0);
    await pacer.take('a');
    expect(clock.t).toBe(1_000);
  });

  it('holds a key off for a Retry-After', async () => {
    const clock = fakeClock();
    const pacer = new WritePacer({ writes: 100, perMs: 1_000, burst: 5 }, clock);
    await pacer.take('entra');
    pacer.holdOff('entra', 7_000);
    await pacer.take('entra');
    expect(clock.t).toBe(7_000);
    await pacer.take('other');
    expect(clock.t).toBe(7_000);
  });

  it('by default never lets more than 3,000 writes through in any 150 s', async () => {
    const clock = fakeClock();
    const pacer = new WritePacer(DEFAULT_WRITE_PACE, clock);
    const at: number[] = [];
    for (let i = 0; i < 9_000; i++) {
      await pacer.take('graph');
      at.push(clock.t);
    }
    let start = 0;
    let most = 0;
    for (let end = 0; end < at.length; end++) {
      while (at[end]! - at[start]! >= 150_000) start++;
      most = Math.max(most, end - start + 1);
    }
    expect(most).toBeLessThanOrEqual(3_000);
    expect(most).toBeGreaterThan(2_800); // and does not crawl either
  });
});
