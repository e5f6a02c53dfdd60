import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { BlockAction, ButtonAction, Logger, SlashCommand, ViewSubmitAction } from '@slack/bolt';
import { App, LogLevel, verifySlackRequest } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSlack } from './fake-slack.js';
import {
  blockActionsPayload,
  interactivityBody,
  postToSlackApp,
  signSlackRequest,
  slashCommandBody,
  textInputValue,
  triggerIdFor,
  viewSubmissionPayload,
} from './slack-requests.js';

const SECRET = 'test-signing-secret';
const alice = { id: 'U00000001', name: 'alice', realName: 'Alice Example', email: 'alice@firm.example' };
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };

describe('signSlackRequest', () => {
  it('produces the v0 signature Bolt verifies, and one it rejects for another secret or body', () => {
    const body = 'payload=%7B%7D';
    const ts = Math.floor(Date.now() / 1000);
    const headers = signSlackRequest(SECRET, body, ts);
    expect(headers['X-Slack-Signature']).toMatch(/^v0=[0-9a-f]{64}$/);
    const verify = (secret: string, b: string) =>
      verifySlackRequest({ signingSecret: secret, body: b, headers: { 'x-slack-signature': headers['X-Slack-Signature'], 'x-slack-request-timestamp': ts } });
    expect(() => verify(SECRET, body)).not.toThrow();
    expect(() => verify('other-secret', body)).toThrow(/signature mismatch/);
    expect(() => verify(SECRET, body + 'x')).toThrow(/signature mismatch/);
  });
});

describe('requests to the real Bolt HTTP receiver', () => {
  let fake: FakeSlack;
  let app: App;
  let server: Server;
  let url: string;
  const seen: Record<string, unknown> = {};

  beforeEach(async () => {
    fake = await FakeSlack.start({ users: [alice] });
    app = new App({ token: fake.token, signingSecret: SECRET, logger: silent, clientOptions: { slackApiUrl: fake.apiUrl } });
    app.action<BlockAction<ButtonAction>>('review_approve', async ({ ack, body, action, client }) => {
      await ack();
      seen.click = { user: body.user.id, team: body.team?.id, value: action.value, blockId: action.block_id, channel: body.container.channel_id, trigger: body.trigger_id };
      await client.chat.postEphemeral({ channel: body.container.channel_id as string, user: body.user.id, text: `got ${action.value}` });
    });
    app.view<ViewSubmitAction>('review_justification', async ({ ack, view, body }) => {
      seen.submission = { user: body.user.id, metadata: view.private_metadata, value: view.state.values.justification?.justification_input?.value };
      await ack({ response_action: 'errors', errors: { justification: 'Please write at least 20 characters.' } });
    });
    app.command('/access-review', async ({ ack, command }: { ack: (r: string) => Promise<void>; command: SlashCommand }) => {
      await ack(`status for ${command.user_id}: ${command.text}`);
    });
    server = (await app.start(0)) as Server;
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });

  afterEach(async () => {
    await app.stop();
    await fake.stop();
  });

  it('delivers a signed block_actions click with the fields Slack sends', async () => {
    const dm = (await app.client.conversations.open({ users: alice.id })).channel!.id!;
    const triggerId = triggerIdFor(alice.id);
    const payload = blockActionsPayload({
      user: { id: alice.id },
      triggerId,
      action: { type: 'button', actionId: 'review_approve', blockId: 'act:item-1', value: 'item-1', text: 'Approve', style: 'primary' },
      container: { type: 'message', channelId: dm, messageTs: '1700000000.000100' },
    });
    const res = await postToSlackApp(url, interactivityBody(payload), { signingSecret: SECRET });
    expect(res.status).toBe(200);
    expect(seen.click).toEqual({ user: alice.id, team: 'T0FAKE001', value: 'item-1', blockId: 'act:item-1', channel: dm, trigger: triggerId });
    await expect.poll(() => fake.ephemerals.length).toBe(1);
    expect(fake.ephemerals[0]).toMatchObject({ channel: dm, user: alice.id, text: 'got item-1' });
  });

  it('answers a view_submission with response_action errors', async () => {
    const payload = viewSubmissionPayload({
      user: { id: alice.id },
      callbackId: 'review_justification',
      privateMetadata: '{"i":"item-1"}',
      values: { justification: { justification_input: textInputValue('{"$gt":""}') } },
    });
    const res = await postToSlackApp(url, interactivityBody(payload), { signingSecret: SECRET });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ response_action: 'errors', errors: { justification: 'Please write at least 20 characters.' } });
    expect(seen.submission).toEqual({ user: alice.id, metadata: '{"i":"item-1"}', value: '{"$gt":""}' });
  });

  it('delivers a slash command as form fields', async () => {
    const res = await postToSlackApp(url, slashCommandBody({ user: { id: alice.id }, command: '/access-review', text: 'status q4' }), { signingSecret: SECRET });
    expect(res.status).toBe(200);
    expect(res.text).toBe(`status for ${alice.id}: status q4`);
  });

  it('is refused with 401 when the signature is wrong, stale or missing', async () => {
    const body = slashCommandBody({ user: { id: alice.id }, command: '/access-review', text: 'help' });
    expect((await postToSlackApp(url, body, { signingSecret: 'wrong' })).status).toBe(401);
    expect((await postToSlackApp(url, body, { signingSecret: SECRET, timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })).status).toBe(401);
    expect((await postToSlackApp(url, body, { signingSecret: SECRET, headers: { 'x-slack-signature': null } })).status).toBe(401);
  });
});
