import mongoose from 'mongoose';
import { collectionOptions, nullableTimestamp, requiredNumber, requiredString, stringId, timestamp } from './schema-fields.js';

/**
 * `scheduler_runs`: one document per run slot; `_id` is the slot (`${job}@${slotIso}`).
 * `expiresMs` (epoch ms) is when the holder's claim lapses unless completed.
 */
export interface SchedulerRunDoc {
  _id: string;
  job: string;
  slotAt: string;
  owner: string;
  claimedAt: string;
  expiresMs: number;
  completedAt: string | null;
}

export const schedulerRunSchema = new mongoose.Schema<SchedulerRunDoc>(
  {
    _id: stringId,
    job: requiredString,
    slotAt: requiredString,
    owner: requiredString,
    claimedAt: timestamp,
    expiresMs: requiredNumber,
    completedAt: nullableTimestamp,
  },
  collectionOptions('scheduler_runs'),
);
// A slot once per job; lastCompleted() reads the newest completed slot of a job.
schedulerRunSchema.index({ job: 1, slotAt: -1 }, { unique: true });
