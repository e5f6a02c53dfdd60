import type { Logger } from '@slack/web-api';
import { LogLevel, WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { SLACK_BLOCK_KIT_LIMITS as BLOCK_KIT_LIMITS } from './slack-block-kit-limits.js';
import type { FakeSlackOptions, FakeSlackUser } from './fake-slack.js';
import { FakeSlack } from './fake-slack.js';

const people: FakeSlackUser[] = Array.from({ length: 13 }, (_, i) => ({
  id: `U${String(i + 1).padStart(8, '0')}`,
  name: `person${i + 1}`,
  realName: `Person ${i + 1}`,
  email: `person${i + 1}@firm.example`,
}));
const alice = people[0]!;
const bob = people[1]!;

let fake: FakeSlack | null = null;

async function start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  fake = await FakeSlack.start({ users: people, channels: [{ id: 'C0REVIEWS', name: 'access-reviews' }], ...options });
  return fake;
}

/** WebClient logs Slack's `[ERROR]` response messages itself; the tests assert them instead. */
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };

function clientFor(f: FakeSlack, token: string = f.token): WebClient {
  return new WebClient(token, {
    slackApiUrl: f.apiUrl,
    retryConfig: { retries: 5, factor: 1, minTimeout: 5, maxTimeout: 5 },
    rejectRateLimitedCalls: false,
    logger: silent,
  });
}

function section(text: string): { type: 'section'; text: { type: 'mrkdwn'; text: string } } {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

/** The Slack error code of a rejected WebClient call. */
async function slackError(call: Promise<unknown>): Promise<{ error: string; data: Record<string, unknown> }> {
  try {
    await call;
  } catch (e) {
    const data = (e as { data?: Record<string, unknown> }).data ?? {};
    return { error: String(data.error), data };
  }
  throw new Error('expected the call to fail');
}

afterEach(async () => {
  await fake?.stop();
  fake = null;
});

describe('fake Slack Web API with the real WebClient', () => {
  it('posting to a user id opens the bot DM and answers its id and increasing ts', async () => {
    const f = await start();
    const client = clientFor(f);
    const first = await client.chat.postMessage({ channel: alice.id, text: 'hello', blocks: [section('*hello*')] });
    const second = await client.chat.postMessage({ channel: alice.id, text: 'again' });
    expect(first.channel).toMatch(/^D/);
    expect(second.channel).toBe(first.channel);
    expect(first.ts).toBe('1700000000.000100');
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
    expect(f.dmChannelOf(alice.id)).toBe(first.channel);
    expect(f.messagesIn(alice.id).map((m) => m.text)).toEqual(['hello', 'again']);
    expect(f.latestMessage(first.channel!)?.ts).toBe(second.ts);
    // Form-encoded by WebClient; the blocks field arrives JSON-encoded and is parsed back.
    expect(f.callsTo('chat.postMessage')[0]?.args.blocks).toEqual([section('*hello*')]);
    expect((await client.conversations.open({ users: alice.id })).channel?.id).toBe(first.channel);
  });

  it('refuses to DM unknown users and the bot itself', async () => {
    const f = await start();
    const client = clientFor(f);
    expect((await slackError(client.chat.postMessage({ channel: 'U99999999', text: 'x' }))).error).toBe('channel_not_found');
    expect((await slackError(client.chat.postMessage({ channel: f.botUserId, text: 'x' }))).error).toBe('cannot_dm_bot');
    expect((await slackError(client.apiCall('chat.postMessage', { channel: alice.id }))).error).toBe('no_text');
  });

  it('accepts blocks without text (the missing-text warning is the client\'s, not an error)', async () => {
    const f = await start();
    const res = await clientFor(f).chat.postMessage({ channel: alice.id, blocks: [section('only blocks')] });
    expect(res.ok).toBe(true);
    expect(f.latestMessage(alice.id)?.text).toBeNull();
  });

  it('updates a message in place, and answers message_not_found / channel_not_found otherwise', async () => {
    const f = await start();
    const client = clientFor(f);
    const posted = await client.chat.postMessage({ channel: alice.id, text: 'v1' });
    const updated = await client.chat.update({ channel: posted.channel!, ts: posted.ts!, text: 'v2', blocks: [section('v2')] });
    expect(updated.ts).toBe(posted.ts);
    const message = f.latestMessage(alice.id)!;
    expect(message).toMatchObject({ text: 'v2', updates: 1, history: [{ text: 'v1', blocks: [] }] });
    expect((await slackError(client.chat.update({ channel: posted.channel!, ts: '1700000099.000100', text: 'x' }))).error).toBe('message_not_found');
    // chat.update needs the conversation id, not the user id the message was posted to.
    expect((await slackError(client.chat.update({ channel: alice.id, ts: posted.ts!, text: 'x' }))).error).toBe('channel_not_found');
  });

  it('pages users.list with cursors, including Slackbot and the bot user like Slack', async () => {
    const f = await start();
    const client = clientFor(f);
    const ids: string[] = [];
    let pages = 0;
    for await (const page of client.paginate('users.list', { limit: 5 })) {
      pages += 1;
      ids.push(...((page as { members?: Array<{ id: string }> }).members ?? []).map((m) => m.id));
    }
    expect(pages).toBe(3);
    expect(ids).toHaveLength(15);
    expect(new Set(ids).size).toBe(15);
    expect(ids).toContain('USLACKBOT');
    expect(ids).toContain(f.botUserId);
    const calls = f.callsTo('users.list');
    expect(calls.map((c) => c.args.limit)).toEqual(['5', '5', '5']);
    expect(calls[0]?.args.cursor).toBeUndefined();
    expect(typeof calls[1]?.args.cursor).toBe('string');
    const member = (await client.users.list({ limit: 1000 })).members?.find((m) => m.id === alice.id);
    expect(member?.profile?.email).toBe(alice.email);
    expect((await slackError(client.users.list({ cursor: 'bm90LWEtY3Vyc29y' }))).error).toBe('invalid_cursor');
  });

  it('looks users up by email (case-insensitive) and answers users_not_found for a miss', async () => {
    const f = await start();
    const client = clientFor(f);
    const hit = await client.users.lookupByEmail({ email: 'Person2@Firm.Example' });
    expect(hit.user?.id).toBe(bob.id);
    expect((await slackError(client.users.lookupByEmail({ email: 'nobody@firm.example' }))).error).toBe('users_not_found');
    expect((await client.users.info({ user: alice.id })).user?.real_name).toBe('Person 1');
    expect((await slackError(client.users.info({ user: 'U00000404' }))).error).toBe('user_not_found');
  });

  it('enforces 50 blocks per message with Slack\'s invalid_blocks error', async () => {
    const f = await start();
    const client = clientFor(f);
    const blocks = (n: number) => Array.from({ length: n }, (_, i) => section(`block ${i}`));
    await expect(client.chat.postMessage({ channel: alice.id, text: 't', blocks: blocks(BLOCK_KIT_LIMITS.messageBlocks) })).resolves.toMatchObject({ ok: true });
    const rejected = await slackError(client.chat.postMessage({ channel: alice.id, text: 't', blocks: blocks(BLOCK_KIT_LIMITS.messageBlocks + 1) }));
    expect(rejected.error).toBe('invalid_blocks');
    expect(rejected.data.errors).toEqual(['no more than 50 items allowed [json-pointer:/blocks]']);
    expect(f.messagesIn(alice.id)).toHaveLength(1);
  });

  it('enforces text limits, ids and the cumulative size (msg_blocks_too_long)', async () => {
    // Rejected posts count against the per-conversation rate limit too; this test is about blocks.
    const f = await start({ rateLimits: false });
    const client = clientFor(f);
    const long = await slackError(client.chat.postMessage({ channel: alice.id, text: 't', blocks: [section('x'.repeat(BLOCK_KIT_LIMITS.sectionText + 1))] }));
    expect(long.data.errors).toEqual(['must be less than 3001 characters [json-pointer:/blocks/0/text/text]']);
    const button = (over: Record<string, unknown>) => ({ type: 'actions', elements: [{ type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'Go' }, ...over }] });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ text: { type: 'plain_text', text: 'b'.repeat(76) } }, 'must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]'],
      [{ value: 'v'.repeat(2001) }, 'must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]'],
      [{ action_id: 'i'.repeat(256) }, 'must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]'],
    ];
    for (const [over, message] of cases) {
      expect((await slackError(client.chat.postMessage({ channel: alice.id, text: 't', blocks: [button(over)] }))).data.errors).toEqual([message]);
    }
    const header = await slackError(client.chat.postMessage({ channel: alice.id, text: 't', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] }));
    expect(header.error).toBe('invalid_blocks');
    const tooManyButtons = { type: 'actions', elements: Array.from({ length: 26 }, (_, i) => ({ type: 'button', action_id: `a${i}`, text: { type: 'plain_text', text: 'x' } })) };
    expect((await slackError(client.chat.postMessage({ channel: alice.id, text: 't', blocks: [tooManyButtons] }))).data.errors).toEqual(['no more than 25 items allowed [json-pointer:/blocks/0/elements]']);
    const dupIds = [{ ...section('a'), block_id: 'same' }, { ...section('b'), block_id: 'same' }];
    expect((await slackError(client.chat.postMessage({ channel: alice.id, text: 't', blocks: dupIds }))).error).toBe('invalid_blocks');
    // 5 sections of 2,600 characters: each valid, together over the cumulative size.
    const big = Array.from({ length: 5 }, () => section('y'.repeat(2_600)));
    expect((await slackError(client.chat.postMessage({ channel: alice.id, text: 't', blocks: big }))).error).toBe('msg_blocks_too_long');
    expect(f.messagesIn(alice.id)).toHaveLength(0);
  });

  it('opens modals within view limits, once per trigger id', async () => {
    const f = await start();
    const client = clientFor(f);
    const modal = (title: string, blocks = 1) => ({
      type: 'modal' as const,
      callback_id: 'cb',
      title: { type: 'plain_text' as const, text: title },
      blocks: Array.from({ length: blocks }, (_, i) => section(`b${i}`)),
    });
    const trigger = `1700000000.${alice.id}.abc123`;
    const opened = await client.views.open({ trigger_id: trigger, view: modal('Revoke access') });
    expect(opened.view?.id).toMatch(/^V/);
    expect(f.modalsOf(alice.id)).toHaveLength(1);
    expect((await slackError(client.views.open({ trigger_id: trigger, view: modal('Again') }))).error).toBe('exchanged_trigger_id');
    const title = await slackError(client.views.open({ trigger_id: `1.${alice.id}.b`, view: modal('t'.repeat(25)) }));
    expect(title.error).toBe('invalid_arguments');
    expect((title.data.response_metadata as { messages: string[] }).messages).toEqual(['[ERROR] must be less than 25 characters [json-pointer:/view/title/text]']);
    const many = await slackError(client.views.open({ trigger_id: `2.${alice.id}.c`, view: modal('ok', BLOCK_KIT_LIMITS.viewBlocks + 1) }));
    expect((many.data.response_metadata as { messages: string[] }).messages).toEqual(['[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]']);
    const metadata = await slackError(client.views.open({ trigger_id: `3.${alice.id}.d`, view: { ...modal('ok'), private_metadata: 'm'.repeat(3001) } }));
    expect(metadata.error).toBe('invalid_arguments');
    const updated = await client.views.update({ view_id: opened.view!.id!, hash: opened.view!.hash!, view: modal('Updated') });
    expect(updated.view?.hash).not.toBe(opened.view?.hash);
    expect((await slackError(client.views.update({ view_id: opened.view!.id!, hash: opened.view!.hash!, view: modal('Stale') }))).error).toBe('hash_conflict');
    expect((await slackError(client.views.update({ view_id: 'V404', view: modal('x') }))).error).toBe('not_found');
  });

  it('publishes the Home tab per user, with hash conflicts', async () => {
    const f = await start();
    const client = clientFor(f);
    const home = (text: string) => ({ type: 'home' as const, blocks: [section(text)] });
    const first = await client.views.publish({ user_id: alice.id, view: home('one') });
    await client.views.publish({ user_id: alice.id, view: home('two'), hash: first.view!.hash! });
    expect(f.homeOf(alice.id)?.view.blocks).toEqual([section('two')]);
    expect(f.homeOf(alice.id)?.via).toEqual(['publish', 'publish']);
    expect((await slackError(client.views.publish({ user_id: alice.id, view: home('three'), hash: first.view!.hash! }))).error).toBe('hash_conflict');
    const tooMany = { type: 'home' as const, blocks: Array.from({ length: 101 }, (_, i) => section(`b${i}`)) };
    expect((await slackError(client.views.publish({ user_id: alice.id, view: tooMany }))).error).toBe('invalid_arguments');
  });

  it('posts ephemeral messages only to a member of the conversation', async () => {
    const f = await start();
    const client = clientFor(f);
    const dm = (await client.conversations.open({ users: alice.id })).channel!.id!;
    const res = await client.chat.postEphemeral({ channel: dm, user: alice.id, text: 'only you' });
    expect(res.message_ts).toMatch(/^\d+\.\d{6}$/);
    expect(f.ephemerals).toMatchObject([{ channel: dm, user: alice.id, text: 'only you' }]);
    expect((await slackError(client.chat.postEphemeral({ channel: dm, user: bob.id, text: 'x' }))).error).toBe('user_not_in_channel');
    await client.chat.postEphemeral({ channel: 'C0REVIEWS', user: bob.id, text: 'in channel' });
    expect(f.ephemerals).toHaveLength(2);
  });

  it('runs WebClient.filesUploadV2 through getUploadURLExternal, the upload POST and completeUploadExternal', async () => {
    const f = await start();
    const client = clientFor(f);
    const dm = (await client.conversations.open({ users: alice.id })).channel!.id!;
    const csv = 'item,decision\nquarterly:2026-Q4/g_1,approve\n';
    const res = await client.filesUploadV2({ channel_id: dm, filename: 'evidence.csv', title: 'Evidence', content: csv, initial_comment: 'Evidence pack' });
    expect(res.ok).toBe(true);
    expect(f.callsTo('files.getUploadURLExternal')).toHaveLength(1);
    expect(f.callsTo('upload')).toHaveLength(1);
    expect(f.callsTo('files.completeUploadExternal')).toHaveLength(1);
    const [file] = [...f.files.values()];
    expect(file).toMatchObject({ filename: 'evidence.csv', title: 'Evidence', completed: true, channels: [dm], initialComment: 'Evidence pack', length: Buffer.byteLength(csv) });
    expect(file?.bytes?.toString('utf8')).toBe(csv);
    expect(f.latestMessage(dm)?.fileIds).toEqual([file?.id]);
    const retired = await slackError(client.apiCall('files.upload', { channels: dm, content: csv, filename: 'old.csv' }));
    expect(retired.error).toBe('method_deprecated');
  });

  it('rejects a wrong token (invalid_auth), a missing one (not_authed) and unknown methods', async () => {
    const f = await start();
    expect((await slackError(clientFor(f, 'xoxb-wrong').auth.test())).error).toBe('invalid_auth');
    const raw = await fetch(`${f.apiUrl}auth.test`, { method: 'POST' });
    expect(raw.status).toBe(200);
    expect(await raw.json()).toEqual({ ok: false, error: 'not_authed' });
    expect((await slackError(clientFor(f).apiCall('reviews.frobnicate'))).error).toBe('unknown_method');
    expect(await clientFor(f).auth.test()).toMatchObject({ ok: true, user_id: f.botUserId, team_id: f.teamId });
  });

  it('accepts JSON bodies with a bearer token (but not a token inside a JSON body)', async () => {
    const f = await start();
    const post = (headers: Record<string, string>, body: unknown) =>
      fetch(`${f.apiUrl}chat.postMessage`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) }).then((r) => r.json());
    expect(await post({ authorization: `Bearer ${f.token}` }, { channel: alice.id, text: 'json', blocks: [section('b')] })).toMatchObject({ ok: true });
    expect(f.latestMessage(alice.id)?.blocks).toEqual([section('b')]);
    expect(await post({}, { token: f.token, channel: alice.id, text: 'json' })).toEqual({ ok: false, error: 'not_authed' });
  });
});

describe('rate limits and faults', () => {
  it('answers 429 with Retry-After once a tier is used up, in (scaled) Slack time', async () => {
    let now = 0;
    const f = await start({ clock: () => now });
    const call = () => fetch(`${f.apiUrl}users.list`, { method: 'POST', headers: { authorization: `Bearer ${f.token}` } });
    for (let i = 0; i < 20; i += 1) expect((await call()).status).toBe(200);
    now = 15_000;
    const limited = await call();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('45');
    expect(await limited.json()).toEqual({ ok: false, error: 'ratelimited' });
    expect(f.calls.at(-1)).toMatchObject({ status: 429, retryAfterSeconds: 45, retryAfterMs: 45_000, fault: false });
    now = 60_001;
    expect((await call()).status).toBe(200);
  });

  it('scales windows and Retry-After with timeScale, rounding the header up to whole seconds', async () => {
    let now = 0;
    const f = await start({ clock: () => now, timeScale: 60 });
    const call = () => fetch(`${f.apiUrl}users.list`, { method: 'POST', headers: { authorization: `Bearer ${f.token}` } });
    for (let i = 0; i < 20; i += 1) await call();
    now = 250;
    const limited = await call();
    expect(limited.status).toBe(429);
    // 750 ms of real time left in the (1 real second) window: the header says 1.
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(f.calls.at(-1)?.retryAfterMs).toBe(750);
    now = 1_001;
    expect((await call()).status).toBe(200);
  });

  it('limits chat.postMessage per conversation (bursts of 5) and per workspace', async () => {
    let now = 0;
    const f = await start({ clock: () => now, rateLimits: { postMessageWorkspacePerMinute: 7 } });
    const client = clientFor(f);
    const post = (channel: string) =>
      fetch(`${f.apiUrl}chat.postMessage`, { method: 'POST', headers: { authorization: `Bearer ${f.token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ channel, text: 'x' }).toString() });
    await client.chat.postMessage({ channel: alice.id, text: 'opens the DM' });
    for (let i = 0; i < 4; i += 1) expect((await post(f.dmChannelOf(alice.id)!)).status).toBe(200);
    expect((await post(alice.id)).status).toBe(429);
    expect((await post(bob.id)).status).toBe(200);
    expect((await post(people[2]!.id)).status).toBe(200);
    now = 5_001;
    const capped = await post(people[3]!.id);
    expect(capped.status).toBe(429);
    expect(capped.headers.get('retry-after')).toBe('55');
  });

  it('keeps a scaled limit correct for WebClient: it waits the whole-second Retry-After and succeeds', async () => {
    const f = await start({ timeScale: 60 });
    const client = clientFor(f);
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 21 }, () => client.users.list({ limit: 1 })));
    expect(results.every((r) => r.ok)).toBe(true);
    const statuses = f.callsTo('users.list').map((c) => c.status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(21);
    expect(f.callsTo('users.list').find((c) => c.status === 429)?.retryAfterSeconds).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('has WebClient honour a 429 Retry-After and retry until it succeeds', async () => {
    const f = await start();
    f.failNext('chat.postMessage', 1, { type: 'rate_limited', retryAfterSeconds: 1 });
    const started = Date.now();
    const res = await clientFor(f).chat.postMessage({ channel: alice.id, text: 'after a 429' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(res.ok).toBe(true);
    expect(f.callsTo('chat.postMessage').map((c) => [c.status, c.fault])).toEqual([[429, true], [200, false]]);
    expect(f.messagesIn(alice.id)).toHaveLength(1);
  });

  it('delivers every message exactly once when 30% of calls answer 429 (seeded)', async () => {
    const run = async (): Promise<number[]> => {
      const f = await FakeSlack.start({ users: people, failRate: 0.3, faultRetryAfterSeconds: 0, seed: 42 });
      try {
        const client = clientFor(f);
        for (const person of people) await client.chat.postMessage({ channel: person.id, text: `for ${person.id}` });
        for (const person of people) expect(f.messagesIn(person.id).map((m) => m.text)).toEqual([`for ${person.id}`]);
        return f.callsTo('chat.postMessage').map((c) => c.status);
      } finally {
        await f.stop();
      }
    };
    const first = await run();
    expect(first.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(first.filter((s) => s === 200)).toHaveLength(people.length);
    expect(await run()).toEqual(first);
  });

  it('injects errors, HTTP failures, dropped connections, and a dropped answer after the effect', async () => {
    const f = await start();
    const client = clientFor(f);
    f.failNext('users.info', 1, { type: 'error', error: 'internal_error' });
    expect((await slackError(client.users.info({ user: alice.id }))).error).toBe('internal_error');
    f.failNext('users.info', 1, { type: 'http_status', status: 503 });
    f.failNext('users.info', 1, { type: 'network' });
    expect((await client.users.info({ user: alice.id })).ok).toBe(true);
    expect(f.callsTo('users.info').map((c) => c.status)).toEqual([200, 503, 0, 200]);
    // The message is posted, the answer lost, WebClient retries: Slack would now show it twice.
    f.failNext('chat.postMessage', 1, { type: 'drop_response' });
    await client.chat.postMessage({ channel: alice.id, text: 'twice' });
    expect(f.messagesIn(alice.id).map((m) => m.text)).toEqual(['twice', 'twice']);
  });
});
