import { randomUUID } from 'node:crypto';
import type { SlackUser, SlackUserStore } from '../ports.js';
import { BULK_WRITE_OPTIONS } from './bulk-ops.js';
import { asString } from './filter-value.js';
import type { MongoModels } from './mongo-models.js';
import { SLACK_DIRECTORY_ID } from './slack-directory-schema.js';
import { listedUserOp, slackEmailFilter, unlistedUsersFilter } from './slack-user-queries.js';
import { slackUserFields, toSlackUser } from './slack-user-schema.js';

/**
 * The cached Slack directory (one paged `users.list` instead of a lookup per reviewer).
 * replaceAll writes every listed user tagged with a fresh generation, then drops the users
 * not tagged with it, then records the refresh time. Not atomic: readers may briefly see
 * users of both lists, which for a lookup cache is harmless; a crash part-way leaves the old
 * refresh time, so the next refresh runs again.
 */
export class MongoSlackUserStore implements SlackUserStore {
  constructor(private readonly models: MongoModels) {}

  async replaceAll(users: readonly SlackUser[], at: string): Promise<void> {
    const generation = randomUUID();
    if (users.length > 0) {
      await this.models.slackUsers.bulkWrite(
        users.map((user) => listedUserOp(user, generation)),
        BULK_WRITE_OPTIONS,
      );
    }
    await this.models.slackUsers.deleteMany(unlistedUsersFilter(generation));
    await this.models.slackDirectory.updateOne({ _id: SLACK_DIRECTORY_ID }, { $set: { refreshedAt: asString(at, 'at') } }, { upsert: true, runValidators: true });
  }

  /** Adds or updates one user; a user new to the cache has no generation until the next replaceAll lists it. */
  async upsert(user: SlackUser): Promise<void> {
    await this.models.slackUsers.updateOne(
      { _id: asString(user.id, 'user id') },
      { $set: slackUserFields(user), $setOnInsert: { generation: null } },
      { upsert: true },
    );
  }

  /** Case-insensitive; a live human account wins over a deleted one or a bot sharing the address. */
  async findByEmail(email: string): Promise<SlackUser | null> {
    const doc = await this.models.slackUsers
      .findOne(slackEmailFilter(email))
      .sort({ deleted: 1, isBot: 1, _id: 1 })
      .lean();
    return doc ? toSlackUser(doc) : null;
  }

  async get(id: string): Promise<SlackUser | null> {
    const doc = await this.models.slackUsers.findById(asString(id, 'user id')).lean();
    return doc ? toSlackUser(doc) : null;
  }

  async refreshedAt(): Promise<string | null> {
    const doc = await this.models.slackDirectory.findById(SLACK_DIRECTORY_ID).lean();
    return doc ? doc.refreshedAt : null;
  }
}
