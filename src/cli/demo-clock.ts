/**
 * The demo's clock, the `now` of the app it opens. The demo replays its review as if it began
 * `DEMO_REPLAY_HOURS` ago, so the removals it asks for (due 24 hours after each decision) are
 * past due by the time its later sync runs, and then moves to the real time: what the clock says
 * is what the ledger records. It only ever moves forward: it starts after the ledger's last event
 * (an earlier run's), and `toRealTime` lifts a negative offset to none.
 */
export const DEMO_REPLAY_HOURS = 26;

export class DemoClock {
  private offsetMs = 0;

  constructor(private readonly real: () => Date = () => new Date()) {}

  readonly now = (): Date => new Date(this.real().getTime() + this.offsetMs);

  /**
   * Sets the clock `hours` before the real time, but after `notBefore` (the time of the ledger's
   * last event) and never ahead of the real time. Returns the clock's time now.
   */
  startBefore(hours: number, notBefore: string | null): Date {
    const real = this.real().getTime();
    const floor = notBefore ? Date.parse(notBefore) + 1 : Number.NEGATIVE_INFINITY;
    const start = Math.min(real, Math.max(real - hours * 3_600_000, floor));
    this.offsetMs = start - real;
    return new Date(start);
  }

  /** The real time from now on. */
  toRealTime(): void {
    this.offsetMs = 0;
  }
}
