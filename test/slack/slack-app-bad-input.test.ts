/**
 * Every bad input of issue 5 against the real Bolt HTTP receiver, with the stated outcome:
 * forged or stale requests are rejected before any listener runs; clicks that break a rule are
 * refused with an ephemeral message and a ledger line; odd input is stored literally; repeated
 * clicks and retried events are processed once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JUSTIFICATION_VIEW, REVIEW_ACTION_IDS, encodeModalMetadata } from '../../src/slack/blocks/index.js';
import { MAX_BODY_BYTES } from '../../src/slack/slack-app.js';
import { appHomeOpenedEvent, blockActionsPayload, eventCallbackBody, interactivityBody, slashCommandBody, textInputValue, viewSubmissionPayload } from '../fakes/slack-requests.js';
import { CAMPAIGN, PEOPLE, SlackHarness } from './slack-harness.js';

describe('the Slack app refuses bad input', () => {
  let h: SlackHarness;
  beforeEach(async () => {
    h = await SlackHarness.create();
    await h.startSlack();
    await h.openAndDeliver();
  });
  afterEach(() => h.close());

  const submitJustification = (who: keyof typeof PEOPLE, itemId: string, outcome: 'approve' | 'revoke', text: string | null) =>
    h.post(
      interactivityBody(
        viewSubmissionPayload({
          user: { id: PEOPLE[who] },
          callbackId: JUSTIFICATION_VIEW.callbackId,
          privateMetadata: encodeModalMetadata({ itemId, outcome, origin: null }),
          values: { [JUSTIFICATION_VIEW.blockId]: { [JUSTIFICATION_VIEW.actionId]: textInputValue(text) } },
        }),
      ),
    );

  describe('requests that are not from Slack never reach a listener', () => {
    it('wrong signature, 6-minute-old timestamp, missing headers: 401 and nothing decided', async () => {
      const item = await h.item('bob-acc');
      const where = await h.messageOf(item.id);
      const body = interactivityBody(blockActionsPayload({ user: { id: PEOPLE.boss }, action: h.button(REVIEW_ACTION_IDS.approve, item.id), container: { type: 'message', channelId: where.channel, messageTs: where.ts } }));
      expect((await h.post(body, { signingSecret: 'not-the-secret' })).status).toBe(401);
      expect((await h.post(body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })).status).toBe(401);
      expect((await h.post(body, { headers: { 'x-slack-signature': null } })).status).toBe(401);
      expect((await h.post(body, { headers: { 'x-slack-request-timestamp': null } })).status).toBe(401);
      expect((await h.post(body, { headers: { 'x-slack-signature': null, 'x-slack-request-timestamp': null } })).status).toBe(401);
      await h.settled();
      expect(await h.app.store.campaigns.decision(item.id)).toBeNull();
      // The same request correctly signed is processed: the 401s above were the signature check.
      expect((await h.post(body)).status).toBe(200);
      await h.settled();
      expect(await h.app.store.campaigns.decision(item.id)).not.toBeNull();
    });

    it('a correctly signed body over 1 MiB is rejected with 413 before parsing: nothing decided', async () => {
      const item = await h.item('bob-acc');
      const where = await h.messageOf(item.id);
      const payload = blockActionsPayload({ user: { id: PEOPLE.boss }, action: h.button(REVIEW_ACTION_IDS.approve, item.id), container: { type: 'message', channelId: where.channel, messageTs: where.ts } });
      const body = interactivityBody({ ...payload, padding: 'x'.repeat(MAX_BODY_BYTES) });
      expect(body.body.length).toBeGreaterThan(MAX_BODY_BYTES);
      expect((await h.post(body)).status).toBe(413);
      await h.settled();
      expect(await h.app.store.campaigns.decision(item.id)).toBeNull();
      expect(await h.ledger('decision.recorded')).toHaveLength(0);
    });
  });

  it('an unknown action id is acknowledged and ignored', async () => {
    const item = await h.item('bob-acc');
    const before = (await h.ledger()).length;
    const res = await h.click('boss', { type: 'button', actionId: 'review_approve_everything', blockId: `act:${item.id}`, value: item.id }, { itemId: item.id });
    expect(res.status).toBe(200);
    await h.settled();
    expect(await h.app.store.campaigns.decision(item.id)).toBeNull();
    expect((await h.ledger()).length).toBe(before);
    expect(h.fake.ephemerals).toHaveLength(0);
  });

  it('a decision on a closed campaign is refused', async () => {
    const item = await h.item('bob-acc');
    await h.app.store.campaigns.transition(CAMPAIGN, 'open', 'closed', h.clock.toISOString(), () => []);
    await h.click('boss', h.button(REVIEW_ACTION_IDS.approve, item.id), { itemId: item.id });
    await h.settled();
    expect(h.ephemeralsFor('boss')).toEqual([expect.stringMatching(/is closed: decisions are closed/)]);
    expect(await h.app.store.campaigns.decision(item.id)).toBeNull();
    expect(await h.ledger('access.refused')).toMatchObject([{ actor: 'boss@example.com', subject: item.id }]);
  });

  it('a click by someone who is not the assigned reviewer is refused', async () => {
    const item = await h.item('boss-acc'); // assigned to bigboss
    await h.click('sec', h.button(REVIEW_ACTION_IDS.approve, item.id), { itemId: item.id });
    // The click came from a message in someone else's DM: the answer comes as a DM from the bot.
    await h.settled();
    expect(h.answersTo('sec')).toEqual([expect.stringMatching(/not the assigned reviewer/)]);
    expect(await h.app.store.campaigns.decision(item.id)).toBeNull();
    expect(await h.ledger('access.refused')).toMatchObject([{ actor: 'sec@example.com', subject: item.id, data: { slackId: PEOPLE.sec } }]);
  });

  it('a click by the subject on their own access is refused', async () => {
    const item = await h.item('alice-acc'); // alice's access, assigned to boss
    await h.click('alice', h.button(REVIEW_ACTION_IDS.approve, item.id), { itemId: item.id });
    await h.settled();
    expect(h.answersTo('alice')).toEqual([expect.stringMatching(/nobody may decide on their own access/)]);
    expect(await h.app.store.campaigns.decision(item.id)).toBeNull();
    expect(await h.ledger('access.refused')).toMatchObject([{ actor: 'alice@example.com', subject: item.id }]);
  });

  it('a click from another team id is refused and ledgered, even by the assigned reviewer', async () => {
    const item = await h.item('bob-acc');
    const res = await h.click('boss', h.button(REVIEW_ACTION_IDS.approve, item.id), { itemId: item.id, team: { id: 'T0OTHER01', domain: 'other' } });
    expect(res.status).toBe(200);
    await h.settled();
    expect(await h.app.store.campaigns.decision(item.id)).toBeNull();
    expect(await h.ledger('access.refused')).toHaveLength(1);
    expect((await h.ledger('access.refused'))[0]).toMatchObject({ actor: `slack:${PEOPLE.boss}@T0OTHER01`, data: { teamId: 'T0OTHER01', code: 'foreign_workspace' } });
    // A user of another team inside an otherwise matching payload is refused too.
    await h.click('boss', h.button(REVIEW_ACTION_IDS.approve, item.id), { itemId: item.id, userTeamId: 'T0OTHER02' });
    await h.settled();
    expect(await h.ledger('access.refused')).toHaveLength(2);
    expect(await h.app.store.campaigns.decision(item.id)).toBeNull();
  });

  it('justifications that look like query operators are stored literally', async () => {
    const alice = await h.item('alice-acc');
    const bobTrader = await h.item('bob-trader');
    expect((await submitJustification('boss', alice.id, 'revoke', '{"$gt":""}')).status).toBe(200);
    expect((await submitJustification('boss', bobTrader.id, 'revoke', "'; $where: sleep(5000)")).status).toBe(200);
    expect((await h.app.store.campaigns.decision(alice.id))?.justification).toBe('{"$gt":""}');
    expect((await h.app.store.campaigns.decision(bobTrader.id))?.justification).toBe("'; $where: sleep(5000)");
    const recorded = await h.ledger('decision.recorded');
    expect(recorded.map((e) => e.data.justification).sort()).toEqual(["'; $where: sleep(5000)", '{"$gt":""}']);
  });

  it('a too-short justification answers response_action errors under the field', async () => {
    const alice = await h.item('alice-acc');
    const res = await submitJustification('boss', alice.id, 'revoke', 'nope');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ response_action: 'errors', errors: { [JUSTIFICATION_VIEW.blockId]: expect.stringMatching(/at least 10 characters/) } });
    expect(await h.app.store.campaigns.decision(alice.id)).toBeNull();
  });

  it('five concurrent approves record one decision; the others are told who decided', async () => {
    const item = await h.item('bob-acc');
    const results = await Promise.all(Array.from({ length: 5 }, () => h.click('boss', h.button(REVIEW_ACTION_IDS.approve, item.id), { itemId: item.id })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    await h.settled();
    expect(h.ephemeralsFor('boss')).toHaveLength(4);
    expect(h.ephemeralsFor('boss').every((t) => /already approved by boss@example.com at 2026-11-24T09:00:00.000Z/.test(t))).toBe(true);
    expect(await h.ledger('decision.recorded')).toHaveLength(1);
    expect(await h.app.store.campaigns.decisions(CAMPAIGN)).toHaveLength(1);
  });

  it('approve then revoke: the revoke is refused with who approved and when', async () => {
    const item = await h.item('bob-acc');
    await h.click('boss', h.button(REVIEW_ACTION_IDS.approve, item.id), { itemId: item.id });
    await h.settled();
    await h.click('boss', h.button(REVIEW_ACTION_IDS.revoke, item.id), { itemId: item.id });
    await h.settled();
    expect(h.ephemeralsFor('boss')).toEqual([expect.stringMatching(/already approved by boss@example.com at /)]);
    expect(await h.app.store.campaigns.decision(item.id)).toMatchObject({ outcome: 'approve' });
    expect(h.fake.modalsOf(PEOPLE.boss)).toHaveLength(0);
  });

  it('a retried event (same event_id, x-slack-retry-num) is processed once', async () => {
    const body = eventCallbackBody({ event: appHomeOpenedEvent(PEOPLE.boss), eventId: 'Ev0RETRY0001' });
    expect((await h.post(body)).status).toBe(200);
    expect((await h.post(body, { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } })).status).toBe(200);
    await h.settled();
    expect(h.fake.homeOf(PEOPLE.boss)).not.toBeNull();
    expect(h.fake.callsTo('views.publish')).toHaveLength(1);
  });

  it('security-team commands refuse everybody else, with a ledger line', async () => {
    const res = await h.post(slashCommandBody({ user: { id: PEOPLE.boss }, command: '/access-review', text: 'remind semiannual:2026-H2' }));
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/only the security team may remind campaigns/);
    expect(await h.ledger('access.refused')).toMatchObject([{ actor: 'boss@example.com', subject: '/access-review remind', data: { code: 'role_required' } }]);
    expect((await h.post(slashCommandBody({ user: { id: PEOPLE.boss }, command: '/access-review', text: 'open semiannual' }))).text).toMatch(/only the security team may open/);
    expect(await h.ledger('reminder.sent')).toHaveLength(0);
  });
});
