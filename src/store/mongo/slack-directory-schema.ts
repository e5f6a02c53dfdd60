import mongoose from 'mongoose';
import { collectionOptions, stringId, timestamp } from './schema-fields.js';

/** `slack_directory`: a single document (`_id` 'directory') holding when the cache was last replaced. */
export interface SlackDirectoryDoc {
  _id: string;
  refreshedAt: string;
}

export const SLACK_DIRECTORY_ID = 'directory';

export const slackDirectorySchema = new mongoose.Schema<SlackDirectoryDoc>(
  { _id: stringId, refreshedAt: timestamp },
  collectionOptions('slack_directory'),
);
