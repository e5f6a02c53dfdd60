import { EVENT } from '../../src/audit/event-types.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AuditLog } from '../../src/audit/audit-log.js';
import { loadConfig } from '../../src/config/load-config.js';
import { verifyRun } from '../../src/domain/index.js';
import type { LedgerEvent } from '../../src/domain/index.js';
import { closeCampaign } from '../../src/reviews/close-campaign.js';
import { decideItem } from '../../src/reviews/decide-item.js';
import { delegateItem } from '../../src/reviews/delegate-item.js';
import { openCampaign } from '../../src/reviews/open-campaign.js';
import type { ReviewActor } from '../../src/reviews/review-actor.js';
import type { ReviewDeps } from '../../src/reviews/review-deps.js';
import { EXPIRE_BATCH } from '../../src/store/ports.js';
import type { CampaignStore, Store } from '../../src/store/ports.js';
import { auditVerify, auditVerifyLines } from '../../src/audit/audit-verify.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { MINIMAL_FIRM, tempConfigDir } from '../helpers/temp-config.js';
import { grant, identity, seedGrants, seedIdentities } from '../helpers/seed-state.js';

const lookup = () => z.strictObject({ path: z.string() });
const actor = (id: string): ReviewActor => ({ id, email: `${id}@example.com`, slackId: null, label: `${id}@example.com` });

async function ledger(store: Store): Promise<LedgerEvent[]> {
  const out: LedgerEvent[] = [];
  for await (const b of store.ledger.read()) out.push(...b);
  return out;
}

describe('campaign lifecycle', () => {
  let store: Store;
  let deps: ReviewDeps;
  let clock: Date;

  beforeEach(async () => {
    store = openSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'iam-rev-')), 'r.db') });
    clock = new Date('2026-11-24T09:00:00Z');
    const now = () => new Date(clock);
    const config = loadConfig(
      tempConfigDir({
        ...MINIMAL_FIRM,
        'reviews/semiannual.yaml': MINIMAL_FIRM['reviews/semiannual.yaml']! + 'requireJustification: [revoke, approve-with-findings]\n',
        'reviews/roles.yaml': 'securityTeam: [sec@example.com]\nauditors: [audit@example.com]\nfallbackReviewer: ciso@example.com\n',
      }),
      lookup,
    );
    deps = { store, audit: new AuditLog(store.ledger, now), now, config, timeZone: 'UTC' };
    await seedIdentities(store, 'hr', [
      identity('boss', { department: 'Management' }),
      identity('alice', { managerId: 'boss', department: 'Trading' }),
      identity('bob', { managerId: 'boss' }),
      identity('sec', { department: 'Security' }),
      identity('head-of-trading', { managerId: 'boss' }),
    ]);
    await seedGrants(store, 'trading', [
      grant('trading', 'alice-acc', 'TRADER', 'alice'),
      grant('trading', 'bob-acc', 'VIEWER', 'bob'),
      grant('trading', 'boss-acc', 'TRADER', 'boss'),
      grant('trading', 'head-acc', 'TRADER', 'head-of-trading'),
      grant('trading', 'svc-x', 'VIEWER', null, { accountType: 'service' }),
    ]);
  });
  afterEach(() => store.close());

  it('opens once per review and period, freezing the in-scope grants with reviewers who are never the subject', async () => {
    const first = await openCampaign(deps, 'semiannual', { actor: 'sec@example.com' });
    expect(first.campaign).toMatchObject({ id: 'semiannual:2026-H2', state: 'open', period: '2026-H2', dueAt: '2026-12-08T09:00:00.000Z' });
    expect(first.itemsAdded).toBe(5);
    const items = new Map((await store.campaigns.items(first.campaign.id)).map((i) => [i.accountId, i]));
    expect(items.get('alice-acc')).toMatchObject({ reviewerId: 'boss', reviewerSource: 'manager', state: 'pending' });
    // boss has no manager: the system owner reviews.
    expect(items.get('boss-acc')).toMatchObject({ reviewerId: 'head-of-trading', reviewerSource: 'systemOwner' });
    // head-of-trading's manager is boss.
    expect(items.get('head-acc')).toMatchObject({ reviewerId: 'boss', reviewerSource: 'manager' });
    expect(items.get('svc-x')).toMatchObject({ reviewerId: 'head-of-trading', reviewerSource: 'systemOwner' });

    const again = await openCampaign(deps, 'semiannual', { actor: 'scheduler' });
    expect(again).toMatchObject({ opened: false, itemsAdded: 0 });
    expect((await store.campaigns.items(first.campaign.id)).length).toBe(5);
    expect((await store.ledger.query({ type: 'campaign.opened' })).length).toBe(1);
    expect((await store.ledger.query({ type: 'item.assigned' })).length).toBe(5);
  });

  it('falls back past a subject who is their own system owner', async () => {
    await seedIdentities(store, 'hr', [identity('head-of-trading'), identity('sec', { department: 'Security' })]);
    await seedGrants(store, 'trading', [grant('trading', 'head-acc', 'TRADER', 'head-of-trading')]);
    const r = await openCampaign(deps, 'semiannual', { actor: 'sec@example.com' });
    const [item] = await store.campaigns.items(r.campaign.id);
    expect(item).toMatchObject({ identityId: 'head-of-trading', reviewerId: 'sec', reviewerSource: 'securityTeam' });
  });

  it('resumes an interrupted opening on the frozen state without duplicates', async () => {
    // Crash simulation: the campaign row, its frozen snapshots and one item were written, then the process died.
    const current = await store.snapshots.currentAll();
    await store.campaigns.create({ id: 'semiannual:2026-H2', reviewId: 'semiannual', period: '2026-H2', name: 'x', state: 'opening', openedAt: clock.toISOString(), dueAt: '2026-12-08T09:00:00.000Z', closedAt: null, openedBy: 'scheduler' });
    await store.kv.set('campaign-snapshots:semiannual:2026-H2', JSON.stringify({ trading: current.get('trading')!.id }));
    const aliceGrant = grant('trading', 'alice-acc', 'TRADER', 'alice');
    await store.campaigns.addItems([{ id: `semiannual:2026-H2/${aliceGrant.id}`, campaignId: 'semiannual:2026-H2', grantId: aliceGrant.id, systemId: 'trading', accountId: 'alice-acc', role: 'TRADER', scope: '', identityId: 'alice', reviewerId: 'boss', reviewerSource: 'manager', state: 'pending', findings: [], lastActivityAt: null, decisionId: null, updatedAt: clock.toISOString() }], (inserted) => inserted.map((i) => deps.audit.event(EVENT.itemAssigned, 'scheduler', i.id, { campaignId: i.campaignId, reviewerId: i.reviewerId })));
    // Meanwhile a sync changed the current state: the resumed opening must not see it.
    await seedGrants(store, 'trading', [grant('trading', 'new-acc', 'TRADER', 'bob')]);

    const resumed = await openCampaign(deps, 'semiannual', { actor: 'scheduler' });
    expect(resumed).toMatchObject({ opened: true, itemsAdded: 4, campaign: { state: 'open' } });
    const items = await store.campaigns.items('semiannual:2026-H2');
    expect(items.map((i) => i.accountId).sort()).toEqual(['alice-acc', 'bob-acc', 'boss-acc', 'head-acc', 'svc-x']);
    // One assignment event per item: the item written before the crash committed with its own.
    const assigned = (await store.ledger.query({ type: 'item.assigned' })).map((e) => e.subject);
    expect(assigned.sort()).toEqual(items.map((i) => i.id).sort());
    expect((await store.ledger.query({ type: 'campaign.opened' }))[0]!.data).toMatchObject({ items: 5 });
  });

  it('names periods and refuses one of the wrong kind', async () => {
    const r2 = await openCampaign(deps, 'semiannual', { actor: 'scheduler', period: '2027-H1' });
    expect(r2.campaign.id).toBe('semiannual:2027-H1');
    await expect(openCampaign(deps, 'semiannual', { actor: 'x', period: '2027-Q1' })).rejects.toThrow(/not a half-year/);
    await expect(openCampaign(deps, 'nope', { actor: 'x' })).rejects.toThrow(/unknown review "nope"/);
  });

  it('records one decision per item, refuses a second and every unauthorised actor, ledgering refusals', async () => {
    const { campaign } = await openCampaign(deps, 'semiannual', { actor: 'sec@example.com' });
    const id = `${campaign.id}/${(await store.campaigns.items(campaign.id)).find((i) => i.accountId === 'alice-acc')!.grantId}`;
    await expect(decideItem(deps, { itemId: id, outcome: 'approve', actor: actor('bob'), channel: 'slack' })).rejects.toThrow(/not the assigned reviewer/);
    await expect(decideItem(deps, { itemId: id, outcome: 'approve', actor: actor('alice'), channel: 'slack' })).rejects.toThrow(/own access/);
    await expect(decideItem(deps, { itemId: id, outcome: 'revoke', actor: actor('boss'), channel: 'slack', justification: 'no' })).rejects.toThrow(/justification of at least 10/);

    const results = await Promise.allSettled(Array.from({ length: 5 }, () => decideItem(deps, { itemId: id, outcome: 'approve', actor: actor('boss'), channel: 'slack' })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual(Array(4).fill(expect.stringMatching(/already approved by boss@example.com at 2026-11-24T09:00:00.000Z/)));
    await expect(decideItem(deps, { itemId: id, outcome: 'revoke', actor: actor('boss'), channel: 'slack', justification: 'changed my mind entirely' })).rejects.toThrow(/already approved/);
    expect((await store.ledger.query({ type: 'decision.recorded' })).length).toBe(1);
    // Every refusal is ledgered with the guard's code, the too-short justification included.
    const refusals = await store.ledger.query({ type: 'access.refused' });
    expect(refusals.map((e) => e.data.code)).toEqual(['not_reviewer', 'self_review', 'justification_required', ...Array(4).fill('not_pending'), 'not_pending']);
    expect(verifyRun(await ledger(store), null).break).toBeNull();
  });

  it('stores hostile justifications literally', async () => {
    const { campaign } = await openCampaign(deps, 'semiannual', { actor: 'sec@example.com' });
    const item = (await store.campaigns.items(campaign.id)).find((i) => i.accountId === 'bob-acc')!;
    const r = await decideItem(deps, { itemId: item.id, outcome: 'revoke', actor: actor('boss'), channel: 'cli', justification: `'; $where: sleep(5000) {"$gt":""}` });
    expect((await store.campaigns.decision(item.id))?.justification).toBe(`'; $where: sleep(5000) {"$gt":""}`);
    expect(r.item.state).toBe('revoked');
  });

  it('delegates a pending item; the delegate decides, the previous reviewer cannot', async () => {
    const { campaign } = await openCampaign(deps, 'semiannual', { actor: 'sec@example.com' });
    const item = (await store.campaigns.items(campaign.id)).find((i) => i.accountId === 'bob-acc')!;
    await expect(delegateItem(deps, { itemId: item.id, actor: actor('boss'), to: 'bob@example.com' })).rejects.toThrow(/subject of this item/);
    const moved = await delegateItem(deps, { itemId: item.id, actor: actor('boss'), to: 'head-of-trading@example.com' });
    expect(moved).toMatchObject({ reviewerId: 'head-of-trading', reviewerSource: 'delegated', state: 'pending' });
    await expect(decideItem(deps, { itemId: item.id, outcome: 'approve', actor: actor('boss'), channel: 'slack' })).rejects.toThrow(/not the assigned reviewer/);
    await decideItem(deps, { itemId: item.id, outcome: 'approve', actor: actor('head-of-trading'), channel: 'slack' });
    expect((await store.ledger.query({ type: 'item.reassigned' }))[0]!.data).toMatchObject({ from: 'boss', to: 'head-of-trading' });
  });

  it('a close interrupted after the items expired is finished by the next run: the ledger gets every event once', async () => {
    const { campaign } = await openCampaign(deps, 'semiannual', { actor: 'sec@example.com' });
    const pending = await store.campaigns.items(campaign.id, { state: 'pending' });
    // The first run expired the items (with their events, one transaction), then died before closing.
    await store.campaigns.expirePending(campaign.id, clock.toISOString(), (items) => items.map((i) => deps.audit.event(EVENT.itemExpired, 'sec@example.com', i.id, { campaignId: campaign.id, reviewerId: i.reviewerId })));
    expect(await store.ledger.query({ type: 'campaign.closed' })).toHaveLength(0);

    const resumed = await closeCampaign(deps, campaign.id, 'sec@example.com');
    expect(resumed).toMatchObject({ expired: 0, approved: 0, campaign: { state: 'closed' } });
    const closed = await store.ledger.query({ type: 'campaign.closed' });
    expect(closed).toHaveLength(1);
    expect(closed[0]!.data).toMatchObject({ items: pending.length, expired: pending.length });
    expect(await store.ledger.query({ type: 'item.expired' })).toHaveLength(pending.length);
    await expect(closeCampaign(deps, campaign.id, 'x')).rejects.toThrow(/already closed/);
  });

  it('a campaign bigger than a page closes page by page (a crash between pages is resumed); every item expires once and the ledger verifies', async () => {
    const size = 2 * EXPIRE_BATCH + 500;
    await seedGrants(store, 'trading', Array.from({ length: size }, (_, n) => grant('trading', `svc-${String(n).padStart(5, '0')}`, 'VIEWER', null, { accountType: 'service' })));
    const { campaign, itemsAdded } = await openCampaign(deps, 'semiannual', { actor: 'sec@example.com' });
    expect(itemsAdded).toBe(size);
    const [first] = await store.campaigns.items(campaign.id, { state: 'pending' });
    await decideItem(deps, { itemId: first!.id, outcome: 'approve', actor: actor(first!.reviewerId), channel: 'cli' });

    // A store whose expirePending hands over its pages as they come, and whose second page fails (a crash).
    const pages: number[] = [];
    let failAt = 2;
    const campaigns: CampaignStore = Object.create(store.campaigns);
    campaigns.expirePending = (id, at, events) =>
      store.campaigns.expirePending(id, at, (items) => {
        pages.push(items.length);
        if (pages.length === failAt) throw new Error('injected: crash between pages');
        return events(items);
      });
    const paged = { ...deps, store: { ...store, campaigns } };
    await expect(closeCampaign(paged, campaign.id, 'sec@example.com')).rejects.toThrow(/injected/);
    expect(pages).toEqual([EXPIRE_BATCH, EXPIRE_BATCH]);
    expect(await store.ledger.query({ type: 'item.expired' })).toHaveLength(EXPIRE_BATCH);
    expect(await store.campaigns.get(campaign.id)).toMatchObject({ state: 'open' });

    pages.length = 0;
    failAt = 0;
    const closed = await closeCampaign(paged, campaign.id, 'sec@example.com');
    expect(pages).toEqual([EXPIRE_BATCH, size - 1 - 2 * EXPIRE_BATCH]);
    expect(closed).toMatchObject({ expired: size - 1 - EXPIRE_BATCH, approved: 1, revoked: 0, campaign: { state: 'closed' } });
    expect((await store.ledger.query({ type: 'campaign.closed' }))[0]!.data).toMatchObject({ items: size, approved: 1, revoked: 0, expired: size - 1 });
    const expired = await store.ledger.query({ type: 'item.expired' });
    expect(new Set(expired.map((e) => e.subject)).size).toBe(size - 1);
    expect(await store.campaigns.countItemsByState({ campaignId: campaign.id })).toEqual([{ state: 'approved', count: 1 }, { state: 'expired', count: size - 1 }]);
    const verified = await auditVerify(store);
    expect(verified.chain.ok).toBe(true);
    expect(verified.state).toMatchObject({ checked: { campaigns: 1, items: size, decisions: 1 } });
    // The campaign, its items and the decision agree with the ledger; the only differences are the
    // seeded snapshots, written here without sync events.
    const differences = auditVerifyLines(verified).filter((l) => l.startsWith('  '));
    expect(differences).toHaveLength(5);
    for (const d of differences) expect(d).toMatch(/^ {2}(snapshots|system_state) row "(hr|trading)(@seed-\d+)?" /);
  });

  it('closes: pending items expire, decisions on a closed campaign are refused', async () => {
    const { campaign } = await openCampaign(deps, 'semiannual', { actor: 'sec@example.com' });
    const items = await store.campaigns.items(campaign.id);
    const alice = items.find((i) => i.accountId === 'alice-acc')!;
    await decideItem(deps, { itemId: alice.id, outcome: 'approve', actor: actor('boss'), channel: 'cli' });
    clock = new Date('2026-12-09T09:00:00Z');
    const closed = await closeCampaign(deps, campaign.id, 'sec@example.com');
    expect(closed).toMatchObject({ expired: 4, approved: 1, revoked: 0, campaign: { state: 'closed', closedAt: '2026-12-09T09:00:00.000Z' } });
    const bob = items.find((i) => i.accountId === 'bob-acc')!;
    await expect(decideItem(deps, { itemId: bob.id, outcome: 'approve', actor: actor('boss'), channel: 'slack' })).rejects.toThrow(/is closed/);
    await expect(closeCampaign(deps, campaign.id, 'x')).rejects.toThrow(/already closed/);
    expect(await store.ledger.query({ type: 'campaign.closed' })).toHaveLength(1);
    expect(await store.campaigns.lastCertification('trading')).toMatchObject({ campaignId: campaign.id, approvedGrantIds: [alice.grantId] });
  });
});
