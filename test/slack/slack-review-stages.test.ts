/**
 * Multi-stage reviews in Slack, through the real Bolt receiver (signed requests) against the fake
 * Slack: a stage-1 decision that passes an item on sends the next stage's reviewer one DM showing
 * the stage, its due date and the earlier decision (once, however often it is clicked or caught
 * up); the earlier reviewer's message shows the item passed on; the Details modal and the App
 * Home show the stage; a decision entered with the CLI is handed off by serve's catch-up job once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Block } from '../../src/slack/blocks/index.js';
import { DETAILS_VIEW, JUSTIFICATION_VIEW, REVIEW_ACTION_IDS, textPreview } from '../../src/slack/blocks/index.js';
import { decideItem } from '../../src/reviews/decide-item.js';
import { MAX_ATTEMPTS } from '../../src/slack/stage-delivery.js';
import { appHomeOpenedEvent, eventCallbackBody, interactivityBody, textInputValue, viewSubmissionPayload } from '../fakes/slack-requests.js';
import type { FakeSlackMessage } from '../fakes/fake-slack.js';
import { countRowsRead } from '../helpers/counting-campaigns.js';
import { CAMPAIGN, PEOPLE, SlackHarness, STAGED_REVIEW_YAML } from './slack-harness.js';

const JUSTIFICATION = 'Moved to the back office in October; no longer trades.';
const DAY = 86_400_000;

const preview = (blocks: unknown[]) => textPreview(blocks as Block[]);
/** The status line (or the buttons) under an item in a message. */
const statusOf = (m: FakeSlackMessage, itemId: string) => preview((m.blocks as Block[]).filter((b) => b.block_id === `act:${itemId}`)).trim();

describe('multi-stage reviews in Slack', () => {
  let h: SlackHarness;
  afterEach(() => h.close());

  /** The messages to head-of-trading that hand over a later-stage item. */
  const handOffs = () => h.fake.messagesIn(PEOPLE.head).filter((m) => /Stage 2 of 2/.test(m.text ?? ''));

  /** The staged review opened and delivered in Slack, then alice's item revoked at stage 1 by boss with the CLI (not handed off yet). */
  async function revokedWithTheCli(operator?: string) {
    h = await SlackHarness.create({}, STAGED_REVIEW_YAML);
    await h.startSlack();
    await h.openAndDeliver();
    const alice = await h.item('alice-acc');
    const boss = { id: 'boss', email: 'boss@example.com', slackId: null, label: 'boss@example.com' };
    const decided = await decideItem(h.deps(), { itemId: alice.id, outcome: 'revoke', actor: boss, channel: 'cli', justification: JUSTIFICATION, ...(operator ? { operator } : {}) });
    return { alice, decided };
  }

  it('a stage-1 revoke clicked in Slack reaches the stage-2 reviewer once, with the stage, its due date and the revoke; Details, App Home and the earlier message follow', async () => {
    h = await SlackHarness.create({}, STAGED_REVIEW_YAML);
    await h.startSlack();
    await h.openAndDeliver();
    const alice = await h.item('alice-acc');
    expect(h.fake.messagesIn(PEOPLE.head)).toHaveLength(1); // head's own page (the service account)
    // Before any decision, boss's message shows the item at stage 1 with its due date there.
    const bossPage = () => h.fake.messagesIn(PEOPLE.boss)[0]!;
    expect(preview(bossPage().blocks)).toContain(':busts_in_silhouette: *Stage 1 of 2: Manager review* · due 2026-12-04');

    // A revoke at stage 1 needs a justification: the modal, then its submission.
    await h.click('boss', h.button(REVIEW_ACTION_IDS.revoke, alice.id), { itemId: alice.id });
    await h.settled();
    const [modal] = h.fake.modalsOf(PEOPLE.boss);
    expect(modal!.view.callback_id).toBe(JUSTIFICATION_VIEW.callbackId);
    const submitted = await h.post(
      interactivityBody(viewSubmissionPayload({ user: { id: PEOPLE.boss }, callbackId: JUSTIFICATION_VIEW.callbackId, privateMetadata: String(modal!.view.private_metadata), values: { [JUSTIFICATION_VIEW.blockId]: { [JUSTIFICATION_VIEW.actionId]: textInputValue(JUSTIFICATION) } } })),
    );
    expect(submitted.status).toBe(200);
    await h.settled();
    const atStage2 = await h.item('alice-acc');
    expect(atStage2).toMatchObject({ state: 'pending', stage: 2, reviewerId: 'head-of-trading' });

    // head-of-trading got one DM with the item: the stage, its due there, boss's revoke and why.
    const [handOff, ...more] = handOffs();
    expect(more).toEqual([]);
    expect(handOff!.channel).toBe(h.fake.dmChannelOf(PEOPLE.head));
    const text = preview(handOff!.blocks);
    const dueDay = atStage2.stageDueAt!.slice(0, 10);
    expect(atStage2.stageDueAt).toBe(new Date(h.clock.getTime() + 7 * DAY).toISOString());
    expect(text).toContain('this item has reached *Stage 2 of 2: Owner confirmation* of the review');
    expect(text).toContain(`*Due:* ${dueDay}`);
    expect(text).toContain(`Stage 2 of 2: Owner confirmation* · due ${dueDay}`);
    expect(text).toMatch(/Stage 1 \(Manager review\): :no_entry: \*Revoked\* by boss · 2026-11-24 09:00 UTC — “Moved to the back office in October; no longer trades\.”/);
    expect(statusOf(handOff!, alice.id)).toMatch(/Approve.*Revoke/s);
    const delivery = await h.app.store.deliveries.get(`${CAMPAIGN}|head-of-trading|review|s2:${alice.id}`);
    expect(delivery).toMatchObject({ state: 'sent', channel: handOff!.channel, ts: handOff!.ts });
    expect((await h.ledger('message.sent')).filter((e) => e.data.stageItem === alice.id).map((e) => e.data)).toEqual([expect.objectContaining({ reviewerId: 'head-of-trading', stage: 2, items: 1 })]);

    // boss's message shows the item as decided by boss and passed on, not as delegated.
    expect(statusOf(bossPage(), alice.id)).toBe(':no_entry: *Revoked* by you: now with Head of Trading for stage 2 (Owner confirmation)');

    // Clicking again is refused (already decided) and sends nothing; nor do the Slack path and the catch-up again.
    await h.click('boss', h.button(REVIEW_ACTION_IDS.revoke, alice.id), { itemId: alice.id });
    await h.settled();
    expect(h.answersTo('boss').at(-1)).toMatch(/already|decided/i);
    expect(await h.slack!.services.stages.deliverItems(CAMPAIGN, [alice.id])).toBe(0);
    expect(await h.slack!.services.stages.catchUp()).toMatchObject({ campaigns: 1, atLaterStages: 1, alreadyTold: 1, sent: 0, failed: [] });
    expect(handOffs()).toHaveLength(1);

    // Details shows the stage and the earlier decision in full.
    await h.click('head', h.button(REVIEW_ACTION_IDS.details, alice.id), { fromHome: true });
    await h.settled();
    const details = h.fake.modalsOf(PEOPLE.head).find((m) => m.view.callback_id === DETAILS_VIEW.callbackId);
    expect(preview(details!.view.blocks as unknown[])).toMatch(/\*Stage 2 of 2: Owner confirmation\* · due .*\n\*Stage 1 \(Manager review\):\* Revoked by boss · 2026-11-24 09:00 UTC\n> Moved to the back office/);

    // head's App Home lists the item with its stage; the security team's overview counts pending items per stage.
    await h.post(eventCallbackBody({ event: appHomeOpenedEvent(PEOPLE.head) }));
    await h.post(eventCallbackBody({ event: appHomeOpenedEvent(PEOPLE.sec) }));
    await h.settled();
    const headHome = preview(h.fake.homeOf(PEOPLE.head)!.view.blocks as unknown[]);
    expect(headHome).toContain('Stage 2 of 2: Owner confirmation* · due');
    expect(headHome).toContain('Stage 1 (Manager review): :no_entry: *Revoked* by boss');
    const secHome = preview(h.fake.homeOf(PEOPLE.sec)!.view.blocks as unknown[]);
    expect(secHome).toMatch(/5 pending \(stage 1 Manager review: 4, stage 2 Owner confirmation: 1\)/);

    // The owner overturns the revoke (the last stage decides): both messages show the final approval.
    await h.click('head', h.button(REVIEW_ACTION_IDS.approve, alice.id), { fromHome: true });
    await h.settled();
    expect(await h.app.store.campaigns.decision(alice.id)).toMatchObject({ outcome: 'approve', reviewerId: 'head-of-trading', stage: 2 });
    expect(statusOf(handOffs()[0]!, alice.id)).toMatch(/^:white_check_mark: \*Approved\* by Head of Trading/);
    expect(statusOf(bossPage(), alice.id)).toMatch(/^:white_check_mark: \*Approved\* by Head of Trading/);
    expect(handOffs()).toHaveLength(1);
  });

  it('a stage-1 decision entered with the CLI is handed off by serve’s catch-up job, exactly once', async () => {
    const { alice, decided } = await revokedWithTheCli('ops@host');
    expect(decided.advancedTo).toMatchObject({ number: 2 });
    expect(handOffs()).toEqual([]);

    await h.withServer(async (server) => {
      await server.initialSync;
      const job = server.jobs.find((j) => j.name === 'reviews:stage-hand-off')!;
      expect(job.cron).toBe('*/5 * * * *');
      await job.run(h.clock);
      await job.run(h.clock);
      const [handOff, ...more] = handOffs();
      expect(more).toEqual([]);
      expect(preview(handOff!.blocks)).toMatch(/Stage 1 \(Manager review\): :no_entry: \*Revoked\* by boss · 2026-11-24 09:00 UTC — “Moved to the back office/);
      const sent = (await h.ledger('message.sent')).filter((e) => e.data.stageItem === alice.id);
      expect(sent.map((e) => [e.actor, e.subject])).toEqual([['scheduler', `${CAMPAIGN}|head-of-trading|review|s2:${alice.id}`]]);
      // The catch-up also updates boss's message to show the item passed on (once: the second run found nothing to do).
      const bossPage = h.fake.messagesIn(PEOPLE.boss)[0]!;
      expect(bossPage.updates).toBe(1);
      expect(statusOf(bossPage, alice.id)).toBe(':no_entry: *Revoked* by you: now with Head of Trading for stage 2 (Owner confirmation)');
    });
  });

  it('the catch-up reads the items pending at a later stage only, never the whole campaign', async () => {
    await revokedWithTheCli();
    expect(await h.app.store.campaigns.countItems(CAMPAIGN)).toBe(5);
    const stages = h.slack!.services.stages;
    const first = await countRowsRead(h.app.store, () => stages.catchUp());
    expect(first.result).toMatchObject({ campaigns: 1, atLaterStages: 1, alreadyTold: 0, sent: 1 });
    expect(first.read.byMethod.pendingAtLaterStages).toBe(1);
    // No read of the campaign's items: the item itself, then those of the messages updated and sent, one by one.
    expect(Object.keys(first.read.byMethod).sort()).toEqual(['item', 'pendingAtLaterStages', 'stageDecisions']);
    // Nothing left to do: the later-stage item alone, checked against head's messages.
    const again = await countRowsRead(h.app.store, () => stages.catchUp());
    expect(again.result).toMatchObject({ campaigns: 1, atLaterStages: 1, alreadyTold: 1, sent: 0 });
    expect(again.read).toEqual({ byMethod: { pendingAtLaterStages: 1 }, items: 1, decisions: 0 });
    expect(handOffs()).toHaveLength(1);
  });

  it('the catch-up retries a failed hand-off up to MAX_ATTEMPTS times, each ledgered, then reports it given up', async () => {
    const { alice } = await revokedWithTheCli();
    const id = `${CAMPAIGN}|head-of-trading|review|s2:${alice.id}`;
    const stages = h.slack!.services.stages;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      h.fake.failNext('chat.postMessage', 1, { type: 'error', error: 'channel_not_found' });
      expect(await stages.catchUp()).toMatchObject({ sent: 0, failed: [{ deliveryId: id, error: 'channel_not_found' }], gaveUp: [] });
      expect(await h.app.store.deliveries.get(id)).toMatchObject({ state: 'failed', attempts: attempt });
    }
    expect(await stages.catchUp()).toMatchObject({ sent: 0, failed: [], gaveUp: [id] });
    expect((await h.ledger('message.failed')).filter((e) => e.subject === id)).toHaveLength(MAX_ATTEMPTS);
    expect(handOffs()).toEqual([]);
  });
});
