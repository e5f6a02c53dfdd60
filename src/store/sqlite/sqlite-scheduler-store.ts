import type Database from 'better-sqlite3';
import type { SchedulerStore } from '../ports.js';

/**
 * Run slots (`${job}@${slotIso}`), one row each. The slot's primary key makes exactly one
 * claim win; the upsert's WHERE lets a claim take over only a slot that is not completed and
 * whose holder's claim expired (claimedAt + ttl < at).
 */
export class SqliteSchedulerStore implements SchedulerStore {
  private readonly claimSlot;
  private readonly completeSlot;
  private readonly selectLastCompleted;

  constructor(db: Database.Database) {
    this.claimSlot = db.prepare<[{ slot: string; job: string; slotAt: string; owner: string; at: string; atMs: number; expiresMs: number }]>(
      `INSERT INTO scheduler_runs (slot, job, slot_at, owner, claimed_at, expires_ms)
       VALUES (@slot, @job, @slotAt, @owner, @at, @expiresMs)
       ON CONFLICT (slot) DO UPDATE SET owner = excluded.owner, claimed_at = excluded.claimed_at, expires_ms = excluded.expires_ms
       WHERE scheduler_runs.completed_at IS NULL AND scheduler_runs.expires_ms < @atMs`,
    );
    this.completeSlot = db.prepare<[string, string]>(
      'UPDATE scheduler_runs SET completed_at = ? WHERE slot = ? AND completed_at IS NULL',
    );
    this.selectLastCompleted = db.prepare<[string], string>(
      `SELECT slot_at FROM scheduler_runs WHERE job = ? AND completed_at IS NOT NULL ORDER BY slot_at DESC LIMIT 1`,
    ).pluck();
  }

  async claim(slot: string, job: string, owner: string, at: string, ttlMs: number): Promise<boolean> {
    const prefix = `${job}@`;
    if (!slot.startsWith(prefix)) throw new Error(`slot ${slot} is not of job ${job} (expected ${prefix}<slot time>)`);
    const atMs = Date.parse(at);
    if (Number.isNaN(atMs)) throw new Error(`claim time ${at} is not an ISO timestamp`);
    const slotAt = slot.slice(prefix.length);
    return this.claimSlot.run({ slot, job, slotAt, owner, at, atMs, expiresMs: atMs + ttlMs }).changes === 1;
  }

  async complete(slot: string, at: string): Promise<void> {
    this.completeSlot.run(at, slot);
  }

  async lastCompleted(job: string): Promise<string | null> {
    return this.selectLastCompleted.get(job) ?? null;
  }
}
