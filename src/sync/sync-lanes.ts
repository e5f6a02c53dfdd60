/**
 * Lanes for the systems of one sync run: a run takes one lane, or all of them, and waits
 * until they are free; runs start in the order they asked (first come, first served, so a run
 * that needs every lane is not overtaken forever by small ones).
 */
export class SyncLanes {
  private used = 0;
  private readonly waiting: { lanes: number; start: () => void }[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`lanes must be a positive integer, got ${size}`);
  }

  /** Resolves once `lanes` lanes (at most all) are taken for the caller; give them back with release(). */
  take(lanes: number): Promise<number> {
    const n = Math.min(Math.max(1, lanes), this.size);
    return new Promise((resolve) => {
      this.waiting.push({ lanes: n, start: () => resolve(n) });
      this.startWaiting();
    });
  }

  /** Gives back what take() resolved with. */
  release(lanes: number): void {
    this.used -= lanes;
    this.startWaiting();
  }

  private startWaiting(): void {
    while (this.waiting.length > 0 && this.used + this.waiting[0]!.lanes <= this.size) {
      const next = this.waiting.shift()!;
      this.used += next.lanes;
      next.start();
    }
  }
}
