/**
 * Whether a system reports activity is decided once, when the campaign opens, from the frozen
 * snapshots: an item without a last activity reads "no activity data" on a system whose snapshot
 * had no activity time at all, "never used" on one that reports activity. Recorded in the
 * `campaign.opened` event as well.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AuditLog } from '../../src/audit/audit-log.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { LedgerEvent } from '../../src/domain/index.js';
import { systemsWithoutActivity } from '../../src/reviews/activity-reported.js';
import { openCampaign } from '../../src/reviews/open-campaign.js';
import type { ReviewDeps } from '../../src/reviews/review-deps.js';
import { itemSectionText } from '../../src/slack/blocks/index.js';
import { loadPeople } from '../../src/slack/people.js';
import { reviewEntries } from '../../src/slack/review-entries.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { grant, identity, seedGrants, seedIdentities } from '../helpers/seed-state.js';
import { MINIMAL_FIRM, tempConfigDir } from '../helpers/temp-config.js';

async function opened(activity: { alice: string | null; bob: string | null }) {
  const store = openSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'iam-act-')), 'r.db') });
  const now = () => new Date('2026-11-24T09:00:00Z');
  const config = loadConfig(tempConfigDir(MINIMAL_FIRM), () => z.strictObject({ path: z.string() }));
  const deps: ReviewDeps = { store, audit: new AuditLog(store.ledger, now), now, config, timeZone: 'UTC' };
  await seedIdentities(store, 'hr', [identity('boss'), identity('alice', { managerId: 'boss' }), identity('bob', { managerId: 'boss' })]);
  await seedGrants(store, 'trading', [grant('trading', 'alice-acc', 'VIEWER', 'alice', { lastActivityAt: activity.alice }), grant('trading', 'bob-acc', 'VIEWER', 'bob', { lastActivityAt: activity.bob })]);
  const { campaign } = await openCampaign(deps, 'semiannual', { actor: 'sec@example.com' });
  const items = await store.campaigns.items(campaign.id);
  const entries = await reviewEntries(deps, await loadPeople(store), items);
  const text = (account: string) => itemSectionText(entries.find((e) => e.item.accountId === account)!, now().toISOString());
  const events: LedgerEvent[] = [];
  for await (const b of store.ledger.read()) events.push(...b);
  const openedEvent = events.find((e) => e.type === 'campaign.opened')!;
  const unreported = await systemsWithoutActivity(store, campaign.id);
  await store.close();
  return { text, openedEvent, unreported };
}

describe('activity reported by a system', () => {
  it('a system without any activity time: "no activity data", frozen at open and ledgered', async () => {
    const { text, openedEvent, unreported } = await opened({ alice: null, bob: null });
    expect([...unreported]).toEqual(['trading']);
    expect(openedEvent.data.systemsWithoutActivity).toEqual(['trading']);
    expect(text('alice-acc')).toContain('Last activity: no activity data\n*Recommended:* keep: no findings, no activity data');
  });

  it('a system that reports activity: a grant without a time was never used', async () => {
    const { text, openedEvent, unreported } = await opened({ alice: null, bob: '2026-11-21T09:00:00.000Z' });
    expect([...unreported]).toEqual([]);
    expect(openedEvent.data.systemsWithoutActivity).toEqual([]);
    expect(text('alice-acc')).toContain('Last activity: never used\n*Recommended:* keep: no findings, never used');
    expect(text('bob-acc')).toContain('*Recommended:* keep: no findings, used 3 days ago');
  });
});
