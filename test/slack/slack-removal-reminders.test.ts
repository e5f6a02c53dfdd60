/**
 * The owner's reminder of removals not done, before their due time (manual mode), with only
 * Slack's far side faked (real WebClient, real SQLite) and the app's clock moved by the test:
 * the trading system (critical: 24 h) reminds its owner once, 18 h after the decision (75% of
 * the deadline), in one DM listing the removals not yet marked removed; never twice, not from
 * two replicas at once, retried after Slack refused it; past the due time escalation takes over.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Remediation } from '../../src/domain/index.js';
import { decideItem } from '../../src/reviews/decide-item.js';
import { openCampaign } from '../../src/reviews/open-campaign.js';
import { PEOPLE, SlackHarness } from './slack-harness.js';

const REVOKED = ['alice-acc', 'bob-acc', 'bob-trader'];
const HOUR = 3_600_000;

describe('removal reminders to system owners over Slack (manual mode)', () => {
  let h: SlackHarness;
  let decidedAt: number;

  /** boss revokes three trading grants at h.clock; the owner is asked for their removal. */
  async function revokeAndRequest(): Promise<Remediation[]> {
    await openCampaign(h.deps(), 'semiannual', { actor: 'sec@example.com' });
    const boss = { id: 'boss', email: 'boss@example.com', slackId: null, label: 'boss@example.com' };
    decidedAt = h.clock.getTime();
    for (const account of REVOKED) await decideItem(h.deps(), { itemId: (await h.item(account)).id, outcome: 'revoke', actor: boss, channel: 'cli', justification: 'No longer on the trading desk.' });
    await h.app.remediation.open('test');
    await h.app.remediation.requestRemovals({ systemId: 'trading', actor: 'test' });
    return h.app.remediation.list({ systemId: 'trading' });
  }

  const at = (hours: number) => (h.clock = new Date(decidedAt + hours * HOUR));
  const remind = () => h.slack!.services.removalReminders.run();
  const reminderDms = () => h.fake.messagesIn(PEOPLE.head).filter((m) => /^Reminder: access to remove/.test(m.text ?? ''));

  beforeEach(async () => {
    h = await SlackHarness.create();
    await h.startSlack();
  });
  afterEach(() => h.close());

  it('one reminder DM at 75% of the deadline listing the removals not marked removed, ledgered per removal; never again', async () => {
    const removals = await revokeAndRequest();
    expect(removals.map((r) => [r.state, r.dueAt])).toEqual(Array(3).fill(['requested', new Date(decidedAt + 24 * HOUR).toISOString()]));
    const alice = removals.find((r) => r.accountId === 'alice-acc')!;
    await h.app.remediation.claim(alice.id, 'head-of-trading@example.com');

    at(17.9);
    expect(await remind()).toMatchObject({ due: 0, reminders: 0 });
    expect(reminderDms()).toHaveLength(0);

    at(18);
    expect(await remind()).toMatchObject({ due: 2, reminders: 1, reminded: 2, alreadySent: 0, failed: [] });
    const [dm] = reminderDms();
    expect(reminderDms()).toHaveLength(1);
    const text = JSON.stringify(dm!.blocks);
    const open = removals.filter((r) => r !== alice);
    for (const r of open) expect(text).toContain(`*${r.accountId}*`);
    // The claimed one (alice-acc) is not reminded; the due time is a Slack date token.
    expect(text).not.toContain('*alice-acc*');
    expect(text).toContain(`<!date^${Date.parse(open[0]!.dueAt) / 1000}^`);
    const sent = await h.ledger('reminder.sent');
    expect(sent.map((e) => [e.subject, e.data.remediationId, e.data.purpose, e.data.channel, e.data.ts])).toEqual(
      open.map((r) => [`remediation:trading|head-of-trading@example.com|reminder|${r.id}`, r.id, 'removal-reminder', dm!.channel, dm!.ts]),
    );

    expect(await remind()).toMatchObject({ due: 2, reminders: 0, alreadySent: 2 });
    at(23);
    await remind();
    expect(reminderDms()).toHaveLength(1);
    expect(await h.ledger('reminder.sent')).toHaveLength(2);
    // A reminder is no move of the remediation.
    expect((await h.app.remediation.list({ systemId: 'trading' })).map((r) => [r.accountId, r.state])).toEqual(removals.map((r) => [r.accountId, r === alice ? 'claimed' : 'requested']));
  });

  it('two runs at once (two replicas) send one reminder and ledger each removal once', async () => {
    await revokeAndRequest();
    at(20);
    const reports = await Promise.all([remind(), remind()]);
    expect(reports.map((r) => r.reminded).sort()).toEqual([0, 3]);
    expect(reminderDms()).toHaveLength(1);
    expect(await h.ledger('reminder.sent')).toHaveLength(3);
  });

  it('Slack refusing the reminder: message.failed per removal; the next run sends it once', async () => {
    await revokeAndRequest();
    at(19);
    h.fake.failNext('chat.postMessage', 1, { type: 'error', error: 'channel_not_found' });
    expect(await remind()).toMatchObject({ reminders: 0, failed: [{ systemId: 'trading', error: 'channel_not_found' }] });
    expect((await h.ledger('message.failed')).map((e) => e.data.purpose)).toEqual(Array(3).fill('removal-reminder'));
    expect(await h.ledger('reminder.sent')).toHaveLength(0);

    expect(await remind()).toMatchObject({ reminders: 1, reminded: 3 });
    expect(reminderDms()).toHaveLength(1);
    const deliveries = await h.app.store.deliveries.list({ campaignId: 'remediation:trading', kind: 'reminder' });
    expect(deliveries.map((d) => [d.state, d.attempts])).toEqual(Array(3).fill(['sent', 2]));
  });

  it('past the due time no reminder: the removals are overdue and escalated instead', async () => {
    await revokeAndRequest();
    at(25);
    expect(await remind()).toMatchObject({ due: 0, reminders: 0 });
    expect(reminderDms()).toHaveLength(0);
  });

  it('an owner without a Slack account is not reminded and nothing is claimed', async () => {
    await revokeAndRequest();
    h.fake.users.delete(PEOPLE.head);
    await h.slack!.services.deps.directory.refresh();
    at(20);
    expect(await remind()).toMatchObject({ due: 3, reminders: 0, withoutSlack: ['trading'] });
    expect(await h.app.store.deliveries.list({ campaignId: 'remediation:trading', kind: 'reminder' })).toEqual([]);
  });

  it('serve: the remediation:remind job reminds the owner once', async () => {
    await h.withServer(async (server) => {
      await revokeAndRequest();
      const job = server.jobs.find((j) => j.name === 'remediation:remind')!;
      expect(job.cron).toBe('*/15 * * * *');
      at(18.5);
      await job.run(h.clock);
      await job.run(h.clock);
      expect(reminderDms()).toHaveLength(1);
      expect(await h.ledger('reminder.sent')).toHaveLength(3);
    });
  });
});
