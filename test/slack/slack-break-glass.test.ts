/**
 * A break-glass review in Slack: with SLACK_BOT_TOKEN set, the sync that shows a break-glass
 * grant used sends its review to the system owner's DM (the fake Slack Web API), naming the
 * reason; a failed DM is sent after the next applied snapshot, and then nothing more; the owner's Approve click (the real Bolt HTTP
 * receiver, signed requests) records the decision.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { openApp } from '../../src/app.js';
import { loadEnv } from '../../src/config/env.js';
import { REVIEW_ACTION_IDS } from '../../src/slack/blocks/index.js';
import type { SlackRuntime } from '../../src/slack/slack-app.js';
import { FakeSlack } from '../fakes/fake-slack.js';
import { blockActionsPayload, interactivityBody, postToSlackApp } from '../fakes/slack-requests.js';
import { MINIMAL_FIRM, TRADING_DESK_HR, tempConfigDir } from '../helpers/temp-config.js';

const SECRET = 'test-signing-secret';
const HEADER = 'account_id,identity,role,scope,status,last_activity_at,display_name,account_type';
const OTHERS = Array.from({ length: 30 }, (_, i) => `acc-${i},boss@example.com,VIEWER,desk-${i},active,2026-08-30T10:00:00Z,B${i},human`);
const trading = (usedAt: string) => [HEADER, `bg-alice,alice@example.com,EMERGENCY,,active,${usedAt},Alice,human`, ...OTHERS].join('\n') + '\n';
const POLICY = `system: trading
roles:
  VIEWER:
    allowedFor:
      - anyone: true
  EMERGENCY:
    privileged: true
    breakGlass: true
    allowedFor:
      - department: Trading
`;

describe('break-glass reviews in Slack', () => {
  let fake: FakeSlack | null = null;
  let app: App | null = null;
  let slack: SlackRuntime | null = null;
  afterEach(async () => {
    await slack?.stop();
    await app?.close();
    await fake?.stop();
  });

  it('the sync that shows the use DMs the system owner the review (a failed DM: the next sync), once; their Approve click decides it', async () => {
    fake = await FakeSlack.start({ users: [{ id: 'U0HEAD001', name: 'head', realName: 'Head of Trading', email: 'head-of-trading@example.com' }, { id: 'U0ALICE01', name: 'alice', realName: 'Alice', email: 'alice@example.com' }] });
    const configDir = tempConfigDir({ ...MINIMAL_FIRM, 'policies/trading.yaml': POLICY, 'connectors/sample-data/hr.csv': TRADING_DESK_HR, 'connectors/sample-data/trading.csv': trading('2026-06-01T10:00:00Z') });
    let clock = new Date('2026-09-01T08:00:00.000Z');
    const env = loadEnv({ IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: mkdtempSync(join(tmpdir(), 'iam-bg-slack-')), LOG_LEVEL: 'silent', SLACK_BOT_TOKEN: fake.token, SLACK_API_URL: fake.apiUrl, SLACK_SIGNING_SECRET: SECRET, PORT: '0' });
    app = await openApp(env, { now: () => clock, log: pino({ level: 'silent' }) });
    const sync = async () => {
      const config = app!.loadConfig();
      for (const o of await app!.sync.run(config, config.systems, { actor: 'scheduler' })) expect(o.ok).toBe(true);
    };
    await sync();
    expect(fake.messagesIn('U0HEAD001')).toEqual([]);

    clock = new Date('2026-09-03T09:00:00.000Z');
    writeFileSync(join(configDir, 'connectors/sample-data/trading.csv'), trading('2026-09-03T02:14:00Z'));
    // Slack fails the DM: the sync goes through, the review is open, and the next applied snapshot sends it.
    fake.failNext('chat.postMessage', 1, { type: 'error', error: 'fatal_error' });
    await sync();
    expect(fake.messagesIn('U0HEAD001')).toEqual([]);
    clock = new Date('2026-09-03T10:00:00.000Z');
    await sync();
    const [dm, ...more] = fake.messagesIn('U0HEAD001');
    expect(more).toEqual([]);
    expect(JSON.stringify(dm!.blocks)).toContain('Break-glass review: trading:bg-alice EMERGENCY, break-glass access used on 2026-09-03');
    expect(JSON.stringify(dm!.blocks)).toContain('bg-alice');
    expect(fake.messagesIn('U0ALICE01')).toEqual([]);
    const [campaign] = (await app.store.campaigns.list()).filter((c) => c.reviewId === 'break-glass');
    expect((await app.store.deliveries.list({ campaignId: campaign!.id, kind: 'review', state: 'sent' })).map((d) => d.channel)).toEqual([fake.dmChannelOf('U0HEAD001')]);

    clock = new Date('2026-09-03T12:00:00.000Z');
    await sync();
    expect(fake.messagesIn('U0HEAD001')).toHaveLength(1);

    // The owner approves from the DM.
    slack = await app.slack.start({ port: 0 });
    const processing: Array<Promise<void>> = [];
    const processEvent = slack.app.processEvent.bind(slack.app);
    slack.app.processEvent = (event) => {
      const p = processEvent(event);
      processing.push(p);
      return p;
    };
    const [item] = await app.store.campaigns.items(campaign!.id);
    const action = { type: 'button' as const, actionId: REVIEW_ACTION_IDS.approve, blockId: `act:${item!.id}`, value: item!.id };
    const clicked = await postToSlackApp(`http://127.0.0.1:${slack.port}/slack/events`, interactivityBody(blockActionsPayload({ user: { id: 'U0HEAD001' }, action, container: { type: 'message', channelId: dm!.channel, messageTs: dm!.ts } })), { signingSecret: SECRET });
    expect(clicked.status).toBe(200);
    // Bolt's processEvent settles once every listener returned: the decision is stored by then.
    await Promise.allSettled(processing);
    expect(await app.store.campaigns.item(item!.id)).toMatchObject({ state: 'approved' });
    expect((await app.store.ledger.query({ type: 'decision.recorded', subject: item!.id }))[0]!.data).toMatchObject({ campaignId: campaign!.id, outcome: 'approve', channel: 'slack' });
  });
});
