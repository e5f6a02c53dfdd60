/**
 * Whether a campaign's systems report activity at all. A grant without a last-activity time
 * means "never used" on a system that reports activity, and nothing on one that reports none
 * (no grant of its snapshot had a time: a connector without activity data). Decided from the
 * snapshots the campaign froze, once, when it opened (openCampaign writes the list here and in
 * its `campaign.opened` event), so every rendering of an item says the same.
 */
import type { Store } from '../store/ports.js';

export const ACTIVITY_UNREPORTED_KEY = (campaignId: string): string => `campaign-activity-unreported:${campaignId}`;

/**
 * The systems of a campaign whose snapshot reported no activity; empty for a campaign opened
 * before this was recorded (their missing times read "never used", as they did then).
 */
export async function systemsWithoutActivity(store: Pick<Store, 'kv'>, campaignId: string): Promise<ReadonlySet<string>> {
  const raw = await store.kv.get(ACTIVITY_UNREPORTED_KEY(campaignId));
  const list: unknown = raw ? JSON.parse(raw) : [];
  return new Set(Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : []);
}
