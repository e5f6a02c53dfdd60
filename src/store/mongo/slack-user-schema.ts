import mongoose from 'mongoose';
import type { SlackUser } from '../ports.js';
import { collectionOptions, nullableString, presentString, requiredBoolean, stringId, timestamp } from './schema-fields.js';

/**
 * `slack_users`: the cached Slack directory; `_id` is the Slack user id. `emailKey` is the
 * lower-cased email findByEmail matches; `generation` marks the replaceAll that last wrote the
 * user (null for a single upsert), so the next replaceAll can drop everyone it did not list.
 */
export interface SlackUserDoc extends Omit<SlackUser, 'id'> {
  _id: string;
  emailKey: string | null;
  generation: string | null;
}

export const slackUserSchema = new mongoose.Schema<SlackUserDoc>(
  {
    _id: stringId,
    teamId: nullableString,
    email: nullableString,
    emailKey: nullableString,
    name: presentString('name'),
    deleted: requiredBoolean,
    isBot: requiredBoolean,
    updatedAt: timestamp,
    generation: nullableString,
  },
  collectionOptions('slack_users'),
);
// findByEmail prefers a live human over a deleted account or a bot sharing the address.
slackUserSchema.index({ emailKey: 1, deleted: 1, isBot: 1, _id: 1 });
slackUserSchema.index({ generation: 1 });

/** The fields a write sets (everything but the id and the generation marker). */
export function slackUserFields(u: SlackUser): Omit<SlackUserDoc, '_id' | 'generation'> {
  return {
    teamId: u.teamId,
    email: u.email,
    emailKey: u.email === null ? null : u.email.toLowerCase(),
    name: u.name,
    deleted: u.deleted,
    isBot: u.isBot,
    updatedAt: u.updatedAt,
  };
}

export function toSlackUser(d: SlackUserDoc): SlackUser {
  return { id: d._id, teamId: d.teamId, email: d.email, name: d.name, deleted: d.deleted, isBot: d.isBot, updatedAt: d.updatedAt };
}
