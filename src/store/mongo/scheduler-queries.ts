import type { Model } from 'mongoose';
import { asInteger, asString, operator } from './filter-value.js';
import type { SchedulerRunDoc } from './scheduler-run-schema.js';

/** A claim, checked: the slot belongs to the job (`${job}@${slotIso}`) and times are valid. */
export interface SlotClaim {
  slot: string;
  job: string;
  slotAt: string;
  owner: string;
  at: string;
  atMs: number;
  expiresMs: number;
}

export function slotClaim(slot: string, job: string, owner: string, at: string, ttlMs: number): SlotClaim {
  const prefix = `${asString(job, 'job')}@`;
  if (!asString(slot, 'slot').startsWith(prefix)) throw new Error(`slot ${slot} is not of job ${job} (expected ${prefix}<slot time>)`);
  const atMs = Date.parse(asString(at, 'at'));
  if (Number.isNaN(atMs)) throw new Error(`claim time ${at} is not an ISO timestamp`);
  return { slot, job, slotAt: slot.slice(prefix.length), owner: asString(owner, 'owner'), at, atMs, expiresMs: atMs + asInteger(ttlMs, 'ttlMs', 0) };
}

/**
 * claim() as one upsert. The filter matches a stored slot only when it is not completed and
 * its holder's claim expired (a takeover); a new slot is inserted; a live or completed slot
 * makes the insert hit the `_id` index (duplicate key: the claim is refused). Exactly one of
 * any number of concurrent claimers succeeds.
 */
export function claimSlotFilter(claim: SlotClaim) {
  return { _id: claim.slot, completedAt: null, expiresMs: operator({ $lt: claim.atMs }) };
}

export function claimSlotUpdate(claim: SlotClaim) {
  return {
    $set: { owner: claim.owner, claimedAt: claim.at, expiresMs: claim.expiresMs },
    // completedAt (null) comes from the filter's equality.
    $setOnInsert: { job: claim.job, slotAt: claim.slotAt },
  };
}

/** claim(): matched (a takeover) or upserted means claimed; a duplicate key error means not. */
export function claimSlotQuery(runs: Model<SchedulerRunDoc>, claim: SlotClaim) {
  return runs.updateOne(claimSlotFilter(claim), claimSlotUpdate(claim), { upsert: true });
}

export function completeSlotFilter(slot: string) {
  return { _id: asString(slot, 'slot'), completedAt: null };
}

export function lastCompletedFilter(job: string) {
  return { job: asString(job, 'job'), completedAt: operator({ $ne: null }) };
}
