import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AuditLog } from '../../src/audit/audit-log.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { Finding } from '../../src/domain/index.js';
import { openCampaign } from '../../src/reviews/open-campaign.js';
import type { ReviewDeps } from '../../src/reviews/review-deps.js';
import type { Store } from '../../src/store/ports.js';
import { WORKER_MIN_ROWS } from '../../src/store/sqlite/sqlite-snapshot-store.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { MINIMAL_FIRM, tempConfigDir } from '../helpers/temp-config.js';
import { grant, identity, seedGrants, seedIdentities } from '../helpers/seed-state.js';

const lookup = () => z.strictObject({ path: z.string() });

/**
 * The store as the opening may use it on a campaign of a million items: a refusal (a thrown
 * error) for every read that would load a whole campaign's items or a whole system's findings.
 */
function withoutWholeReads(store: Store): Store {
  const campaigns = new Proxy(store.campaigns, {
    get(target, name, receiver) {
      if (name === 'items') return () => Promise.reject(new Error('the opening loaded every item of the campaign'));
      const value: unknown = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const findings = new Proxy(store.findings, {
    get(target, name, receiver) {
      if (name === 'open') {
        return (filter?: { systemId?: string; grantIds?: readonly string[] }) =>
          filter?.grantIds === undefined ? Promise.reject(new Error('the opening loaded every open finding of a system')) : target.open(filter);
      }
      const value: unknown = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { ...store, campaigns, findings } as Store;
}

describe('opening a campaign reads grants and findings a page at a time', () => {
  let store: Store;
  let deps: ReviewDeps;

  beforeEach(async () => {
    store = openSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'iam-open-')), 'r.db') });
    const now = () => new Date('2026-11-24T09:00:00Z');
    const config = loadConfig(
      tempConfigDir({ ...MINIMAL_FIRM, 'reviews/roles.yaml': 'securityTeam: [sec@example.com]\nauditors: [audit@example.com]\nfallbackReviewer: ciso@example.com\n' }),
      lookup,
    );
    deps = { store: withoutWholeReads(store), audit: new AuditLog(store.ledger, now), now, config, timeZone: 'UTC' };
    await seedIdentities(store, 'hr', [identity('boss', { department: 'Management' }), identity('alice', { managerId: 'boss' }), identity('bob', { managerId: 'boss' })]);
  });
  afterEach(() => store.close());

  it('never loads the items back nor a whole system of findings; each item carries its grant\'s open findings', async () => {
    const alice = grant('trading', 'alice-acc', 'TRADER', 'alice');
    const bob = grant('trading', 'bob-acc', 'VIEWER', 'bob');
    await seedGrants(store, 'trading', [alice, bob]);
    const finding: Finding = {
      key: `dormant:trading:${alice.id}`, type: 'dormant', severity: 'medium', systemId: 'trading', grantId: alice.id, accountId: 'alice-acc',
      identityId: 'alice', role: 'TRADER', scope: '', ruleId: 'dormantAfterDays', reason: 'unused for 120 days', evidence: { days: 120 },
    };
    await store.findings.saveEvaluation({ id: 'ev-1', at: '2026-11-24T08:00:00.000Z', systemIds: ['trading'], policyHash: 'x', counts: { dormant: 1 } }, [finding], () => []);

    const r = await openCampaign(deps, 'semiannual', { actor: 'sec@example.com' });
    expect(r).toMatchObject({ opened: true, itemsAdded: 2, campaign: { state: 'open' } });
    const items = new Map((await store.campaigns.items(r.campaign.id)).map((i) => [i.accountId, i]));
    expect(items.get('alice-acc')!.findings).toEqual([{ ...finding }]);
    expect(items.get('bob-acc')!.findings).toEqual([]);
    expect((await store.ledger.query({ type: 'campaign.opened' }))[0]!.data).toMatchObject({ items: 2 });
  });
  it('reads the grants in pages below the read-ahead threshold (no reader thread, see BATCH) and assigns each item once across pages', async () => {
    // Across several pages: the opening's peak memory is a page's grants, items and events.
    const grants = Array.from({ length: 1_700 }, (_, i) => grant('trading', `acc-${String(i).padStart(4, '0')}`, 'VIEWER', i % 2 === 0 ? 'alice' : 'bob'));
    await seedGrants(store, 'trading', grants);
    const pages: { asked: number | undefined; rows: number }[] = [];
    const snapshots = new Proxy(store.snapshots, {
      get(target, name, receiver) {
        if (name === 'grants') {
          return async function* (snapshotId: string, batchSize?: number) {
            for await (const page of target.grants(snapshotId, batchSize)) {
              pages.push({ asked: batchSize, rows: page.length });
              yield page;
            }
          };
        }
        const value: unknown = Reflect.get(target, name, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const r = await openCampaign({ ...deps, store: { ...deps.store, snapshots } as Store }, 'semiannual', { actor: 'sec@example.com' });

    expect(r).toMatchObject({ opened: true, itemsAdded: 1_700 });
    expect(pages.length).toBeGreaterThan(1);
    for (const page of pages) {
      expect(page.asked).toBeLessThan(WORKER_MIN_ROWS);
      expect(page.rows).toBeLessThanOrEqual(page.asked!);
    }
    expect(pages.reduce((sum, p) => sum + p.rows, 0)).toBe(1_700);
    const assigned = await store.ledger.query({ type: 'item.assigned' });
    expect(assigned).toHaveLength(1_700);
    expect(new Set(assigned.map((e) => e.subject)).size).toBe(1_700);
    expect(await store.campaigns.countItems(r.campaign.id)).toBe(1_700);
  });
});
