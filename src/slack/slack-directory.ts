/**
 * Finds reviewers in Slack by email. The workspace directory (one paged `users.list`, Tier 2)
 * is cached in the store and refreshed per campaign; `users.lookupByEmail` (Tier 3, one call
 * per person) is used only for people the cache misses. For 2,000 reviewers that is ~10
 * `users.list` pages instead of 2,000 lookups.
 */
import type { WebClient } from '@slack/web-api';
import type { SlackUser, SlackUserStore } from '../store/ports.js';

interface SlackMember {
  id?: string;
  team_id?: string;
  name?: string;
  real_name?: string;
  deleted?: boolean;
  is_bot?: boolean;
  profile?: { email?: string; real_name?: string; display_name?: string };
}

export class SlackDirectory {
  constructor(
    private readonly client: WebClient,
    private readonly cache: SlackUserStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Re-reads the whole directory into the cache. Returns the number of people cached. */
  async refresh(): Promise<number> {
    const users: SlackUser[] = [];
    const at = this.now().toISOString();
    for await (const page of this.client.paginate('users.list', { limit: 200 })) {
      for (const m of ((page as { members?: SlackMember[] }).members ?? [])) {
        const u = toSlackUser(m, at);
        if (u) users.push(u);
      }
    }
    await this.cache.replaceAll(users, at);
    return users.length;
  }

  /** Refreshes unless the cache is younger than `maxAgeMs`. */
  async refreshIfOlderThan(maxAgeMs: number): Promise<void> {
    const at = await this.cache.refreshedAt();
    if (!at || this.now().getTime() - Date.parse(at) > maxAgeMs) await this.refresh();
  }

  /** The Slack user id of an active (not deleted, not bot) person with this email, or null. */
  async userIdForEmail(email: string): Promise<string | null> {
    const e = email.trim().toLowerCase();
    const cached = await this.cache.findByEmail(e);
    if (cached) return cached.deleted || cached.isBot ? null : cached.id;
    try {
      const r = (await this.client.users.lookupByEmail({ email: e })) as { user?: SlackMember };
      const u = r.user ? toSlackUser(r.user, this.now().toISOString()) : null;
      if (!u) return null;
      await this.cache.upsert(u);
      return u.deleted || u.isBot ? null : u.id;
    } catch (err) {
      if ((err as { data?: { error?: string } }).data?.error === 'users_not_found') return null;
      throw err;
    }
  }

  /** The cached (or fetched) Slack user, for resolving who clicked. */
  async user(userId: string): Promise<SlackUser | null> {
    const cached = await this.cache.get(userId);
    if (cached) return cached;
    try {
      const r = (await this.client.users.info({ user: userId })) as { user?: SlackMember };
      const u = r.user ? toSlackUser(r.user, this.now().toISOString()) : null;
      if (u) await this.cache.upsert(u);
      return u;
    } catch (err) {
      if ((err as { data?: { error?: string } }).data?.error === 'user_not_found') return null;
      throw err;
    }
  }
}

function toSlackUser(m: SlackMember, at: string): SlackUser | null {
  if (!m.id) return null;
  return {
    id: m.id,
    teamId: m.team_id ?? null,
    email: m.profile?.email ? m.profile.email.trim().toLowerCase() : null,
    name: m.profile?.real_name || m.real_name || m.profile?.display_name || m.name || m.id,
    deleted: m.deleted === true,
    isBot: m.is_bot === true || m.id === 'USLACKBOT',
    updatedAt: at,
  };
}
