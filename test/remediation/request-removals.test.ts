/**
 * requestRemovals: the remediations due a request go to the requester of their system's
 * `remediation.mode`, each outcome recorded with its event in one transaction (requested /
 * failed; skipped records nothing), failed ones retried, requested ones never sent again, a
 * dry run sends and records nothing, two overlapping runs record each outcome once. The
 * requester is a hand-written fake (the far side: a ticket system, a vendor API); the app,
 * its store (real SQLite) and the services are real.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { openApp } from '../../src/app.js';
import { loadEnv } from '../../src/config/env.js';
import type { Remediation } from '../../src/domain/index.js';
import { createLogger } from '../../src/logger.js';
import type { RemovalOutcome, RemovalRequester } from '../../src/remediation/removal-requester.js';
import { REQUEST_LEASE_MS, requestRemovals } from '../../src/remediation/request-removals.js';
import { decideItem } from '../../src/reviews/decide-item.js';
import { openCampaign } from '../../src/reviews/open-campaign.js';
import { MINIMAL_FIRM, TRADING_DESK_HR, tempConfigDir } from '../helpers/temp-config.js';

const TRADING = ['account_id,identity,role,scope', 'acc-a,alice@example.com,TRADER,spot', 'acc-b,alice@example.com,TRADER,futures', 'acc-c,alice@example.com,VIEWER,', ...Array.from({ length: 30 }, (_, i) => `acc-${i},boss@example.com,VIEWER,desk-${i}`), ''].join('\n');

/** A ticket system as the fake far side: decides per account what happens, counts calls per remediation. */
class FakeTickets implements RemovalRequester {
  readonly mode = 'manual' as const;
  readonly calls = new Map<string, number>();
  constructor(public answer: (r: Remediation) => RemovalOutcome) {}
  async request(_system: unknown, remediations: readonly Remediation[]): Promise<RemovalOutcome[]> {
    return remediations.map((r) => {
      this.calls.set(r.accountId, (this.calls.get(r.accountId) ?? 0) + 1);
      return this.answer(r);
    });
  }
}

describe('requestRemovals', () => {
  let app: App;
  let clock: Date;
  const boss = { id: 'E2', email: 'boss@example.com', slackId: null, label: 'boss@example.com' };
  const deps = () => ({ store: app.store, audit: app.audit, now: () => clock, config: app.loadConfig() });
  const states = async () => Object.fromEntries((await app.remediation.list()).map((r) => [r.accountId, [r.state, r.failure]]));
  const events = async (type: string) => (await app.store.ledger.query({ type })).map((e) => [e.data.accountId, e.data.ref ?? e.data.error]);

  beforeEach(async () => {
    clock = new Date('2026-09-01T08:00:00.000Z');
    const configDir = tempConfigDir({ ...MINIMAL_FIRM, 'connectors/sample-data/hr.csv': TRADING_DESK_HR, 'connectors/sample-data/trading.csv': TRADING });
    app = await openApp(loadEnv({ IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: mkdtempSync(join(tmpdir(), 'iam-request-')), LOG_LEVEL: 'silent' }), { now: () => clock, log: createLogger('silent') });
    await app.sync.runConfigured(undefined, { actor: 'test' });
    const { campaign } = await openCampaign(await app.reviews.recordedDeps('test'), 'semiannual', { period: '2026-H2', actor: 'test' });
    for (const item of await app.store.campaigns.items(campaign.id)) {
      if (['acc-a', 'acc-b', 'acc-c'].includes(item.accountId)) await decideItem(app.reviews.deps(), { itemId: item.id, outcome: 'revoke', actor: boss, channel: 'cli', justification: 'left the desk' });
    }
    await app.remediation.open('test');
  });

  afterEach(async () => {
    await app.close();
  });

  it('records each outcome with its event; skipped records nothing; a dry run sends and records nothing', async () => {
    const tickets = new FakeTickets((r) =>
      r.accountId === 'acc-a' ? { id: r.id, outcome: 'requested', ref: 'SEC-1' } : r.accountId === 'acc-b' ? { id: r.id, outcome: 'failed', error: 'ticket system answered 500' } : { id: r.id, outcome: 'skipped', why: 'no channel' },
    );
    const requesters = new Map([['manual' as const, tickets]]);
    const [dry] = (await requestRemovals(deps(), requesters, { dryRun: true })).filter((r) => r.systemId === 'trading');
    expect(dry!.due.map((r) => r.accountId).sort()).toEqual(['acc-a', 'acc-b', 'acc-c']);
    expect(tickets.calls.size).toBe(0);
    expect(await events('remediation.')).toHaveLength(3); // the three openings only

    const [applied] = (await requestRemovals(deps(), requesters)).filter((r) => r.systemId === 'trading');
    expect(applied).toMatchObject({ requested: 1, failed: 1, skipped: 1 });
    expect(await states()).toEqual({ 'acc-a': ['requested', null], 'acc-b': ['failed', 'ticket system answered 500'], 'acc-c': ['open', null] });
    expect(await events('remediation.requested')).toEqual([['acc-a', 'SEC-1']]);
    expect(await events('remediation.failed')).toEqual([['acc-b', 'ticket system answered 500']]);
    expect((await app.remediation.get((await app.remediation.list()).find((r) => r.accountId === 'acc-a')!.id))!.requestedAt).toBe(clock.toISOString());
  });

  it('a failed request is retried on the next run, a requested one is never sent again', async () => {
    let up = false;
    const tickets = new FakeTickets((r) => (r.accountId === 'acc-b' && !up ? { id: r.id, outcome: 'failed', error: 'timeout' } : { id: r.id, outcome: 'requested', ref: `SEC-${r.accountId}` }));
    const requesters = new Map([['manual' as const, tickets]]);
    await requestRemovals(deps(), requesters);
    up = true;
    clock = new Date('2026-09-01T09:00:00.000Z');
    await requestRemovals(deps(), requesters);
    await requestRemovals(deps(), requesters);
    expect(Object.fromEntries(tickets.calls)).toEqual({ 'acc-a': 1, 'acc-b': 2, 'acc-c': 1 });
    expect(await states()).toEqual({ 'acc-a': ['requested', null], 'acc-b': ['requested', null], 'acc-c': ['requested', null] });
    expect((await events('remediation.requested')).map(([a]) => a).sort()).toEqual(['acc-a', 'acc-b', 'acc-c']);
    expect(await events('remediation.failed')).toEqual([['acc-b', 'timeout']]);
  });

  it('two overlapping runs (two replicas) ask for each removal once and record it once', async () => {
    const tickets = new FakeTickets((r) => ({ id: r.id, outcome: 'requested', ref: `SEC-${r.accountId}` }));
    const requesters = new Map([['manual' as const, tickets]]);
    await Promise.all([requestRemovals(deps(), requesters, { owner: 'replica-1' }), requestRemovals(deps(), requesters, { owner: 'replica-2' })]);
    expect(Object.fromEntries(tickets.calls)).toEqual({ 'acc-a': 1, 'acc-b': 1, 'acc-c': 1 });
    expect((await events('remediation.requested')).map(([a]) => a).sort()).toEqual(['acc-a', 'acc-b', 'acc-c']);
  });

  it('a removal not sent (skipped) is asked for again once the lease of the run that skipped it has run out', async () => {
    let reachable = false;
    const tickets = new FakeTickets((r) => (reachable ? { id: r.id, outcome: 'requested', ref: 'SEC-9' } : { id: r.id, outcome: 'skipped', why: 'owner has no Slack account' }));
    const requesters = new Map([['manual' as const, tickets]]);
    await requestRemovals(deps(), requesters);
    reachable = true;
    await requestRemovals(deps(), requesters); // within the lease: not asked again
    expect(tickets.calls.get('acc-a')).toBe(1);
    clock = new Date(clock.getTime() + REQUEST_LEASE_MS + 1);
    await requestRemovals(deps(), requesters);
    expect(tickets.calls.get('acc-a')).toBe(2);
    expect((await events('remediation.requested')).map(([a]) => a).sort()).toEqual(['acc-a', 'acc-b', 'acc-c']);
  });

  it('a mode without a requester sends nothing and says so; the removals stay on the list', async () => {
    const results = await requestRemovals(deps(), new Map());
    expect(results.find((r) => r.systemId === 'trading')).toMatchObject({ mode: 'manual', requested: 0, unavailable: 'Slack is not configured (no SLACK_BOT_TOKEN), so the system owner is not messaged' });
    expect(await events('remediation.requested')).toEqual([]);
  });
});
