/**
 * node-cron's RunCoordinator backed by the store: with several replicas, the replica whose
 * claim of `${job}:${slotIso}` wins runs the slot; the others skip it. A claim that
 * expires without completing (the winner crashed) can be taken over.
 */
import type { RunCoordinator } from 'node-cron';
import type { SchedulerStore } from '../store/ports.js';

export class StoreRunCoordinator implements RunCoordinator {
  constructor(
    private readonly store: SchedulerStore,
    private readonly owner: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async shouldRun(key: string, ttlMs: number): Promise<boolean> {
    return this.store.claim(key, jobOfKey(key), this.owner, this.now().toISOString(), ttlMs);
  }

  async onComplete(key: string): Promise<void> {
    await this.store.complete(key, this.now().toISOString());
  }
}

/** Keys are `${job}:${slotIso}`; job names may contain colons themselves (`sync:trading`). */
export function jobOfKey(key: string): string {
  const m = /^(.*):(\d{4}-\d{2}-\d{2}T[\d:.]+Z)$/.exec(key);
  return m ? m[1]! : key;
}

export function slotKey(job: string, slot: Date): string {
  return `${job}:${slot.toISOString()}`;
}
