/**
 * A small firm wired end to end for Slack tests: a temp config (one half-yearly review of the
 * trading system with reminders, escalation and justifications), a real SQLite store seeded with
 * identities, grants and one finding, the fake Slack Web API with a user per person, and a clock
 * the test moves. `startSlack()` starts the real Bolt HTTP receiver (port 0) against the fake.
 */
import { twoStageReviewYaml } from '../reviews/review-fixture.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { retryPolicies } from '@slack/web-api';
import type { App } from '../../src/app.js';
import { openApp } from '../../src/app.js';
import { loadEnv } from '../../src/config/env.js';
import type { CliContext } from '../../src/cli/cli-context.js';
import type { LedgerEvent, ReviewItem } from '../../src/domain/index.js';
import { findingKey } from '../../src/domain/index.js';
import { openCampaign } from '../../src/reviews/open-campaign.js';
import type { ReviewDeps } from '../../src/reviews/review-deps.js';
import type { RunningServer } from '../../src/server/start-server.js';
import type { SlackRuntime } from '../../src/slack/slack-app.js';
import { FakeSlack } from '../fakes/fake-slack.js';
import type { FakeSlackOptions, FakeSlackUser } from '../fakes/fake-slack.js';
import type { ClickedAction, SlackRequestBody, SlackTeam } from '../fakes/slack-requests.js';
import { blockActionsPayload, interactivityBody, postToSlackApp } from '../fakes/slack-requests.js';
import { grant, identity, seedGrants, seedIdentities } from '../helpers/seed-state.js';
import { MINIMAL_FIRM, tempConfigDir } from '../helpers/temp-config.js';
import { resolveOperator } from '../../src/cli/cli-operator.js';

export const SECRET = 'test-signing-secret';
export const CAMPAIGN = 'semiannual:2026-H2';

export const PEOPLE = {
  boss: 'U0BOSS001',
  alice: 'U0ALICE01',
  bob: 'U0BOB0001',
  sec: 'U0SEC0001',
  head: 'U0HEAD001',
  bigboss: 'U0BIGBOS1',
  /** An auditor (reviews/roles.yaml): no identity in the HR source, only a Slack account. */
  audit: 'U0AUDIT01',
} as const;
export type Person = keyof typeof PEOPLE;

export const REVIEW_YAML = `id: semiannual
name: Half-yearly review
schedule: { cron: "0 9 1 1,7 *", timezone: Europe/Vaduz }
period: half-year
scope:
  criticality: [critical, important, standard]
reviewers: [manager, systemOwner]
dueInDays: 14
reminders: { everyDays: 3 }
escalation: { channel: "#access-reviews", afterDueDays: 0 }
requireJustification: [revoke, approve-with-findings]
`;

/**
 * The same review in two stages: the manager (else the system owner) first, then the system
 * owner for revokes and approvals of items with findings; the last stage decides.
 */
export const STAGED_REVIEW_YAML = twoStageReviewYaml('last-stage', 'reminders: { everyDays: 3 }\nescalation: { channel: "#access-reviews", afterDueDays: 0 }\n');

export function slackUsers(): FakeSlackUser[] {
  return (Object.keys(PEOPLE) as Person[]).map((p) => ({ id: PEOPLE[p], name: p, realName: p === 'head' ? 'Head of Trading' : p[0]!.toUpperCase() + p.slice(1), email: `${p === 'head' ? 'head-of-trading' : p}@example.com` }));
}

export class SlackHarness {
  fake!: FakeSlack;
  app!: App;
  private runtime: SlackRuntime | null = null;
  /** Bolt's processEvent of every request the app received and has not finished. */
  private readonly processing = new Set<Promise<void>>();
  clock = new Date('2026-11-24T09:00:00Z');
  readonly ctx: CliContext;
  private readonly env;

  private constructor(reviewYaml: string) {
    const dir = tempConfigDir({ ...MINIMAL_FIRM, 'reviews/semiannual.yaml': reviewYaml });
    const data = mkdtempSync(join(tmpdir(), 'iam-slack-'));
    this.env = () => loadEnv({ IAM_REVIEW_CONFIG_DIR: dir, IAM_REVIEW_DATA_DIR: data, LOG_LEVEL: 'silent', IAM_REVIEW_TIMEZONE: 'Europe/Vaduz', SLACK_BOT_TOKEN: this.fake.token, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: this.fake.apiUrl, PORT: '0' });
    this.ctx = { io: { out: () => {}, err: () => {}, isTty: false }, env: () => this.env(), force: false, app: async () => this.app, operator: (flag) => resolveOperator(flag, this.env().IAM_REVIEW_OPERATOR) };
  }

  /** `reviewYaml` replaces the half-yearly review definition (default REVIEW_YAML; e.g. STAGED_REVIEW_YAML). */
  static async create(fakeOptions: FakeSlackOptions = {}, reviewYaml: string = REVIEW_YAML): Promise<SlackHarness> {
    const h = new SlackHarness(reviewYaml);
    h.fake = await FakeSlack.start({ users: slackUsers(), channels: [{ id: 'C0ACCESS01', name: 'access-reviews' }], ...fakeOptions });
    h.app = await openApp(h.env(), { now: () => new Date(h.clock), log: pino({ level: 'silent' }) });
    await h.seed();
    return h;
  }

  /** alice (Trading) and bob report to boss, boss and head-of-trading to bigboss; sec is the security team. */
  private async seed(): Promise<void> {
    const store = this.app.store;
    await seedIdentities(store, 'hr', [
      identity('bigboss', { department: 'Management' }),
      identity('boss', { department: 'Management', managerId: 'bigboss' }),
      identity('alice', { managerId: 'boss', department: 'Trading', displayName: 'Alice' }),
      identity('bob', { managerId: 'boss', displayName: 'Bob' }),
      identity('sec', { department: 'Security' }),
      identity('head-of-trading', { managerId: 'bigboss', displayName: 'Head of Trading' }),
    ]);
    const trades = [
      grant('trading', 'alice-acc', 'TRADER', 'alice'),
      grant('trading', 'bob-acc', 'VIEWER', 'bob'),
      grant('trading', 'bob-trader', 'TRADER', 'bob'),
      grant('trading', 'boss-acc', 'TRADER', 'boss'),
      grant('trading', 'svc-x', 'VIEWER', null, { accountType: 'service' }),
    ];
    await seedGrants(store, 'trading', trades);
    // bob is not in Trading: his TRADER grant is flagged.
    const flagged = trades[2]!;
    await store.findings.saveEvaluation({ id: 'eval-1', at: '2026-11-20T00:00:00.000Z', systemIds: ['trading'], policyHash: 'x', counts: { 'not-allowed': 1 } }, [
      { key: findingKey('not-allowed', 'trading.TRADER', flagged.id), type: 'not-allowed', severity: 'high', systemId: 'trading', grantId: flagged.id, accountId: flagged.accountId, identityId: 'bob', role: 'TRADER', scope: '', ruleId: 'trading.TRADER', reason: 'TRADER is allowed for Trading only', evidence: {} },
    ], () => []);
  }

  /** The running Slack app. Setting it starts watching the requests it processes (see settled()). */
  get slack(): SlackRuntime | null {
    return this.runtime;
  }

  set slack(runtime: SlackRuntime | null) {
    this.runtime = runtime;
    if (runtime) this.watch(runtime.app);
  }

  /**
   * Resolves once the app has finished every request it received so far. The app answers (HTTP
   * response, Socket Mode ack) when a listener acks, and the listener's work goes on after that;
   * Bolt's processEvent settles only after every listener returned, and the listeners await all
   * of their work. A request refused before any listener (bad signature, body too large) never
   * reaches processEvent: there is nothing to wait for.
   */
  async settled(): Promise<void> {
    while (this.processing.size > 0) await Promise.allSettled([...this.processing]);
  }

  /** Wraps the app's processEvent (the receivers call it on the instance) to track each request. */
  private watch(app: SlackRuntime['app']): void {
    const processEvent = app.processEvent.bind(app);
    app.processEvent = (event) => {
      const processing = processEvent(event);
      this.processing.add(processing);
      const done = () => void this.processing.delete(processing);
      processing.then(done, done);
      return processing;
    };
  }

  deps(): ReviewDeps {
    return this.app.reviews.deps();
  }

  async startSlack(): Promise<SlackRuntime> {
    this.slack = await this.app.slack.start({ port: 0, retryConfig: retryPolicies.rapidRetryPolicy });
    return this.slack;
  }

  /**
   * Runs `body` with `serve` (startServer: its jobs and the Bolt app) in place of the Slack app
   * startSlack() started, and stops it afterwards, whatever `body` did.
   */
  async withServer<T>(body: (server: RunningServer) => Promise<T>): Promise<T> {
    const { startServer } = await import('../../src/server/start-server.js');
    await this.slack!.stop();
    const server = await startServer(this.app, { slack: { port: 0 }, owner: 'test' });
    this.slack = server.slack;
    try {
      return await body(server);
    } finally {
      await server.stop();
      this.slack = null;
    }
  }

  get url(): string {
    return `http://127.0.0.1:${this.slack!.port}/slack/events`;
  }

  /** Opens the campaign and sends the review messages. */
  async openAndDeliver(): Promise<void> {
    await openCampaign(this.deps(), 'semiannual', { actor: 'sec@example.com' });
    await this.slack!.services.delivery.deliverCampaign(CAMPAIGN);
  }

  async item(accountId: string, role?: string): Promise<ReviewItem> {
    const items = await this.app.store.campaigns.items(CAMPAIGN);
    const found = items.find((i) => i.accountId === accountId && (!role || i.role === role));
    if (!found) throw new Error(`no item for ${accountId}`);
    return found;
  }

  /** The review message (channel, ts) that shows an item. */
  async messageOf(itemId: string): Promise<{ channel: string; ts: string }> {
    const d = (await this.app.store.deliveries.list({ campaignId: CAMPAIGN, kind: 'review', state: 'sent' })).find((x) => (x.payload.itemIds as string[]).includes(itemId));
    if (!d?.channel || !d.ts) throw new Error(`no sent message shows ${itemId}`);
    return { channel: d.channel, ts: d.ts };
  }

  async click(who: Person, action: ClickedAction, opts: { itemId?: string; team?: SlackTeam; userTeamId?: string; fromHome?: boolean } = {}): Promise<{ status: number; json: unknown }> {
    const where = opts.fromHome || !opts.itemId ? null : await this.messageOf(opts.itemId);
    const payload = blockActionsPayload({
      user: { id: PEOPLE[who], ...(opts.userTeamId ? { teamId: opts.userTeamId } : {}) },
      ...(opts.team ? { team: opts.team } : {}),
      action,
      container: where ? { type: 'message', channelId: where.channel, messageTs: where.ts } : { type: 'view', viewId: 'V0HOME0001' },
    });
    return this.post(interactivityBody(payload));
  }

  button(actionId: string, itemId: string): ClickedAction {
    return { type: 'button', actionId, blockId: `act:${itemId}`, value: itemId };
  }

  post(body: SlackRequestBody, opts: { headers?: Record<string, string | null>; timestamp?: number; signingSecret?: string } = {}) {
    return postToSlackApp(this.url, body, { signingSecret: opts.signingSecret ?? SECRET, ...(opts.timestamp ? { timestamp: opts.timestamp } : {}), ...(opts.headers ? { headers: opts.headers } : {}) });
  }

  async ledger(type?: string): Promise<LedgerEvent[]> {
    const out: LedgerEvent[] = [];
    for await (const b of this.app.store.ledger.read()) out.push(...b);
    return type ? out.filter((e) => e.type === type) : out;
  }

  ephemeralsFor(who: Person): string[] {
    return this.fake.ephemerals.filter((e) => e.user === PEOPLE[who]).map((e) => e.text ?? '');
  }

  /** What the bot told a person: ephemeral answers and plain-text DMs (not review messages). */
  answersTo(who: Person): string[] {
    const dms = this.fake.messagesIn(PEOPLE[who]).filter((m) => m.blocks.length === 0).map((m) => m.text ?? '');
    return [...this.ephemeralsFor(who), ...dms];
  }

  async close(): Promise<void> {
    await this.slack?.stop();
    await this.fake.stop();
    await this.app.close();
  }
}
