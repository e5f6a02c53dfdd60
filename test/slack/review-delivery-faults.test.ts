/**
 * Delivery under faults: a crash between opening a campaign and sending its messages (resume
 * sends only the missing pages, never one twice), Slack answering 429 on 30% of calls (every
 * page still sent exactly once), reviewers without a Slack account (failed, ledgered, counted),
 * and a failure recording an outcome after Slack took the message (the delivery and its ledger
 * event are one transaction: neither is recorded, and nothing is sent or ledgered twice later).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { retryPolicies, WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AuditLog } from '../../src/audit/audit-log.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { Grant, Identity } from '../../src/domain/index.js';
import { delegateItem } from '../../src/reviews/delegate-item.js';
import { openCampaign } from '../../src/reviews/open-campaign.js';
import type { ReviewDeps } from '../../src/reviews/review-deps.js';
import type { SlackReviewServices } from '../../src/slack/review-services.js';
import { createSlackReviewServices } from '../../src/slack/review-services.js';
import { slackServiceDeps } from '../../src/slack/slack-services.js';
import type { Store } from '../../src/store/ports.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { FakeSlack } from '../fakes/fake-slack.js';
import type { FakeSlackOptions } from '../fakes/fake-slack.js';
import { grant, identity, seedGrants, seedIdentities } from '../helpers/seed-state.js';
import { MINIMAL_FIRM, tempConfigDir } from '../helpers/temp-config.js';

const MANAGERS = 12;
const REPORTS = 3;
const CAMPAIGN = 'semiannual:2026-H2';

interface World {
  fake: FakeSlack;
  /** The SQLite file of `store`, for faults injected through a connection of the test's own. */
  file: string;
  store: Store;
  deps: ReviewDeps;
  services: SlackReviewServices;
}

const worlds: World[] = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) {
    await w.fake.stop();
    await w.store.close();
  }
});

/** 12 managers with 3 reports each; every report holds 10 grants (30 items per manager: 2 pages). m11 has no Slack account. */
async function world(fakeOptions: FakeSlackOptions = {}): Promise<World> {
  const people: Identity[] = [];
  const grants: Grant[] = [];
  for (let m = 0; m < MANAGERS; m++) {
    people.push(identity(`m${m}`, { department: 'Management' }));
    for (let r = 0; r < REPORTS; r++) {
      const id = `r${m}-${r}`;
      people.push(identity(id, { managerId: `m${m}`, department: 'Trading' }));
      for (let g = 0; g < 10; g++) grants.push(grant('trading', `${id}-acc${g}`, g % 2 ? 'VIEWER' : 'TRADER', id, { scope: `desk-${g}` }));
    }
  }
  const users = Array.from({ length: MANAGERS - 1 }, (_, m) => ({ id: `U0MGR${String(m).padStart(4, '0')}`, name: `m${m}`, realName: `Manager ${m}`, email: `m${m}@example.com` }));
  const fake = await FakeSlack.start({ users, channels: [{ id: 'C0ACCESS01', name: 'access-reviews' }], ...fakeOptions });
  const file = join(mkdtempSync(join(tmpdir(), 'iam-faults-')), 'f.db');
  const store = openSqliteStore({ file });
  await seedIdentities(store, 'hr', people);
  await seedGrants(store, 'trading', grants);
  const now = () => new Date('2026-11-24T09:00:00Z');
  const review = MINIMAL_FIRM['reviews/semiannual.yaml']! + 'escalation: { channel: "#access-reviews" }\n';
  const config = loadConfig(tempConfigDir({ ...MINIMAL_FIRM, 'reviews/semiannual.yaml': review }), () => z.strictObject({ path: z.string() }));
  const deps: ReviewDeps = { store, audit: new AuditLog(store.ledger, now), now, config, timeZone: 'UTC' };
  const client = new WebClient(fake.token, { slackApiUrl: fake.apiUrl, retryConfig: retryPolicies.rapidRetryPolicy, rejectRateLimitedCalls: false, logger: quietLogger() });
  const services = createSlackReviewServices(slackServiceDeps({ client, review: () => deps, log: pino({ level: 'silent' }) }));
  const w = { fake, file, store, deps, services };
  worlds.push(w);
  return w;
}

function quietLogger() {
  const noop = () => {};
  return { debug: noop, info: noop, warn: noop, error: noop, setLevel: noop, getLevel: () => 'error' as never, setName: noop };
}

/** Successful chat.postMessage calls to people (review DMs), per user. */
function dmPosts(fake: FakeSlack) {
  return fake.callsTo('chat.postMessage').filter((c) => c.ok && String(c.args.channel).startsWith('U'));
}
function postsPerUser(fake: FakeSlack): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of dmPosts(fake)) counts.set(String(c.args.channel), (counts.get(String(c.args.channel)) ?? 0) + 1);
  return counts;
}

/** Makes the ledger refuse events matching `when` (SQL on NEW), until the returned function is called. */
function failLedgerInsert(file: string, when: string): () => void {
  const db = new Database(file);
  db.exec(`CREATE TRIGGER inject_ledger_fault BEFORE INSERT ON ledger_events WHEN ${when} BEGIN SELECT RAISE(ABORT, 'injected ledger fault'); END`);
  return () => {
    db.exec('DROP TRIGGER inject_ledger_fault');
    db.close();
  };
}

/**
 * State and ledger agree on deliveries: each sent one has exactly one `sent` event of its kind,
 * each failed one at least one `message.failed`, and a claimed one (outcome unknown) none.
 */
async function expectDeliveriesMatchLedger(store: Store, sentType: Record<string, string>): Promise<void> {
  const bySubject = new Map<string, string[]>();
  for (const e of await store.ledger.query({})) bySubject.set(e.subject, [...(bySubject.get(e.subject) ?? []), e.type]);
  for (const d of await store.deliveries.list({})) {
    // message.updated records an update of a sent message in place: no change of its delivery.
    const types = (bySubject.get(d.id) ?? []).filter((t) => t !== 'message.updated');
    if (d.state === 'sent') expect(types, d.id).toEqual([sentType[d.kind]]);
    else if (d.state === 'failed') expect(types.length > 0 && types.every((t) => t === 'message.failed'), `${d.id}: ${types.join()}`).toBe(true);
    else expect(types, d.id).toEqual([]);
  }
}

async function sentPages(store: Store): Promise<Map<string, number>> {
  const byRecipient = new Map<string, number>();
  for (const d of await store.deliveries.list({ campaignId: CAMPAIGN, kind: 'review', state: 'sent' })) byRecipient.set(d.recipient, (byRecipient.get(d.recipient) ?? 0) + 1);
  return byRecipient;
}

describe('review delivery under faults', () => {
  it('resumes after a crash mid-delivery: only the missing pages are sent, none twice', async () => {
    const { fake, store, deps, services } = await world();
    await openCampaign(deps, 'semiannual', { actor: 'scheduler' });
    // Crash 1: the process died right after the items were created: nothing was sent.
    expect(await store.deliveries.list({ campaignId: CAMPAIGN })).toHaveLength(0);
    // Crash 2: a delivery run dies after 5 pages (the abort stops it between pages).
    const crash = new AbortController();
    let pages = 0;
    const first = await services.delivery.deliverCampaign(CAMPAIGN, {
      concurrency: 2,
      signal: crash.signal,
      onPage: () => {
        if (++pages === 5) crash.abort();
      },
    });
    expect(first.aborted).toBe(true);
    expect(first.sent).toBeGreaterThanOrEqual(5);
    expect(first.sent).toBeLessThan(2 * (MANAGERS - 1));
    // Crash 3: a page was claimed, then the process died before chat.postMessage answered.
    // (m9 comes last in delivery order, so the aborted run never reached it.)
    const inDoubt = `${CAMPAIGN}|m9|review|1`;
    expect(await store.deliveries.list({ campaignId: CAMPAIGN, recipient: 'm9' })).toHaveLength(0);
    await store.deliveries.claim({ id: inDoubt, campaignId: CAMPAIGN, recipient: 'm9', kind: 'review', key: '1', state: 'claimed', channel: null, ts: null, attempts: 0, error: null, updatedAt: '2026-11-24T09:00:00.000Z', payload: {} });

    const resumed = await services.delivery.deliverCampaign(CAMPAIGN);
    expect(resumed.alreadySent).toBe(first.sent);
    expect(resumed.uncertain).toEqual([inDoubt]);
    expect(resumed.withoutSlack).toEqual(['m11']);
    // Every page of every reviewer with Slack went out exactly once, except the one in doubt.
    const perUser = postsPerUser(fake);
    for (let m = 0; m < MANAGERS - 1; m++) expect(perUser.get(`U0MGR${String(m).padStart(4, '0')}`)).toBe(m === 9 ? 1 : 2);
    expect(dmPosts(fake)).toHaveLength(first.sent + resumed.sent);
    expect(await deps.store.ledger.query({ type: 'message.sent' })).toHaveLength(first.sent + resumed.sent);

    // A third run sends nothing.
    const again = await services.delivery.deliverCampaign(CAMPAIGN);
    expect(again.sent).toBe(0);
    expect(dmPosts(fake)).toHaveLength(first.sent + resumed.sent);
  });

  it('sends every page exactly once when Slack answers 429 to 30% of calls', async () => {
    const { fake, store, deps, services } = await world({ failRate: 0.3, faultRetryAfterSeconds: 0, seed: 7 });
    await openCampaign(deps, 'semiannual', { actor: 'scheduler' });
    const report = await services.delivery.deliverCampaign(CAMPAIGN);
    const limited = fake.calls.filter((c) => c.status === 429);
    expect(limited.length).toBeGreaterThan(5);
    expect(report.failed.filter((f) => f.reviewerId !== 'm11')).toEqual([]);
    expect(report.sent).toBe(2 * (MANAGERS - 1));
    const perUser = postsPerUser(fake);
    expect([...perUser.values()]).toEqual(Array(MANAGERS - 1).fill(2));
    const sent = await sentPages(store);
    for (let m = 0; m < MANAGERS - 1; m++) expect(sent.get(`m${m}`)).toBe(2);
  });

  it('records a reviewer without a Slack account as failed, ledgered, and retries on the next run', async () => {
    const { fake, store, deps, services } = await world();
    await openCampaign(deps, 'semiannual', { actor: 'scheduler' });
    const report = await services.delivery.deliverCampaign(CAMPAIGN);
    expect(report.withoutSlack).toEqual(['m11']);
    expect(report.failed.map((f) => f.deliveryId).sort()).toEqual([`${CAMPAIGN}|m11|review|1`, `${CAMPAIGN}|m11|review|2`]);
    expect(await store.deliveries.list({ campaignId: CAMPAIGN, recipient: 'm11' })).toMatchObject([{ state: 'failed', error: 'no active Slack account for m11@example.com' }, { state: 'failed' }]);
    expect(await store.ledger.query({ type: 'message.failed' })).toHaveLength(2);
    // They are escalated at once: one notice to the review's escalation channel.
    expect(fake.messagesIn('C0ACCESS01').map((m) => m.text)).toEqual([expect.stringMatching(/1 reviewer could not get their review message .*m11 \(m11@example.com\)/)]);
    expect(await store.ledger.query({ type: 'escalation.sent' })).toMatchObject([{ data: { reason: 'no-slack-account', reviewers: ['m11'] } }]);
    // m11 joins Slack: the next run delivers their pages (found by users.lookupByEmail, the cache missed them).
    fake.addUser({ id: 'U0MGR0011', name: 'm11', realName: 'Manager 11', email: 'm11@example.com' });
    const next = await services.delivery.deliverCampaign(CAMPAIGN);
    expect(next.sent).toBe(2);
    expect(fake.callsTo('users.lookupByEmail')).toHaveLength(2);
    expect(postsPerUser(fake).get('U0MGR0011')).toBe(2);
  });

  it('a failure recording a sent page leaves it claimed with no event: the next run reports it uncertain, sends and ledgers nothing twice', async () => {
    const { fake, file, store, deps, services } = await world();
    await openCampaign(deps, 'semiannual', { actor: 'scheduler' });
    const stuck = `${CAMPAIGN}|m3|review|1`;
    const restore = failLedgerInsert(file, `NEW.type = 'message.sent' AND NEW.subject = '${stuck}'`);
    // Slack takes m3's first page; recording it fails, and the run stops there.
    await expect(services.delivery.deliverCampaign(CAMPAIGN, { concurrency: 1 })).rejects.toThrow('injected ledger fault');
    expect(postsPerUser(fake).get('U0MGR0003')).toBe(1);
    expect(await store.deliveries.get(stuck)).toMatchObject({ state: 'claimed', channel: null, ts: null });
    expect(await store.ledger.query({ subject: stuck })).toEqual([]);
    await expectDeliveriesMatchLedger(store, { review: 'message.sent', escalation: 'escalation.sent' });

    restore();
    const resumed = await services.delivery.deliverCampaign(CAMPAIGN);
    expect(resumed.uncertain).toEqual([stuck]);
    // m3's first page went out once (in the failed run), their second in this one.
    expect(postsPerUser(fake).get('U0MGR0003')).toBe(2);
    for (let m = 0; m < MANAGERS - 1; m++) expect(postsPerUser(fake).get(`U0MGR${String(m).padStart(4, '0')}`)).toBe(2);
    expect(await store.deliveries.get(stuck)).toMatchObject({ state: 'claimed' });
    expect(await store.ledger.query({ subject: stuck })).toEqual([]);
    await expectDeliveriesMatchLedger(store, { review: 'message.sent', escalation: 'escalation.sent' });
    expect(await store.ledger.query({ type: 'message.sent' })).toHaveLength(2 * (MANAGERS - 1) - 1);
  });

  it('a reminder for two campaigns records both deliveries and both reminder.sent events, or neither', async () => {
    const { fake, file, store, deps, services } = await world();
    await openCampaign(deps, 'semiannual', { actor: 'scheduler' });
    await openCampaign(deps, 'semiannual', { period: '2026-H1', actor: 'scheduler' });
    const earlier = 'semiannual:2026-H1';
    // Recording m0's reminder fails at its second event, after Slack took the DM.
    const restore = failLedgerInsert(file, `NEW.type = 'reminder.sent' AND NEW.subject = '${CAMPAIGN}|m0|reminder|manual-2026-11-24'`);
    await expect(services.reminders.run({ manual: true })).rejects.toThrow('injected ledger fault');
    const reminded = (user: string) => fake.messagesIn(user).filter((m) => /remind|pending/i.test(m.text ?? '')).length;
    expect(reminded('U0MGR0000')).toBe(1);
    const slackManagers = Array.from({ length: MANAGERS - 1 }, (_, m) => `U0MGR${String(m).padStart(4, '0')}`);
    const remindedBefore = slackManagers.filter((u) => reminded(u) === 1).length;
    const m0 = [`${earlier}|m0|reminder|manual-2026-11-24`, `${CAMPAIGN}|m0|reminder|manual-2026-11-24`];
    for (const id of m0) {
      expect(await store.deliveries.get(id)).toMatchObject({ state: 'claimed', channel: null, ts: null });
      expect(await store.ledger.query({ subject: id })).toEqual([]);
    }
    await expectDeliveriesMatchLedger(store, { reminder: 'reminder.sent' });

    restore();
    const again = await services.reminders.run({ manual: true });
    // m0's deliveries stay claimed (the DM may have gone out: it is not sent again); everyone else gets one DM for both campaigns.
    expect(reminded('U0MGR0000')).toBe(1);
    for (const u of slackManagers) expect(reminded(u)).toBe(1);
    expect(again.reminders).toBe(slackManagers.length - remindedBefore);
    for (const id of m0) expect(await store.deliveries.get(id)).toMatchObject({ state: 'claimed' });
    const events = await store.ledger.query({ type: 'reminder.sent' });
    expect(events).toHaveLength(2 * (MANAGERS - 2));
    expect(events.filter((e) => e.data.reviewerId === 'm1').map((e) => [e.subject, e.data.campaignId, e.data.pending])).toEqual([
      [`${earlier}|m1|reminder|manual-2026-11-24`, earlier, 30],
      [`${CAMPAIGN}|m1|reminder|manual-2026-11-24`, CAMPAIGN, 30],
    ]);
    await expectDeliveriesMatchLedger(store, { reminder: 'reminder.sent' });
  });

  it('a failure recording a delegated page as sent does not mark it failed: it is never sent twice', async () => {
    const { fake, file, store, deps, services } = await world();
    await openCampaign(deps, 'semiannual', { actor: 'scheduler' });
    await services.delivery.deliverCampaign(CAMPAIGN);
    const [item] = await store.campaigns.items(CAMPAIGN, { reviewerId: 'm0' });
    const delegated = await delegateItem(deps, { itemId: item!.id, actor: { id: 'm0', email: 'm0@example.com', slackId: null, label: 'm0@example.com' }, to: 'm1@example.com' });
    const id = `${CAMPAIGN}|m1|review|d:${item!.id}`;
    const toM1 = () => dmPosts(fake).filter((c) => c.args.channel === 'U0MGR0001').length;
    const before = toM1();
    const restore = failLedgerInsert(file, `NEW.type = 'message.sent' AND NEW.subject = '${id}'`);
    await expect(services.delivery.deliverDelegated(delegated)).rejects.toThrow('injected ledger fault');
    expect(toM1()).toBe(before + 1);
    expect(await store.deliveries.get(id)).toMatchObject({ state: 'claimed' });
    expect(await store.ledger.query({ subject: id })).toEqual([]);

    restore();
    await services.delivery.deliverDelegated(delegated);
    expect(toM1()).toBe(before + 1);
    expect(await store.ledger.query({ subject: id })).toEqual([]);
    await expectDeliveriesMatchLedger(store, { review: 'message.sent', escalation: 'escalation.sent' });
  });
});
