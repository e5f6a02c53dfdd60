import mongoose from 'mongoose';
import { collectionOptions, requiredString, stringId } from './schema-fields.js';

/** `system_state`: which snapshot is a system's current state; `_id` is the system id. */
export interface SystemStateDoc {
  _id: string;
  snapshotId: string;
}

export const systemStateSchema = new mongoose.Schema<SystemStateDoc>(
  { _id: stringId, snapshotId: requiredString },
  collectionOptions('system_state'),
);
