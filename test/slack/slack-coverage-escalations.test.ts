/**
 * The daily escalation of overdue access reviews (DORA cadence) over Slack, with only Slack's
 * far side faked (real Bolt HTTP receiver, real WebClient, real SQLite): per escalation channel
 * of the review definitions covering each overdue system, one message a day listing its
 * systems, ledgered as `escalation.sent`; a re-run the same day sends nothing; a system no
 * covering definition escalates for goes to the first escalation channel configured.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { channelsOf } from '../../src/slack/coverage-escalations.js';
import { grant, seedGrants } from '../helpers/seed-state.js';
import { SlackHarness } from './slack-harness.js';

const DAY = 86_400_000;
/** Trading and vault are critical (6 months) and were first applied on 2026-11-01: due 2027-05-01. */
const PAST_DUE = new Date('2027-05-03T08:00:00Z');

const VAULT = `id: vault
name: Key vault
kind: kms
criticality: critical
owner: head-of-trading@example.com
connector:
  type: csv
  path: sample-data/vault.csv
`;
const VAULT_POLICY = `system: vault
roles:
  ADMIN:
    allowedFor:
      - anyone: true
`;
const TRADING_RISK = (escalation: string) => `id: quarterly-trading
name: Quarterly trading review
schedule: { cron: "0 9 1 */3 *", timezone: Europe/Vaduz }
period: quarter
scope:
  systems: [trading]
reviewers: [systemOwner]
dueInDays: 7
${escalation}`;

describe('overdue access reviews escalate daily to the escalation channels (DORA cadence)', () => {
  let h: SlackHarness;
  const write = (path: string, text: string) => writeFileSync(join(h.ctx.env().IAM_REVIEW_CONFIG_DIR!, path), text);
  const overdueMessages = (channel: string) => h.fake.messagesIn(channel).filter((m) => /Access reviews overdue/.test(m.text ?? ''));

  beforeEach(async () => {
    h = await SlackHarness.create({ channels: [{ id: 'C0ACCESS01', name: 'access-reviews' }, { id: 'C0TRADE001', name: 'trading-risk' }] });
    write('connectors/vault.yaml', VAULT);
    write('policies/vault.yaml', VAULT_POLICY);
    write('reviews/quarterly-trading.yaml', TRADING_RISK('escalation: { channel: "#trading-risk", afterDueDays: 0 }\n'));
    await seedGrants(h.app.store, 'vault', [grant('vault', 'alice-admin', 'ADMIN', 'alice')]);
    await h.startSlack();
  });
  afterEach(() => h.close());

  it('one message per channel per day, listing the systems its definitions cover; a re-run that day sends nothing', async () => {
    const run = () => h.slack!.services.coverageEscalations.run();
    // Not overdue yet: nothing to say.
    expect(await run()).toMatchObject({ overdue: 0, sent: 0 });
    expect(await h.ledger('escalation.sent')).toHaveLength(0);

    h.clock = PAST_DUE;
    expect(await run()).toMatchObject({ overdue: 2, sent: 2, alreadySent: 0, unrouted: [], failed: [] });
    expect(await run()).toMatchObject({ overdue: 2, sent: 0, alreadySent: 2 });
    h.clock = new Date(PAST_DUE.getTime() + 3 * 3_600_000);
    expect(await run()).toMatchObject({ sent: 0, alreadySent: 2 });

    // semiannual covers both systems (#access-reviews); quarterly-trading covers trading only (#trading-risk).
    const all = overdueMessages('C0ACCESS01');
    expect(all).toHaveLength(1);
    const text = JSON.stringify(all[0]!.blocks);
    expect(text).toContain('*Trading platform* (critical, every 6 months): never completely reviewed; review due 2027-05-01 (2 days overdue)');
    expect(text).toContain('*Key vault* (critical');
    const risk = overdueMessages('C0TRADE001');
    expect(risk).toHaveLength(1);
    expect(JSON.stringify(risk[0]!.blocks)).toContain('*Trading platform*');
    expect(JSON.stringify(risk[0]!.blocks)).not.toContain('Key vault');

    const sent = await h.ledger('escalation.sent');
    expect(sent.map((e) => [e.data.purpose, e.data.to, (e.data.systems as Array<{ system: string }>).map((s) => s.system)])).toEqual([
      ['review-overdue', '#access-reviews', ['trading', 'vault']],
      ['review-overdue', '#trading-risk', ['trading']],
    ]);
    expect(sent[0]!.data).toMatchObject({ channel: 'C0ACCESS01', ts: all[0]!.ts, key: 'review-overdue-2027-05-03' });
    expect((sent[0]!.data.systems as Array<Record<string, unknown>>)[0]).toEqual({ system: 'trading', criticality: 'critical', lastReviewedAt: null, campaign: null, nextDueAt: '2027-05-01T00:00:01.000Z' });

    // The next day: once more per channel.
    h.clock = new Date(PAST_DUE.getTime() + DAY);
    expect(await run()).toMatchObject({ sent: 2 });
    expect(await run()).toMatchObject({ sent: 0 });
    expect(await h.ledger('escalation.sent')).toHaveLength(4);
  });

  it('a system no covering definition escalates for goes to the first channel configured; with none configured nothing is sent', async () => {
    // semiannual now covers trading only, and vault is covered by no definition at all.
    write('reviews/semiannual.yaml', `id: semiannual
name: Half-yearly review
schedule: { cron: "0 9 1 1,7 *", timezone: Europe/Vaduz }
period: half-year
scope:
  systems: [trading]
reviewers: [manager, systemOwner]
dueInDays: 14
escalation: { channel: "#access-reviews", afterDueDays: 0 }
`);
    // Definitions are read in file order: quarterly-trading's channel is the first configured.
    expect(channelsOf(h.deps(), 'vault')).toEqual(['#trading-risk']);
    expect(channelsOf(h.deps(), 'trading')).toEqual(['#trading-risk', '#access-reviews']);
    h.clock = PAST_DUE;
    await h.slack!.services.coverageEscalations.run();
    expect((await h.ledger('escalation.sent')).map((e) => [e.data.to, (e.data.systems as Array<{ system: string }>).map((s) => s.system)])).toEqual([
      ['#access-reviews', ['trading']],
      ['#trading-risk', ['trading', 'vault']],
    ]);

    // No escalation channel anywhere: nothing goes out, the run names the systems.
    write('reviews/semiannual.yaml', (await import('./slack-harness.js')).REVIEW_YAML.replace(/escalation:.*\n/, ''));
    write('reviews/quarterly-trading.yaml', TRADING_RISK(''));
    h.clock = new Date(PAST_DUE.getTime() + DAY);
    expect(await h.slack!.services.coverageEscalations.run()).toMatchObject({ overdue: 2, sent: 0, unrouted: ['trading', 'vault'] });
    expect(await h.ledger('escalation.sent')).toHaveLength(2);
  });

  it('serve runs it as the daily coverage:overdue job', async () => {
    await h.withServer(async (server) => {
      await server.initialSync;
      const job = server.jobs.find((j) => j.name === 'coverage:overdue')!;
      expect(job.cron).toBe('0 9 * * *');
      h.clock = PAST_DUE;
      await job.run(h.clock);
      await job.run(h.clock);
      expect(overdueMessages('C0ACCESS01')).toHaveLength(1);
      expect(overdueMessages('C0TRADE001')).toHaveLength(1);
      expect((await h.ledger('escalation.sent')).every((e) => e.actor === 'scheduler')).toBe(true);
    });
  });
});
