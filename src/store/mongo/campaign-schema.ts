import mongoose from 'mongoose';
import { CAMPAIGN_STATES } from '../../domain/index.js';
import type { Campaign } from '../../domain/index.js';
import { collectionOptions, nullableTimestamp, oneOf, presentString, requiredString, stringId, timestamp } from './schema-fields.js';

/** `campaigns`: `_id` is the derived campaign id (`${reviewId}:${period}`). */
export interface CampaignDoc extends Omit<Campaign, 'id'> {
  _id: string;
}

export const campaignSchema = new mongoose.Schema<CampaignDoc>(
  {
    _id: stringId,
    reviewId: requiredString,
    period: requiredString,
    name: presentString('name'),
    state: oneOf(CAMPAIGN_STATES),
    openedAt: timestamp,
    dueAt: timestamp,
    closedAt: nullableTimestamp,
    openedBy: requiredString,
  },
  collectionOptions('campaigns'),
);
// One campaign per review and period, whatever its id.
campaignSchema.index({ reviewId: 1, period: 1 }, { unique: true });
campaignSchema.index({ state: 1, openedAt: -1 });

export function campaignDoc(c: Campaign): CampaignDoc {
  return {
    _id: c.id,
    reviewId: c.reviewId,
    period: c.period,
    name: c.name,
    state: c.state,
    openedAt: c.openedAt,
    dueAt: c.dueAt,
    closedAt: c.closedAt,
    openedBy: c.openedBy,
  };
}

export function toCampaign(d: CampaignDoc): Campaign {
  return {
    id: d._id,
    reviewId: d.reviewId,
    period: d.period,
    name: d.name,
    state: d.state,
    openedAt: d.openedAt,
    dueAt: d.dueAt,
    closedAt: d.closedAt,
    openedBy: d.openedBy,
  };
}
