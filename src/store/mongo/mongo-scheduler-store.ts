import type { SchedulerStore } from '../ports.js';
import { isDuplicateKeyError } from './duplicate-key.js';
import { asString } from './filter-value.js';
import type { MongoModels } from './mongo-models.js';
import { claimSlotQuery, completeSlotFilter, lastCompletedFilter, slotClaim } from './scheduler-queries.js';

/** Run slots, one document each; see scheduler-queries.ts for how a claim wins. */
export class MongoSchedulerStore implements SchedulerStore {
  constructor(private readonly models: MongoModels) {}

  async claim(slot: string, job: string, owner: string, at: string, ttlMs: number): Promise<boolean> {
    const claim = slotClaim(slot, job, owner, at, ttlMs);
    try {
      const result = await claimSlotQuery(this.models.schedulerRuns, claim);
      return result.matchedCount === 1 || result.upsertedCount === 1;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async complete(slot: string, at: string): Promise<void> {
    await this.models.schedulerRuns.updateOne(completeSlotFilter(slot), { $set: { completedAt: asString(at, 'at') } }, { runValidators: true });
  }

  async lastCompleted(job: string): Promise<string | null> {
    const doc = await this.models.schedulerRuns.findOne(lastCompletedFilter(job), { slotAt: 1 }).sort({ slotAt: -1 }).lean();
    return doc ? doc.slotAt : null;
  }
}
