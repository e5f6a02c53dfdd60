import type Database from 'better-sqlite3';
import type { SlackUser, SlackUserStore } from '../ports.js';

const SLACK_USER_COLUMNS = 'id, team_id AS teamId, email, name, deleted, is_bot AS isBot, updated_at AS updatedAt';

type SlackUserRow = Omit<SlackUser, 'deleted' | 'isBot'> & { deleted: number; isBot: number };

function toSlackUser(row: SlackUserRow): SlackUser {
  return { ...row, deleted: row.deleted === 1, isBot: row.isBot === 1 };
}

/** The cached Slack directory (one paged `users.list` instead of a lookup per reviewer). */
export class SqliteSlackUserStore implements SlackUserStore {
  private readonly upsertUser;
  private readonly deleteAll;
  private readonly setRefreshedAt;
  private readonly selectRefreshedAt;
  private readonly selectUser;
  private readonly selectByEmail;
  private readonly replaceAllTx;

  constructor(db: Database.Database) {
    this.upsertUser = db.prepare<[SlackUser, number, number]>(
      `INSERT INTO slack_users (id, team_id, email, name, deleted, is_bot, updated_at)
       VALUES (@id, @teamId, @email, @name, ?, ?, @updatedAt)
       ON CONFLICT (id) DO UPDATE SET team_id = excluded.team_id, email = excluded.email, name = excluded.name,
         deleted = excluded.deleted, is_bot = excluded.is_bot, updated_at = excluded.updated_at`,
    );
    this.deleteAll = db.prepare('DELETE FROM slack_users');
    this.setRefreshedAt = db.prepare<[string]>(
      `INSERT INTO slack_directory (id, refreshed_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET refreshed_at = excluded.refreshed_at`,
    );
    this.selectRefreshedAt = db.prepare<[], string>('SELECT refreshed_at FROM slack_directory WHERE id = 1').pluck();
    this.selectUser = db.prepare<[string], SlackUserRow>(`SELECT ${SLACK_USER_COLUMNS} FROM slack_users WHERE id = ?`);
    // Emails compare case-insensitively (the query lower-cased here, the column by index);
    // a live human account is preferred over a deleted one or a bot sharing the address.
    this.selectByEmail = db.prepare<[string], SlackUserRow>(
      `SELECT ${SLACK_USER_COLUMNS} FROM slack_users WHERE lower(email) = ? ORDER BY deleted, is_bot, id LIMIT 1`,
    );
    this.replaceAllTx = db.transaction((users: readonly SlackUser[], at: string) => {
      this.deleteAll.run();
      for (const user of users) this.upsertUser.run(user, user.deleted ? 1 : 0, user.isBot ? 1 : 0);
      this.setRefreshedAt.run(at);
    });
  }

  async replaceAll(users: readonly SlackUser[], at: string): Promise<void> {
    this.replaceAllTx.immediate(users, at);
  }

  async upsert(user: SlackUser): Promise<void> {
    this.upsertUser.run(user, user.deleted ? 1 : 0, user.isBot ? 1 : 0);
  }

  async findByEmail(email: string): Promise<SlackUser | null> {
    const row = this.selectByEmail.get(email.trim().toLowerCase());
    return row ? toSlackUser(row) : null;
  }

  async get(id: string): Promise<SlackUser | null> {
    const row = this.selectUser.get(id);
    return row ? toSlackUser(row) : null;
  }

  async refreshedAt(): Promise<string | null> {
    return this.selectRefreshedAt.get() ?? null;
  }
}
