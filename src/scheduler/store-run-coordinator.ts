/**
 * node-cron's RunCoordinator backed by the store: with several replicas, the replica whose
 * claim of a slot wins runs it; the others skip it. A claim that expires without completing
 * (the winner crashed) can be taken over.
 *
 * node-cron names a slot `${taskName}:${slotIso}`; the store names it `${job}@${slotIso}`.
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
    const { job, slot } = parseCronKey(key);
    return this.store.claim(`${job}@${slot}`, job, this.owner, this.now().toISOString(), ttlMs);
  }

  async onComplete(key: string): Promise<void> {
    const { job, slot } = parseCronKey(key);
    await this.store.complete(`${job}@${slot}`, this.now().toISOString());
  }
}

/** Splits node-cron's key; job names may contain colons themselves (`sync:trading`). */
export function parseCronKey(key: string): { job: string; slot: string } {
  const m = /^(.*):(\d{4}-\d{2}-\d{2}T[\d:.]+Z)$/.exec(key);
  if (!m) throw new Error(`unexpected run-coordinator key "${key}"`);
  return { job: m[1]!, slot: m[2]! };
}

/** node-cron's key for a job's slot. */
export function slotKey(job: string, slot: Date): string {
  return `${job}:${slot.toISOString()}`;
}
