/**
 * The reviewer's other paths through the real Bolt receiver: approve-with-findings (modal),
 * approve all without findings, delegation (users_select modal: refused targets answer under the
 * field, an accepted one reaches the new reviewer), the App Home, and `/access-review`.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DELEGATE_VIEW, JUSTIFICATION_VIEW, REVIEW_ACTION_IDS, overflowValue } from '../../src/slack/blocks/index.js';
import { appHomeOpenedEvent, eventCallbackBody, interactivityBody, slashCommandBody, usersSelectValue, viewSubmissionPayload } from '../fakes/slack-requests.js';
import { CAMPAIGN, PEOPLE, SlackHarness } from './slack-harness.js';

describe('reviewer interactions', () => {
  let h: SlackHarness;
  beforeEach(async () => {
    h = await SlackHarness.create();
    await h.startSlack();
    await h.openAndDeliver();
  });
  afterEach(() => h.close());

  it('approving an item with findings opens the justification modal instead of deciding', async () => {
    const flagged = await h.item('bob-trader');
    await h.click('boss', h.button(REVIEW_ACTION_IDS.approve, flagged.id), { itemId: flagged.id });
    await h.settled();
    const [modal, ...more] = h.fake.modalsOf(PEOPLE.boss);
    expect(more).toEqual([]);
    expect(modal!.view).toMatchObject({ callback_id: JUSTIFICATION_VIEW.callbackId, title: { text: 'Approve with findings' } });
    expect(await h.app.store.campaigns.decision(flagged.id)).toBeNull();
  });

  it('approve all approves only the clicking reviewer’s items without findings, one decision each', async () => {
    await h.click('boss', { type: 'button', actionId: REVIEW_ACTION_IDS.approveAll, blockId: 'review_bulk', value: CAMPAIGN }, { itemId: (await h.item('alice-acc')).id });
    await h.settled();
    expect(h.ephemeralsFor('boss')).toEqual([expect.stringMatching(/Approved 2 items without findings\. 1 item with findings still need/)]);
    const decided = await h.app.store.campaigns.decisions(CAMPAIGN);
    expect(decided.map((d) => d.reviewerId)).toEqual(['boss', 'boss']);
    // Marked as approve-all in the row and its ledger event (rubber-stamp detection counts them).
    expect(decided.map((d) => d.approveAll)).toEqual([true, true]);
    expect((await h.item('bob-trader')).state).toBe('pending');
    expect((await h.ledger('decision.recorded')).map((e) => e.data.approveAll)).toEqual([true, true]);
    // One chat.update for boss's (single-page) message.
    expect(h.fake.callsTo('chat.update')).toHaveLength(1);
    // decisions.csv says which decisions came through approve-all; an undecided item says nothing.
    const dir = join(mkdtempSync(join(tmpdir(), 'iam-approve-all-')), 'pack');
    await h.app.evidence.write({ campaigns: [(await h.app.store.campaigns.get(CAMPAIGN))!], dir, formats: new Set(['csv']), exportedBy: 'sec@example.com' });
    const rows = parse(readFileSync(join(dir, 'decisions.csv'), 'utf8'), { columns: true, bom: true }) as Record<string, string>[];
    expect(rows.filter((r) => r.decision !== '').map((r) => [r.decision, r.approve_all])).toEqual([['approve', 'yes'], ['approve', 'yes']]);
    expect(new Set(rows.filter((r) => r.decision === '').map((r) => r.approve_all))).toEqual(new Set(['']));
  });

  it('delegation: the subject is refused under the field; an accepted delegate gets the item and can decide it', async () => {
    const item = await h.item('alice-acc');
    await h.click('boss', { type: 'overflow', actionId: REVIEW_ACTION_IDS.more, blockId: `act:${item.id}`, selectedValue: overflowValue('delegate', item.id) }, { itemId: item.id });
    await h.settled();
    const [modal, ...more] = h.fake.modalsOf(PEOPLE.boss);
    expect(more).toEqual([]);
    expect(modal!.view.callback_id).toBe(DELEGATE_VIEW.callbackId);
    const submit = (to: string) =>
      h.post(
        interactivityBody(
          viewSubmissionPayload({ user: { id: PEOPLE.boss }, callbackId: DELEGATE_VIEW.callbackId, privateMetadata: String(modal!.view.private_metadata), values: { [DELEGATE_VIEW.userBlockId]: { [DELEGATE_VIEW.userActionId]: usersSelectValue(to) } } }),
        ),
      );
    const refused = await submit(PEOPLE.alice);
    expect(refused.json).toEqual({ response_action: 'errors', errors: { [DELEGATE_VIEW.userBlockId]: expect.stringMatching(/subject of this item/) } });
    expect((await h.ledger('access.refused'))[0]).toMatchObject({ data: { action: 'delegate', to: 'alice@example.com' } });

    const accepted = await submit(PEOPLE.head);
    expect(accepted.status).toBe(200);
    expect(accepted.text).toBe('');
    expect(await h.app.store.campaigns.item(item.id)).toMatchObject({ reviewerId: 'head-of-trading', reviewerSource: 'delegated', state: 'pending' });
    // head-of-trading gets a message with the item; boss's message shows where it went.
    await h.settled();
    expect(await h.app.store.deliveries.get(`${CAMPAIGN}|head-of-trading|review|d:${item.id}`)).toMatchObject({ state: 'sent' });
    const bossMessage = h.fake.messagesIn(PEOPLE.boss)[0]!;
    expect(bossMessage.updates).toBe(1);
    expect(JSON.stringify(bossMessage.blocks)).toMatch(/Delegated\* to Head of Trading/);

    // The delegate decides from the new message; boss no longer can.
    await h.click('boss', h.button(REVIEW_ACTION_IDS.approve, item.id), { itemId: item.id });
    await h.settled();
    expect(h.answersTo('boss')).toEqual([expect.stringMatching(/Delegated\. They got a message/), expect.stringMatching(/not the assigned reviewer/)]);
    const delegated = await h.app.store.deliveries.get(`${CAMPAIGN}|head-of-trading|review|d:${item.id}`);
    await h.click('head', h.button(REVIEW_ACTION_IDS.approve, item.id), { itemId: item.id });
    await h.settled();
    expect(await h.app.store.campaigns.decision(item.id)).toMatchObject({ reviewerId: 'head-of-trading', outcome: 'approve' });
    expect(delegated?.channel).toBe(h.fake.dmChannelOf(PEOPLE.head));
  });

  it('App Home: the user’s pending items; the security team also sees every open campaign’s progress', async () => {
    await h.post(eventCallbackBody({ event: appHomeOpenedEvent(PEOPLE.boss) }));
    await h.settled();
    const home = h.fake.homeOf(PEOPLE.boss);
    const bossHome = JSON.stringify(home!.view.blocks);
    expect(bossHome).toMatch(/Half-yearly review 2026-H2\* · due/);
    expect(bossHome).toMatch(/3 pending/);
    expect(bossHome).not.toMatch(/security team/);

    await h.post(eventCallbackBody({ event: appHomeOpenedEvent(PEOPLE.sec) }));
    await h.settled();
    const secHome = JSON.stringify(h.fake.homeOf(PEOPLE.sec)!.view.blocks);
    expect(secHome).toMatch(/Nothing is waiting for you/);
    expect(secHome).toMatch(/Open campaigns \(security team\)/);
    expect(secHome).toMatch(/0\/5 decided · 5 pending/);
  });

  it('/access-review: help, status, and open / remind for the security team', async () => {
    const command = (who: keyof typeof PEOPLE, text: string) => h.post(slashCommandBody({ user: { id: PEOPLE[who] }, command: '/access-review', text }));
    expect((await command('boss', 'help')).text).toMatch(/status \[campaign\]|`status`/);
    expect((await command('boss', 'status')).text).toMatch(/Half-yearly review 2026-H2\* \(`semiannual:2026-H2`\), due 2026-12-08: 3 items pending for you/);
    expect((await command('boss', `status ${CAMPAIGN}`)).text).toMatch(/5 items: 0 approved, 0 revoked, 5 pending[\s\S]*Yours: 0 done, 3 pending/);
    expect((await command('sec', `status ${CAMPAIGN}`)).text).toMatch(/• boss: 0 done, 3 pending/);
    expect((await command('boss', 'status nope:2026')).text).toMatch(/no campaign "nope:2026"/);

    const remind = await command('sec', `remind ${CAMPAIGN}`);
    expect(remind.text).toMatch(/Sending reminders/);
    await h.settled();
    expect(await h.ledger('reminder.sent')).toHaveLength(3);
    expect(h.answersTo('sec')).toEqual([expect.stringMatching(/Reminders for `semiannual:2026-H2`: 3 sent/)]);
    // Once a day: reminding again sends nothing new.
    await command('sec', `remind ${CAMPAIGN}`);
    await h.settled();
    expect(h.answersTo('sec').filter((t) => /Reminders for/.test(t))).toHaveLength(2);
    expect(await h.ledger('reminder.sent')).toHaveLength(3);

    const open = await command('sec', 'open semiannual');
    expect(open.text).toMatch(/Opening \*Half-yearly review\*/);
    await h.settled();
    expect(h.answersTo('sec')).toContainEqual(expect.stringMatching(/Already open: \*Half-yearly review 2026-H2\*.*0 sent now, 3 sent before/));
    expect((await command('sec', 'open no-such-review')).text).toMatch(/unknown review "no-such-review"/);
  });
});
