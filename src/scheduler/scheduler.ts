/**
 * Runs jobs on their cron schedules (node-cron, time-zone and DST aware) through the
 * store-backed run coordinator, so that with several replicas each slot runs once. On
 * start, a job whose newest slot was missed while no replica was up runs once to catch up.
 */
import cron from 'node-cron';
import type { Logger as CronLogger, ScheduledTask } from 'node-cron';
import type { SchedulerStore } from '../store/ports.js';
import { latestSlot } from './latest-slot.js';
import { slotKey, StoreRunCoordinator } from './store-run-coordinator.js';

export interface Job {
  /** Unique name: `sync:<system>`, `campaign:<review>`, `reminders`. */
  name: string;
  cron: string;
  timezone: string;
  /**
   * Runs one slot. A slot counts as done once a replica attempted it (node-cron completes the
   * claim whatever the outcome); errors are logged and, for syncs, stored as failed snapshots.
   */
  run(slot: Date): Promise<void>;
  /** Catch up the newest missed slot on start (default true). */
  catchUp?: boolean;
}

export interface SchedulerLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface SchedulerDeps {
  store: SchedulerStore;
  /** This replica's name in claims (host + pid). */
  owner: string;
  log: SchedulerLog;
  now?: () => Date;
  /** How long a claim holds before another replica may take over an unfinished slot. */
  leaseMs?: number;
}

export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];
  private readonly coordinator: StoreRunCoordinator;
  private readonly now: () => Date;
  private readonly leaseMs: number;
  /** node-cron's own lines (a missed execution, a coordinator failure) into our log: its default prints plain text. */
  private readonly cronLog: CronLogger;

  constructor(private readonly deps: SchedulerDeps) {
    this.now = deps.now ?? (() => new Date());
    this.leaseMs = deps.leaseMs ?? 30 * 60_000;
    this.coordinator = new StoreRunCoordinator(deps.store, deps.owner, this.now);
    this.cronLog = {
      info: (m) => deps.log.info(`node-cron: ${m}`),
      warn: (m) => deps.log.warn(`node-cron: ${m}`),
      error: (m, err) => deps.log.error(`node-cron: ${m instanceof Error ? m.message : m}`, err ? { error: err.message } : undefined),
      debug: () => {},
    };
  }

  /** Registers and starts the jobs, then catches up missed slots. Resolves when catch-up is done. */
  async start(jobs: readonly Job[]): Promise<void> {
    for (const job of jobs) {
      const task = cron.schedule(job.cron, (ctx) => this.execute(job, ctx.date), {
        name: job.name,
        timezone: job.timezone,
        noOverlap: true,
        distributed: true,
        runCoordinator: this.coordinator,
        distributedLease: this.leaseMs,
        logger: this.cronLog,
      });
      this.tasks.push(task);
      if (job.catchUp !== false) await this.catchUp(job, task);
    }
  }

  async stop(): Promise<void> {
    for (const t of this.tasks.splice(0)) await t.destroy();
  }

  private async catchUp(job: Job, task: ScheduledTask): Promise<void> {
    const last = await this.deps.store.lastCompleted(job.name);
    // First start ever: nothing was missed yet; the schedule starts now.
    if (!last) return;
    const slot = latestSlot((d) => task.match(d), new Date(last), this.now());
    if (!slot) return;
    const key = slotKey(job.name, slot);
    if (!(await this.coordinator.shouldRun(key, this.leaseMs))) return;
    this.deps.log.info('catching up a missed run', { job: job.name, slot: slot.toISOString() });
    await this.execute(job, slot);
    await this.coordinator.onComplete(key);
  }

  private async execute(job: Job, slot: Date): Promise<void> {
    try {
      await job.run(slot);
    } catch (err) {
      this.deps.log.error('scheduled job failed', { job: job.name, slot: slot.toISOString(), error: (err as Error).message });
    }
  }
}
