import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cron from 'node-cron';
import { afterEach, describe, expect, it } from 'vitest';
import { latestSlot } from '../../src/scheduler/latest-slot.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { parseCronKey, slotKey, StoreRunCoordinator } from '../../src/scheduler/store-run-coordinator.js';
import type { SchedulerStore, Store } from '../../src/store/ports.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const quiet = { info() {}, warn() {}, error() {} };
const stores: Store[] = [];
const schedulers: Scheduler[] = [];
afterEach(async () => {
  for (const s of schedulers.splice(0)) await s.stop();
  for (const s of stores.splice(0)) await s.close();
});

function sharedFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'iam-sched-')), 'shared.db');
}
function open(file: string): Store {
  const s = openSqliteStore({ file });
  stores.push(s);
  return s;
}

describe('latestSlot', () => {
  const matcher = (expr: string, timezone: string) => {
    const task = cron.createTask(expr, () => {}, { timezone });
    return (d: Date) => task.match(d);
  };
  it('finds the newest slot at or before now, after the last completed one', () => {
    const quarterly = matcher('0 9 1 1,4,7,10 *', 'Europe/Vaduz');
    const slot = latestSlot(quarterly, new Date('2026-07-01T07:00:00Z'), new Date('2026-11-24T12:00:00Z'));
    expect(slot?.toISOString()).toBe('2026-10-01T07:00:00.000Z'); // 09:00 in Vaduz (CEST, UTC+2)
  });
  it('returns null when no slot was missed', () => {
    const quarterly = matcher('0 9 1 1,4,7,10 *', 'Europe/Vaduz');
    expect(latestSlot(quarterly, new Date('2026-10-01T07:00:00Z'), new Date('2026-11-24T12:00:00Z'))).toBeNull();
  });
});

describe('StoreRunCoordinator', () => {
  it('lets exactly one of two racing replicas run a slot', async () => {
    const file = sharedFile();
    const a = new StoreRunCoordinator(open(file).scheduler, 'replica-a');
    const b = new StoreRunCoordinator(open(file).scheduler, 'replica-b');
    const key = slotKey('sync:trading', new Date('2026-11-24T12:00:00Z'));
    const results = await Promise.all([a.shouldRun(key, 60_000), b.shouldRun(key, 60_000)]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });
  it('parses job names containing colons out of keys', () => {
    expect(parseCronKey('sync:trading:2026-11-24T12:00:00.000Z')).toEqual({ job: 'sync:trading', slot: '2026-11-24T12:00:00.000Z' });
    expect(() => parseCronKey('garbage')).toThrow(/unexpected/);
  });
});

describe('Scheduler', () => {
  it('runs each slot once across two replicas sharing the store', async () => {
    const file = sharedFile();
    const runs: string[] = [];
    /** Every claim each replica made, with its outcome. */
    const claims: Array<{ replica: string; slot: string; won: boolean }> = [];
    /** Slots (ISO) both replicas tried to claim and one of them has run. */
    const settledSlots = () => [...new Set(claims.map((c) => c.slot))].filter((key) => claims.filter((c) => c.slot === key).length === 2).map((key) => key.split('@')[1]!).filter((slot) => runs.some((r) => r.endsWith(`@${slot}`)));
    let reached = () => {};
    const twoSettled = new Promise<void>((resolve) => (reached = resolve));
    const check = () => void (settledSlots().length >= 2 && reached());
    const replicaStore = (replica: string): SchedulerStore => {
      const store = open(file).scheduler;
      return {
        claim: async (slot, job, owner, at, ttlMs) => {
          const won = await store.claim(slot, job, owner, at, ttlMs);
          claims.push({ replica, slot, won });
          check();
          return won;
        },
        complete: (slot, at) => store.complete(slot, at),
        lastCompleted: (job) => store.lastCompleted(job),
      };
    };
    const job = (replica: string) => ({
      name: 'tick', cron: '* * * * * *', timezone: 'UTC', catchUp: false,
      run: async (slot: Date) => {
        runs.push(`${replica}@${slot.toISOString()}`);
        check();
      },
    });
    const a = new Scheduler({ store: replicaStore('a'), owner: 'a', log: quiet });
    const b = new Scheduler({ store: replicaStore('b'), owner: 'b', log: quiet });
    schedulers.push(a, b);
    await a.start([job('a')]);
    await b.start([job('b')]);
    // The job fires every second: wait until both replicas have tried two slots and each ran.
    await twoSettled;
    await a.stop();
    await b.stop();
    for (const slot of settledSlots()) expect(claims.filter((c) => c.slot === `tick@${slot}` && c.won), slot).toHaveLength(1);
    const slots = runs.map((r) => r.split('@')[1]);
    expect(new Set(slots).size).toBe(slots.length);
  });

  it('catches up the newest missed slot on start, once, and not on a first start', async () => {
    const store = open(sharedFile());
    const runs: string[] = [];
    const job = { name: 'campaign:quarterly', cron: '0 9 1 1,4,7,10 *', timezone: 'Europe/Vaduz', run: async (slot: Date) => void runs.push(slot.toISOString()) };
    let now = new Date('2026-06-15T12:00:00Z');
    const first = new Scheduler({ store: store.scheduler, owner: 'a', log: quiet, now: () => now });
    schedulers.push(first);
    await first.start([job]);
    expect(runs).toEqual([]);
    // The April slot ran earlier; the process was down on 1 July and 1 October.
    await store.scheduler.claim(`${job.name}@2026-04-01T07:00:00.000Z`, job.name, 'a', '2026-04-01T07:00:00Z', 60_000);
    await store.scheduler.complete(`${job.name}@2026-04-01T07:00:00.000Z`, '2026-04-01T07:05:00Z');
    await first.stop();
    now = new Date('2026-11-24T12:00:00Z');
    const restarted = new Scheduler({ store: store.scheduler, owner: 'a', log: quiet, now: () => now });
    schedulers.push(restarted);
    await restarted.start([job]);
    expect(runs).toEqual(['2026-10-01T07:00:00.000Z']);
    await restarted.stop();
    const again = new Scheduler({ store: store.scheduler, owner: 'b', log: quiet, now: () => now });
    schedulers.push(again);
    await again.start([job]);
    expect(runs).toHaveLength(1);
  });
});
