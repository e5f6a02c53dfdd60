/**
 * Socket Mode end to end: the real Bolt app (app.slack.start) with an app-level token, its
 * Socket Mode client calling apps.connections.open on the fake Web API (SLACK_API_URL) and
 * connecting to the fake Socket Mode server. Envelopes carry the same payloads Slack posts over
 * HTTP; the app's acks come back over the socket.
 */
import { WebClient, retryPolicies } from '@slack/web-api';
import type { WebAPIPlatformError } from '@slack/web-api';
import type { SocketModeReceiver } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REVIEW_ACTION_IDS } from '../../src/slack/blocks/index.js';
import type { SlackRuntime } from '../../src/slack/slack-app.js';
import { FakeSocketMode } from '../fakes/fake-socket-mode.js';
import { blockActionsPayload, slashCommandBody } from '../fakes/slack-requests.js';
import type { Person } from './slack-harness.js';
import { PEOPLE, SlackHarness } from './slack-harness.js';

const APP_TOKEN = 'xapp-1-A0APP0001-1-socket-test';
/** Also the SDK's wait before a reconnect; long enough that a busy event loop does not miss pongs. */
const PING_TIMEOUT_MS = 1000;

/** The Socket Mode client inside the app's receiver (Bolt keeps the receiver private; read only). */
function socketClientOf(runtime: SlackRuntime): SocketModeReceiver['client'] {
  return (runtime.app as unknown as { receiver: SocketModeReceiver }).receiver.client;
}

describe('Slack Socket Mode', () => {
  let socket: FakeSocketMode;
  let h: SlackHarness;

  const startSocketApp = (appToken = APP_TOKEN): Promise<SlackRuntime> =>
    h.app.slack.start({ appToken, port: 0, retryConfig: retryPolicies.rapidRetryPolicy, socketPingTimeoutMs: PING_TIMEOUT_MS });

  beforeEach(async () => {
    socket = await FakeSocketMode.start();
    h = await SlackHarness.create({ appToken: APP_TOKEN, socketModeUrl: () => socket.newUrl() });
    h.slack = await startSocketApp();
    await h.openAndDeliver();
  });
  afterEach(async () => {
    await h.close();
    await socket.stop();
  });

  /** A click on an item's button, from the review message of `inMessageOf` (default: the item itself). */
  async function click(who: Person, actionId: string, itemId: string, inMessageOf = itemId): Promise<Record<string, unknown>> {
    const where = await h.messageOf(inMessageOf);
    return blockActionsPayload({ user: { id: PEOPLE[who] }, action: h.button(actionId, itemId), container: { type: 'message', channelId: where.channel, messageTs: where.ts } });
  }

  /** A slash command's form fields, as the JSON object Socket Mode carries. */
  function command(who: Person, text: string): Record<string, unknown> {
    return Object.fromEntries(new URLSearchParams(slashCommandBody({ user: { id: PEOPLE[who] }, command: '/access-review', text }).body));
  }

  it('connects with the app-level token through SLACK_API_URL and gets hello', async () => {
    expect(h.slack).toMatchObject({ mode: 'socket', port: null, teamId: h.fake.teamId });
    expect(h.fake.callsTo('apps.connections.open')).toMatchObject([{ ok: true, status: 200 }]);
    expect(socket.connections).toHaveLength(1);
    expect(socket.connections[0]!.sent[0]).toMatchObject({ type: 'hello', num_connections: 1 });
    expect(socket.refusedTickets).toBe(0);
  });

  it('the fake Web API gives apps.connections.open to the app-level token only, as Slack does', async () => {
    const platformError = (p: Promise<unknown>) => p.then(() => 'ok', (e: WebAPIPlatformError) => e.data?.error);
    const rapid = { slackApiUrl: h.fake.apiUrl, retryConfig: { retries: 0 } };
    expect(await platformError(new WebClient(h.fake.token, rapid).apps.connections.open())).toBe('not_allowed_token_type');
    expect(await platformError(new WebClient(APP_TOKEN, rapid).auth.test())).toBe('not_allowed_token_type');
    expect(await platformError(new WebClient('xapp-1-A0APP0001-1-wrong', rapid).apps.connections.open())).toBe('invalid_auth');
    // The app-level token is accepted in the Authorization header only.
    const inBody = await fetch(`${h.fake.apiUrl}apps.connections.open`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${APP_TOKEN}` });
    expect(await inBody.json()).toEqual({ ok: false, error: 'invalid_auth' });
    expect((await new WebClient(APP_TOKEN, rapid).apps.connections.open()).url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/);
  });

  it('a wrong app-level token fails start instead of retrying', async () => {
    await expect(startSocketApp('xapp-1-A0APP0001-1-wrong')).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
    expect(socket.connections).toHaveLength(1);
  });

  it('an approve click arrives as an interactive envelope: acked, decision recorded and ledgered', async () => {
    const item = await h.item('alice-acc'); // no findings, assigned to boss
    const ack = await socket.exchange('interactive', await click('boss', REVIEW_ACTION_IDS.approve, item.id));
    expect(ack.payload).toEqual({});
    expect(ack.latencyMs).toBeLessThan(3000);
    await h.settled();
    expect(await h.item('alice-acc')).toMatchObject({ state: 'approved' });
    expect(await h.app.store.campaigns.decision(item.id)).toMatchObject({ reviewerId: 'boss', outcome: 'approve' });
    expect(await h.ledger('decision.recorded')).toMatchObject([{ actor: 'boss@example.com', subject: item.id }]);
    // The review message is updated to show the decision.
    expect(h.fake.callsTo('chat.update')).toHaveLength(1);
  });

  it('/access-review help and status are answered in the ack payload', async () => {
    const help = await socket.exchange('slash_commands', command('boss', 'help'));
    expect(help.payload).toEqual({ text: expect.stringMatching(/status \[campaign\]|`status`/) });
    const status = await socket.exchange('slash_commands', command('boss', 'status'));
    expect(status.payload?.text).toMatch(/Half-yearly review 2026-H2\* \(`semiannual:2026-H2`\), due 2026-12-08: 3 items pending for you/);
  });

  it('a click by someone who is not the assigned reviewer is refused with an ephemeral and ledgered', async () => {
    const item = await h.item('bob-acc'); // assigned to boss
    const bossAcc = await h.item('boss-acc'); // assigned to bigboss: bigboss clicks in his own review message
    const ack = await socket.exchange('interactive', await click('bigboss', REVIEW_ACTION_IDS.approve, item.id, bossAcc.id));
    expect(ack.payload).toEqual({});
    await h.settled();
    expect(h.ephemeralsFor('bigboss')).toEqual([expect.stringMatching(/not the assigned reviewer/)]);
    expect(await h.app.store.campaigns.decision(item.id)).toBeNull();
    expect(await h.ledger('access.refused')).toMatchObject([{ actor: 'bigboss@example.com', subject: item.id, data: { slackId: PEOPLE.bigboss } }]);
  });

  it('after Slack asks for a refresh, the client reconnects with a fresh URL and the next envelope is handled', async () => {
    socket.requestRefresh();
    expect(await socket.closed(1)).toEqual({ code: 1000, reason: '' });
    const second = await socket.connected(2);
    expect(second.sent[0]).toMatchObject({ type: 'hello' });
    expect(h.fake.callsTo('apps.connections.open').filter((c) => c.ok)).toHaveLength(2);
    expect(socket.refusedTickets).toBe(0);

    const item = await h.item('bob-acc');
    const ack = await socket.exchange('interactive', await click('boss', REVIEW_ACTION_IDS.approve, item.id));
    expect(ack.connection).toBe(2);
    await h.settled();
    expect(await h.app.store.campaigns.decision(item.id)).not.toBeNull();
    expect(await h.ledger('decision.recorded')).toMatchObject([{ subject: item.id }]);
  });

  it('stop() closes the socket and does not reconnect', async () => {
    // The SDK's client, on a close, either schedules a reconnect (state `reconnecting` when it
    // starts) or, once disconnect() was called, emits `disconnected` and never reconnects.
    const client = socketClientOf(h.slack!);
    const states: string[] = [];
    const disconnected = new Promise<void>((resolve) => client.once('disconnected', () => resolve()));
    for (const state of ['reconnecting', 'disconnected']) client.on(state, () => states.push(state));
    await h.slack!.stop();
    h.slack = null;
    await disconnected;
    expect(await socket.closed(1)).toEqual({ code: 1000, reason: '' });
    expect(socket.openCount).toBe(0);
    expect(states).toEqual(['disconnected']);
    expect(h.fake.callsTo('apps.connections.open')).toHaveLength(1);
    expect(socket.connections).toHaveLength(1);
    expect(socket.unexpected).toEqual([]);
  });
});
