import type { AnyBulkWriteOperation } from 'mongoose';
import type { SlackUser } from '../ports.js';
import { asString, operator } from './filter-value.js';
import { slackUserFields } from './slack-user-schema.js';
import type { SlackUserDoc } from './slack-user-schema.js';

/** replaceAll(): writes a listed user whole, tagged with this refresh's generation. */
export function listedUserOp(user: SlackUser, generation: string): AnyBulkWriteOperation<SlackUserDoc> {
  return { updateOne: { filter: { _id: asString(user.id, 'user id') }, update: { $set: { ...slackUserFields(user), generation } }, upsert: true } };
}

/** replaceAll(): everyone this refresh did not list (older generations, single upserts). */
export function unlistedUsersFilter(generation: string) {
  return { generation: operator({ $ne: asString(generation, 'generation') }) };
}

/** findByEmail(): compared lower-cased, like the stored emailKey. */
export function slackEmailFilter(email: string) {
  return { emailKey: asString(email, 'email').trim().toLowerCase() };
}
