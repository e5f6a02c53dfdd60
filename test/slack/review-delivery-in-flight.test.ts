/**
 * A campaign's delivery keeps few review messages in flight at once (DELIVERY_CONCURRENCY): the
 * pacer stamps each call when its answer is handled, so answers queued behind a large burst on
 * the bot's one thread would shift every later rate window by the queue's length. Counted at the
 * pacer (a subclass seeing each chat.postMessage between its turn and its answer), against the
 * fake Slack over HTTP, with more reviewers than the bound.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AuditLog } from '../../src/audit/audit-log.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { Grant, Identity } from '../../src/domain/index.js';
import { openCampaign } from '../../src/reviews/open-campaign.js';
import type { ReviewDeps } from '../../src/reviews/review-deps.js';
import { DELIVERY_CONCURRENCY } from '../../src/slack/review-delivery.js';
import { createSlackReviewServices } from '../../src/slack/review-services.js';
import { SlackRatePacer } from '../../src/slack/slack-rate-limits.js';
import { slackServiceDeps } from '../../src/slack/slack-services.js';
import type { Store } from '../../src/store/ports.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { FakeSlack } from '../fakes/fake-slack.js';
import { grant, identity, seedGrants, seedIdentities } from '../helpers/seed-state.js';
import { MINIMAL_FIRM, tempConfigDir } from '../helpers/temp-config.js';

const MANAGERS = 3 * DELIVERY_CONCURRENCY;

/** The pacer, counting the chat.postMessage calls it holds at once (waiting for their turn or for their answer). */
class CountingPacer extends SlackRatePacer {
  active = 0;
  maxActive = 0;

  override async run<T>(method: string, channel: string | null, call: () => Promise<T>): Promise<T> {
    if (method !== 'chat.postMessage') return super.run(method, channel, call);
    this.active += 1;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      return await super.run(method, channel, call);
    } finally {
      this.active -= 1;
    }
  }
}

let fake: FakeSlack | null = null;
let store: Store | null = null;
afterEach(async () => {
  await fake?.stop();
  await store?.close();
  fake = store = null;
});

describe('review delivery in flight', () => {
  it(`holds at most ${DELIVERY_CONCURRENCY} review messages in flight, and sends every page`, async () => {
    const people: Identity[] = [];
    const grants: Grant[] = [];
    for (let m = 0; m < MANAGERS; m++) {
      people.push(identity(`m${m}`, { department: 'Management' }));
      people.push(identity(`r${m}`, { managerId: `m${m}`, department: 'Trading' }));
      grants.push(grant('trading', `r${m}-acc`, 'TRADER', `r${m}`));
    }
    const users = Array.from({ length: MANAGERS }, (_, m) => ({ id: `U0MGR${String(m).padStart(4, '0')}`, name: `m${m}`, realName: `Manager ${m}`, email: `m${m}@example.com` }));
    fake = await FakeSlack.start({ users });
    store = openSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'iam-in-flight-')), 'f.db') });
    await seedIdentities(store, 'hr', people);
    await seedGrants(store, 'trading', grants);
    const now = () => new Date('2026-11-24T09:00:00Z');
    const config = loadConfig(tempConfigDir(MINIMAL_FIRM), () => z.strictObject({ path: z.string() }));
    const deps: ReviewDeps = { store, audit: new AuditLog(store.ledger, now), now, config, timeZone: 'UTC' };
    const opened = await openCampaign(deps, 'semiannual', { actor: 'scheduler' });
    const pacer = new CountingPacer();
    const noop = () => {};
    const client = new WebClient(fake.token, { slackApiUrl: fake.apiUrl, logger: { debug: noop, info: noop, warn: noop, error: noop, setLevel: noop, getLevel: () => 'error' as never, setName: noop } });
    const services = createSlackReviewServices(slackServiceDeps({ client, review: () => deps, log: pino({ level: 'silent' }), pacer }));

    const report = await services.delivery.deliverCampaign(opened.campaign.id);

    expect(report).toMatchObject({ reviewers: MANAGERS, pages: MANAGERS, sent: MANAGERS, failed: [] });
    expect(fake.callsTo('chat.postMessage').filter((c) => c.ok)).toHaveLength(MANAGERS);
    expect(pacer.maxActive).toBe(DELIVERY_CONCURRENCY);
  });
});
