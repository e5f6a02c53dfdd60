/**
 * End to end, with only Slack's far side faked: `serve` starts (real scheduler, real Bolt HTTP
 * receiver, real SQLite store); the missed half-yearly slot fires on start -> the campaign opens
 * -> review DMs go out -> signed clicks arrive -> decisions are stored -> messages are updated in
 * place -> a reminder -> an escalation to the channel and to managers -> close.
 */
import { retryPolicies } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/start-server.js';
import { startServer } from '../../src/server/start-server.js';
import { closeCampaign } from '../../src/reviews/close-campaign.js';
import { JUSTIFICATION_VIEW, REVIEW_ACTION_IDS } from '../../src/slack/blocks/index.js';
import { interactivityBody, textInputValue, viewSubmissionPayload } from '../fakes/slack-requests.js';
import { CAMPAIGN, PEOPLE, SlackHarness } from '../slack/slack-harness.js';

const DAY = 86_400_000;

describe('Slack review, end to end', () => {
  let h: SlackHarness;
  let server: RunningServer;

  beforeEach(async () => {
    h = await SlackHarness.create();
    // The January slot ran; the process was down on 1 July: starting serve catches that slot up.
    const jan = 'campaign:semiannual@2026-01-01T08:00:00.000Z';
    await h.app.store.scheduler.claim(jan, 'campaign:semiannual', 'old-replica', '2026-01-01T08:00:00.000Z', 60_000);
    await h.app.store.scheduler.complete(jan, '2026-01-01T08:05:00.000Z');
  });
  afterEach(async () => {
    await server?.stop();
    h.slack = null;
    await h.close();
  });

  // A long limit, not a wait: catching up the missed July slot on start scans every minute back
  // from November through node-cron's matcher (src/scheduler/latest-slot.ts), about 10 s of CPU
  // here and more on a loaded machine.
  it('runs a campaign from the schedule to its close', { timeout: 120_000 }, async () => {
    server = await startServer(h.app, { slack: { port: 0, retryConfig: retryPolicies.rapidRetryPolicy }, owner: 'test' });
    h.slack = server.slack;
    expect(server.jobs.map((j) => j.name).sort()).toEqual(['campaign:semiannual', 'coverage:overdue', 'remediation:overdue', 'remediation:remind', 'remediation:request', 'reminders', 'sync:trading']);

    // Schedule fired -> campaign open -> DMs sent (to user ids: no conversations.open, no per-person lookups).
    const campaign = await h.app.store.campaigns.get(CAMPAIGN);
    expect(campaign).toMatchObject({ state: 'open', openedBy: 'scheduler', period: '2026-H2' });
    expect(h.fake.callsTo('users.list').length).toBeGreaterThan(0);
    expect(h.fake.callsTo('users.lookupByEmail')).toHaveLength(0);
    expect(h.fake.callsTo('conversations.open')).toHaveLength(0);
    const posted = h.fake.callsTo('chat.postMessage').filter((c) => c.ok).map((c) => c.args.channel);
    expect(posted.sort()).toEqual([PEOPLE.bigboss, PEOPLE.boss, PEOPLE.head].sort());
    expect(await h.ledger('message.sent')).toHaveLength(3);
    const bossDm = h.fake.dmChannelOf(PEOPLE.boss)!;
    expect(h.fake.messagesIn(bossDm)).toHaveLength(1);

    // Signed click: boss approves bob's VIEWER access (no findings): decided at once.
    const bobViewer = await h.item('bob-acc');
    expect((await h.click('boss', h.button(REVIEW_ACTION_IDS.approve, bobViewer.id), { itemId: bobViewer.id })).status).toBe(200);
    // The click is answered at once; the decision and the message update follow.
    await h.settled();
    expect(await h.app.store.campaigns.decision(bobViewer.id)).toMatchObject({ outcome: 'approve', reviewerId: 'boss', reviewerSlackId: PEOPLE.boss, channel: 'slack' });
    // The message is updated in place to show who decided, and the update is ledgered.
    const message = h.fake.messagesIn(bossDm)[0]!;
    expect(message.updates).toBe(1);
    expect(JSON.stringify(message.blocks)).toMatch(/Approved\*? by boss/);
    expect(await h.ledger('message.updated')).toMatchObject([{ data: { reviewerId: 'boss', channel: bossDm, ts: message.ts, items: [bobViewer.id] } }]);

    // Revoke of alice's TRADER needs a justification: the modal opens, the submission decides.
    const alice = await h.item('alice-acc');
    await h.click('boss', h.button(REVIEW_ACTION_IDS.revoke, alice.id), { itemId: alice.id });
    await h.settled();
    const modal = h.fake.modalsOf(PEOPLE.boss);
    expect(modal).toHaveLength(1);
    expect(modal[0]!.view.callback_id).toBe(JUSTIFICATION_VIEW.callbackId);
    const submit = viewSubmissionPayload({
      user: { id: PEOPLE.boss },
      callbackId: JUSTIFICATION_VIEW.callbackId,
      privateMetadata: String(modal[0]!.view.private_metadata),
      values: { [JUSTIFICATION_VIEW.blockId]: { [JUSTIFICATION_VIEW.actionId]: textInputValue('Moved to operations in October; no longer trades.') } },
    });
    const res = await h.post(interactivityBody(submit));
    expect(res.status).toBe(200);
    expect(await h.app.store.campaigns.decision(alice.id)).toMatchObject({ outcome: 'revoke', justification: 'Moved to operations in October; no longer trades.' });
    // The modal is closed by the answer; the message update follows.
    await h.settled();
    expect(message.updates).toBe(2);
    expect(JSON.stringify(message.blocks)).toMatch(/Revoked\*? by boss/);
    expect((await h.ledger('message.updated')).map((e) => e.data.items)).toEqual([[bobViewer.id], [alice.id]]);

    // Three days on: one batched reminder per reviewer with pending items.
    h.clock = new Date(h.clock.getTime() + 3 * DAY + 60_000);
    const reminders = server.jobs.find((j) => j.name === 'reminders')!;
    await reminders.run(h.clock);
    const reminded = (await h.ledger('reminder.sent')).map((e) => e.data.reviewerId).sort();
    expect(reminded).toEqual(['bigboss', 'boss', 'head-of-trading']);
    await reminders.run(h.clock);
    expect(await h.ledger('reminder.sent')).toHaveLength(3);

    // Past the due date: escalation to the channel and to each overdue reviewer's manager.
    h.clock = new Date(Date.parse(campaign!.dueAt) + DAY);
    await reminders.run(h.clock);
    const escalations = await h.ledger('escalation.sent');
    expect(escalations.filter((e) => e.data.audience === 'channel')).toHaveLength(1);
    expect(h.fake.messagesIn('C0ACCESS01')).toHaveLength(1);
    expect(h.fake.messagesIn('C0ACCESS01')[0]!.text).toMatch(/Overdue access review/);
    // boss and head-of-trading report to bigboss: one DM to bigboss for both; bigboss has no manager.
    const toManagers = escalations.filter((e) => e.data.audience === 'manager');
    expect(toManagers.map((e) => e.data.reviewerId).sort()).toEqual(['boss', 'head-of-trading']);
    expect(new Set(toManagers.map((e) => e.data.ts)).size).toBe(1);
    expect(h.fake.messagesIn(PEOPLE.bigboss).filter((m) => /Overdue access review/.test(m.text ?? ''))).toHaveLength(1);

    // Close: pending items expire; a late click is refused with an ephemeral message and ledgered.
    const closed = await closeCampaign(h.deps(), CAMPAIGN, 'sec@example.com');
    expect(closed).toMatchObject({ approved: 1, revoked: 1, expired: 3 });
    // Every review message now shows the outcome, with nothing left to click.
    const shown = await h.slack!.services.delivery.updateClosedCampaign(CAMPAIGN, { actor: 'sec@example.com' });
    expect(shown).toMatchObject({ updated: shown.pages, failed: [] });
    const pages = await h.app.store.deliveries.list({ campaignId: CAMPAIGN, kind: 'review', state: 'sent' });
    for (const d of pages) {
      const message = h.fake.messagesIn(d.channel!).find((m) => m.ts === d.ts)!;
      expect(JSON.stringify(message.blocks)).not.toMatch(/"type":"(actions|button|overflow)"/);
      expect(message.text).toMatch(/closed/);
    }
    const svc = await h.item('svc-x');
    await h.click('head', h.button(REVIEW_ACTION_IDS.approve, svc.id), { itemId: svc.id });
    await h.settled();
    expect(h.ephemeralsFor('head')).toEqual([expect.stringMatching(/closed/)]);
    expect((await h.ledger('access.refused')).at(-1)).toMatchObject({ subject: svc.id, data: { action: 'decide:approve', slackId: PEOPLE.head } });
  });
});
