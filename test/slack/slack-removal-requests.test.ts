/**
 * The `manual` remediation mode over Slack, with only Slack's far side faked (real Bolt HTTP
 * receiver with real signatures, real WebClient, real SQLite): the trading system's owner
 * (head-of-trading@example.com, connectors/trading.yaml) gets one DM for the removals due, each
 * with "Mark removed"; a claim through that button is attributed, ledgered and shown in place
 * (never a verification); anyone else is refused and ledgered; the App Home lists the owner's
 * open removals; overdue removals escalate once a day to the owner and the escalation channel.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openApp } from '../../src/app.js';
import { loadEnv } from '../../src/config/env.js';
import type { Remediation } from '../../src/domain/index.js';
import { decideItem } from '../../src/reviews/decide-item.js';
import { openCampaign } from '../../src/reviews/open-campaign.js';
import { REMEDIATION_ACTION_IDS } from '../../src/slack/blocks/index.js';
import { SlackRemovalRequester } from '../../src/slack/slack-removal-requester.js';
import { appHomeOpenedEvent, blockActionsPayload, eventCallbackBody, interactivityBody } from '../fakes/slack-requests.js';
import type { Person } from './slack-harness.js';
import { MINIMAL_FIRM, tempConfigDir } from '../helpers/temp-config.js';
import { PEOPLE, SlackHarness } from './slack-harness.js';

const REVOKED = ['alice-acc', 'bob-acc', 'bob-trader'];
const DAY = 86_400_000;

describe('removal requests to system owners over Slack (manual mode)', () => {
  let h: SlackHarness;

  /** boss revokes three trading grants (CLI); the remediations open. */
  async function revokeThree(): Promise<Remediation[]> {
    await openCampaign(h.deps(), 'semiannual', { actor: 'sec@example.com' });
    const boss = { id: 'boss', email: 'boss@example.com', slackId: null, label: 'boss@example.com' };
    for (const account of REVOKED) await decideItem(h.deps(), { itemId: (await h.item(account)).id, outcome: 'revoke', actor: boss, channel: 'cli', justification: 'No longer on the trading desk.' });
    await h.app.remediation.open('test');
    return h.app.remediation.list({ systemId: 'trading' });
  }

  const trading = async () => (await h.app.remediation.requestRemovals({ systemId: 'trading', actor: 'test' }))[0]!;
  const ownerDm = () => h.fake.messagesIn(PEOPLE.head);
  const buttonsIn = (blocks: unknown) => (JSON.stringify(blocks).match(new RegExp(`"action_id":"${REMEDIATION_ACTION_IDS.markRemoved}"`, 'g')) ?? []).length;
  const states = async () => (await h.app.remediation.list({ systemId: 'trading' })).map((r) => r.state);

  async function clickMarkRemoved(who: Person, remediationId: string, where: { channel: string; ts: string } | 'home') {
    const payload = blockActionsPayload({
      user: { id: PEOPLE[who] },
      action: { type: 'button', actionId: REMEDIATION_ACTION_IDS.markRemoved, blockId: `rem:${remediationId}`, value: remediationId },
      container: where === 'home' ? { type: 'view', viewId: 'V0HOME0001' } : { type: 'message', channelId: where.channel, messageTs: where.ts },
    });
    const res = await h.post(interactivityBody(payload));
    await h.settled();
    return res;
  }

  beforeEach(async () => {
    h = await SlackHarness.create();
    await h.startSlack();
  });
  afterEach(() => h.close());

  it('the owner gets one DM for the three removals, each with its due time and button; a second run sends nothing more', async () => {
    const removals = await revokeThree();
    expect(removals).toHaveLength(3);
    const first = await trading();
    expect(first).toMatchObject({ mode: 'manual', requested: 3, failed: 0, skipped: 0, unavailable: null });

    const dms = ownerDm();
    expect(dms).toHaveLength(1);
    const [dm] = dms;
    expect(buttonsIn(dm!.blocks)).toBe(3);
    const text = JSON.stringify(dm!.blocks);
    for (const account of REVOKED) expect(text).toContain(`*${account}*`);
    // The due time (decision + 24 h: trading is critical) as a Slack date token with its fallback.
    expect(text).toContain(`<!date^${Date.parse(removals[0]!.dueAt) / 1000}^`);
    expect(text).toContain('Due ');
    expect(await states()).toEqual(['requested', 'requested', 'requested']);
    const requested = await h.ledger('remediation.requested');
    expect(requested.map((e) => e.data.ref)).toEqual(Array(3).fill(`${dm!.channel}/${dm!.ts}`));
    expect(requested.every((e) => e.data.mode === 'manual' && e.data.owner === 'head-of-trading@example.com')).toBe(true);
    expect((await h.ledger('message.sent')).map((e) => e.data.remediationId).sort()).toEqual(removals.map((r) => r.id).sort());

    const second = await trading();
    expect(second).toMatchObject({ requested: 0, failed: 0, skipped: 0 });
    expect(ownerDm()).toHaveLength(1);
    expect(await h.ledger('remediation.requested')).toHaveLength(3);
  });

  it('a repeated request for removals already sent (a crash before they were recorded) sends nothing and answers with the DM sent', async () => {
    const removals = await revokeThree();
    const system = h.app.loadConfig().systems.find((s) => s.id === 'trading')!;
    const requester = h.slack!.services.removals;
    const ctx = { now: () => h.clock };
    const once = await requester.request(system, removals, ctx);
    const again = await requester.request(system, removals, ctx);
    expect(ownerDm()).toHaveLength(1);
    const ref = `${ownerDm()[0]!.channel}/${ownerDm()[0]!.ts}`;
    expect(once.map((o) => [o.outcome, o.outcome === 'requested' ? o.ref : null])).toEqual(Array(3).fill(['requested', ref]));
    expect(again.map((o) => [o.outcome, o.outcome === 'requested' ? o.ref : null])).toEqual(Array(3).fill(['requested', ref]));
    expect(await h.ledger('message.sent')).toHaveLength(3);
  });

  it('two runs at once (two replicas) send one DM and record each request once', async () => {
    await revokeThree();
    await Promise.all([trading(), trading()]);
    expect(ownerDm()).toHaveLength(1);
    expect(await h.ledger('remediation.requested')).toHaveLength(3);
    expect(await h.ledger('message.sent')).toHaveLength(3);
  });

  it('a run whose read of the deliveries is older than another run’s claim is stopped by the claim: no second DM', async () => {
    const removals = await revokeThree();
    const system = h.app.loadConfig().systems.find((s) => s.id === 'trading')!;
    const ctx = { now: () => h.clock };
    await h.slack!.services.removals.request(system, removals, ctx);
    // The other replica read the deliveries before this one claimed them: its read shows none.
    const store = h.app.store;
    const staleDeliveries = Object.create(store.deliveries, { list: { value: async () => [] } }) as typeof store.deliveries;
    const staleStore = Object.create(store, { deliveries: { value: staleDeliveries } }) as typeof store;
    const services = h.slack!.services.deps;
    const replica = new SlackRemovalRequester({ ...services, review: () => ({ ...services.review(), store: staleStore }) });
    const outcomes = await replica.request(system, removals, ctx);
    expect(outcomes.map((o) => o.outcome)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(ownerDm()).toHaveLength(1);
    expect(await h.ledger('message.sent')).toHaveLength(3);
  });

  it('an owner without a Slack account: skipped and said so; the removals stay open on the list, and nothing is claimed', async () => {
    h.fake.users.delete(PEOPLE.head);
    await revokeThree();
    const r = await trading();
    expect(r).toMatchObject({ requested: 0, failed: 0, skipped: 3 });
    expect(r.notSent).toEqual([expect.stringMatching(/owner of trading \(head-of-trading@example\.com\) has no active Slack account.*remediation list/)]);
    expect(await states()).toEqual(['open', 'open', 'open']);
    expect(h.fake.callsTo('chat.postMessage')).toHaveLength(0);
    expect(await h.ledger('remediation.requested')).toHaveLength(0);
    expect(await h.app.store.deliveries.list({ campaignId: 'remediation:trading' })).toEqual([]);
  });

  it('Slack refusing the DM: failed with the reason, ledgered; the next run retries and sends one DM', async () => {
    await revokeThree();
    h.fake.failNext('chat.postMessage', 1, { type: 'error', error: 'channel_not_found' });
    expect(await trading()).toMatchObject({ requested: 0, failed: 3 });
    const failed = await h.app.remediation.list({ systemId: 'trading' });
    expect(failed.map((x) => [x.state, x.failure])).toEqual(Array(3).fill(['failed', expect.stringMatching(/Slack refused .*channel_not_found/)]));
    expect(await h.ledger('message.failed')).toHaveLength(3);
    expect(await trading()).toMatchObject({ requested: 3, failed: 0 });
    expect(ownerDm()).toHaveLength(1);
  });

  it('"Mark removed" by the owner claims it (ledgered), the message shows it claimed, not verified', async () => {
    const [target] = await revokeThree();
    await trading();
    const dm = ownerDm()[0]!;
    const res = await clickMarkRemoved('head', target!.id, { channel: dm.channel, ts: dm.ts });
    expect(res.status).toBe(200);

    expect(await h.app.remediation.get(target!.id)).toMatchObject({ state: 'claimed', claimedBy: 'head-of-trading@example.com', verifiedAt: null });
    expect(await h.ledger('remediation.claimed')).toMatchObject([{ actor: 'head-of-trading@example.com', subject: target!.id }]);
    // Updated in place: that removal shows who marked it and that a sync verifies it; the other two keep their buttons.
    expect(dm.updates).toBe(1);
    expect(buttonsIn(dm.blocks)).toBe(2);
    const claimedBlock = JSON.stringify((dm.blocks as Array<{ block_id?: string }>).find((b) => b.block_id === `rem:${target!.id}`));
    expect(claimedBlock).toMatch(/Marked removed by head-of-trading@example\.com.*verified when a sync no longer shows it/);
    expect(claimedBlock).not.toContain(REMEDIATION_ACTION_IDS.markRemoved);
    expect(await h.ledger('message.updated')).toMatchObject([{ data: { remediationId: target!.id, state: 'claimed', channel: dm.channel, ts: dm.ts } }]);
    expect(h.ephemeralsFor('head')).toEqual([expect.stringMatching(/verified when a sync no longer shows it/)]);
  });

  it('"Mark removed" by someone else is refused and ledgered; nothing changes', async () => {
    const [target] = await revokeThree();
    await trading();
    const dm = ownerDm()[0]!;
    await clickMarkRemoved('alice', target!.id, { channel: dm.channel, ts: dm.ts });

    expect(await h.app.remediation.get(target!.id)).toMatchObject({ state: 'requested', claimedBy: null });
    expect(await h.ledger('access.refused')).toMatchObject([{ actor: 'alice@example.com', subject: target!.id, data: { action: 'remediation:claim', code: 'not_owner' } }]);
    expect(await h.ledger('remediation.claimed')).toHaveLength(0);
    expect(dm.updates).toBe(0);
    expect(h.answersTo('alice')).toEqual([expect.stringMatching(/may not claim the removal of trading access/)]);
  });

  it('a forged "Mark removed" (wrong signature) gets 401 and changes nothing', async () => {
    const [target] = await revokeThree();
    await trading();
    const dm = ownerDm()[0]!;
    const payload = blockActionsPayload({
      user: { id: PEOPLE.head },
      action: { type: 'button', actionId: REMEDIATION_ACTION_IDS.markRemoved, blockId: `rem:${target!.id}`, value: target!.id },
      container: { type: 'message', channelId: dm.channel, messageTs: dm.ts },
    });
    const res = await h.post(interactivityBody(payload), { signingSecret: 'not-the-secret' });
    await h.settled();
    expect(res.status).toBe(401);
    expect((await h.app.remediation.get(target!.id))!.state).toBe('requested');
    expect(await h.ledger('remediation.claimed')).toHaveLength(0);
  });

  it('the App Home lists the owner’s open removals with due times and the button; a claim from there re-publishes it', async () => {
    const removals = await revokeThree();
    await h.post(eventCallbackBody({ event: appHomeOpenedEvent(PEOPLE.head) }));
    await h.settled();
    const home = JSON.stringify(h.fake.homeOf(PEOPLE.head)!.view.blocks);
    expect(home).toContain('Access to remove (systems you own)');
    for (const account of REVOKED) expect(home).toContain(`*${account}*`);
    expect(home).toContain(`<!date^${Date.parse(removals[0]!.dueAt) / 1000}^`);
    expect(buttonsIn(h.fake.homeOf(PEOPLE.head)!.view.blocks)).toBe(3);

    await clickMarkRemoved('head', removals[0]!.id, 'home');
    expect((await h.app.remediation.get(removals[0]!.id))!.state).toBe('claimed');
    const after = h.fake.homeOf(PEOPLE.head)!;
    expect(buttonsIn(after.view.blocks)).toBe(2);
    expect(JSON.stringify(after.view.blocks)).toMatch(/Marked removed by head-of-trading@example\.com/);

    // Not an owner: no removals part.
    await h.post(eventCallbackBody({ event: appHomeOpenedEvent(PEOPLE.alice) }));
    await h.settled();
    expect(JSON.stringify(h.fake.homeOf(PEOPLE.alice)!.view.blocks)).not.toContain('Access to remove');
  });

  it('overdue removals escalate once a day to the owner and the escalation channel', async () => {
    const removals = await revokeThree();
    await trading();
    const services = h.slack!.services;
    // Past the due time (24 h for a critical system).
    h.clock = new Date(Date.parse(removals[0]!.dueAt) + 60_000);
    expect(await h.app.remediation.markOverdue()).toEqual({ overdue: 3 });
    const first = await services.removalEscalations.run();
    expect(first).toMatchObject({ systems: 1, overdue: 3, ownerEscalations: 1, channelEscalations: 1, failed: [] });
    await services.removalEscalations.run();
    h.clock = new Date(h.clock.getTime() + 3_600_000);
    await services.removalEscalations.run();

    const sent = await h.ledger('escalation.sent');
    expect(sent.map((e) => [e.data.audience, e.data.to])).toEqual([
      ['owner', 'head-of-trading@example.com'],
      ['channel', '#access-reviews'],
    ]);
    expect(sent.every((e) => (e.data.remediations as string[]).length === 3)).toBe(true);
    const toOwner = ownerDm().filter((m) => /Overdue access removals/.test(m.text ?? ''));
    expect(toOwner).toHaveLength(1);
    expect(h.fake.messagesIn('C0ACCESS01').filter((m) => /Overdue access removals/.test(m.text ?? ''))).toHaveLength(1);
    expect(JSON.stringify(h.fake.messagesIn('C0ACCESS01')[0]!.blocks)).toContain(`<@${PEOPLE.head}>`);

    // The next day: once more each.
    h.clock = new Date(h.clock.getTime() + DAY);
    await services.removalEscalations.run();
    await services.removalEscalations.run();
    expect(await h.ledger('escalation.sent')).toHaveLength(4);
  });

  it('serve: the request job asks the owner after decisions, the daily job marks overdue and escalates', async () => {
    await h.withServer(async (server) => {
      await openCampaign(h.deps(), 'semiannual', { actor: 'sec@example.com' });
      const boss = { id: 'boss', email: 'boss@example.com', slackId: null, label: 'boss@example.com' };
      for (const account of REVOKED) await decideItem(h.deps(), { itemId: (await h.item(account)).id, outcome: 'revoke', actor: boss, channel: 'cli', justification: 'No longer on the trading desk.' });
      const job = (name: string) => server.jobs.find((j) => j.name === name)!;
      // The request job opens the remediations of the revokes and sends the batched DM.
      await job('remediation:request').run(h.clock);
      await job('remediation:request').run(h.clock);
      expect(ownerDm()).toHaveLength(1);
      expect(await states()).toEqual(['requested', 'requested', 'requested']);

      h.clock = new Date(h.clock.getTime() + 2 * DAY);
      await job('remediation:overdue').run(h.clock);
      await job('remediation:overdue').run(h.clock);
      expect(await states()).toEqual(['overdue', 'overdue', 'overdue']);
      expect((await h.ledger('escalation.sent')).map((e) => e.data.audience)).toEqual(['owner', 'channel']);
    });
  });
});

describe('without Slack (no bot token)', () => {
  it('no manual requester is registered: the removals are not sent and stay on the list, as requestRemovals says', async () => {
    const app = await openApp(loadEnv({ IAM_REVIEW_CONFIG_DIR: tempConfigDir(MINIMAL_FIRM), IAM_REVIEW_DATA_DIR: mkdtempSync(join(tmpdir(), 'iam-noslack-')), LOG_LEVEL: 'silent' }), { log: pino({ level: 'silent' }) });
    try {
      const results = await app.remediation.requestRemovals({ systemId: 'trading' });
      expect(results).toMatchObject([{ systemId: 'trading', mode: 'manual', unavailable: 'Slack is not configured (no SLACK_BOT_TOKEN), so the system owner is not messaged' }]);
    } finally {
      await app.close();
    }
  });
});
