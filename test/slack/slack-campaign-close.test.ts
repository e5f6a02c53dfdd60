/**
 * Closing a campaign updates its review messages in place: through the real Bolt app and
 * WebClient against the fake Slack Web API, after clicks, a revocation and a delegation, and
 * through `iam-review campaign close` (which updates the messages when Slack is configured).
 * boss's items span two pages; head-of-trading has a page of their own and a delegated one.
 */
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { openApp } from '../../src/app.js';
import { campaignCommand } from '../../src/cli/campaign-command.js';
import { closeCampaign } from '../../src/reviews/close-campaign.js';
import { decideItem } from '../../src/reviews/decide-item.js';
import { delegateItem } from '../../src/reviews/delegate-item.js';
import { ReviewError } from '../../src/reviews/review-error.js';
import { REVIEW_ACTION_IDS } from '../../src/slack/blocks/index.js';
import type { Delivery } from '../../src/store/ports.js';
import type { FakeSlackMessage } from '../fakes/fake-slack.js';
import { captureIo } from '../helpers/capture-io.js';
import { grant, seedGrants } from '../helpers/seed-state.js';
import { CAMPAIGN, SlackHarness } from './slack-harness.js';

const EXTRA_GRANTS = 30;

describe('closing a campaign updates its review messages', () => {
  let h: SlackHarness;
  beforeEach(async () => {
    h = await SlackHarness.create();
    await h.startSlack();
    // The harness's grants, plus 30 VIEWER grants of alice: boss (her manager) gets two pages.
    await seedGrants(h.app.store, 'trading', [
      grant('trading', 'alice-acc', 'TRADER', 'alice'),
      grant('trading', 'bob-acc', 'VIEWER', 'bob'),
      grant('trading', 'bob-trader', 'TRADER', 'bob'),
      grant('trading', 'boss-acc', 'TRADER', 'boss'),
      grant('trading', 'svc-x', 'VIEWER', null, { accountType: 'service' }),
      ...Array.from({ length: EXTRA_GRANTS }, (_, i) => grant('trading', `alice-view-${i}`, 'VIEWER', 'alice', { scope: `desk-${i}` })),
    ]);
    await h.openAndDeliver();
    await decideSome();
  });
  afterEach(() => h.close());

  /** boss approves alice-acc by clicking, revokes bob-trader with a reason; bigboss delegates boss-acc to head-of-trading. */
  async function decideSome(): Promise<void> {
    const approved = await h.item('alice-acc');
    await h.click('boss', h.button(REVIEW_ACTION_IDS.approve, approved.id), { itemId: approved.id });
    await h.settled();
    expect(await h.app.store.campaigns.item(approved.id)).toMatchObject({ state: 'approved' });
    const revoked = await h.item('bob-trader');
    await decideItem(h.deps(), { itemId: revoked.id, outcome: 'revoke', actor: actor('boss'), channel: 'cli', justification: 'Not in Trading any more' });
    const delegated = await delegateItem(h.deps(), { itemId: (await h.item('boss-acc')).id, actor: actor('bigboss'), to: 'head-of-trading@example.com' });
    await h.slack!.services.delivery.deliverDelegated(delegated);
    expect(h.fake.callsTo('chat.update').filter((c) => c.ok).length).toBeGreaterThanOrEqual(2);
    h.clock = new Date('2026-12-10T16:00:00Z');
  }

  function actor(id: string) {
    return { id, email: `${id}@example.com`, slackId: null, label: `${id}@example.com` };
  }

  async function sentPages(): Promise<Delivery[]> {
    return h.app.store.deliveries.list({ campaignId: CAMPAIGN, kind: 'review', state: 'sent' });
  }

  function messageAt(d: Pick<Delivery, 'channel' | 'ts'>): FakeSlackMessage {
    const m = h.fake.messagesIn(d.channel!).find((x) => x.ts === d.ts);
    if (!m) throw new Error(`no message ${d.channel}/${d.ts} in the fake`);
    return m;
  }

  /** The status line of an item on a message (the block that holds its buttons while it is pending). */
  function statusOf(m: FakeSlackMessage, itemId: string): string {
    const block = (m.blocks as Array<{ type: string; block_id?: string; elements?: Array<{ text?: string }> }>).find((b) => b.block_id === `act:${itemId}`);
    if (!block) throw new Error(`item ${itemId} is not on this message`);
    return block.type === 'context' ? (block.elements?.[0]?.text ?? '') : `<${block.type}>`;
  }

  function isClosedRendering(m: FakeSlackMessage): boolean {
    const json = JSON.stringify(m.blocks);
    return !m.blocks.some((b) => (b as { type: string }).type === 'actions') && !/"type":"(button|overflow)"/.test(json) && json.includes('*Closed* <!date^');
  }

  async function closedUpdates() {
    return (await h.ledger('message.updated')).filter((e) => e.data.reason === 'campaign-closed');
  }

  /** `iam-review campaign close` as a user runs it, on the harness's app (or another view of it). */
  async function cliClose(app: App = h.app): Promise<string> {
    const io = captureIo();
    await campaignCommand({ ...h.ctx, io, app: async () => app }).parseAsync(['close', CAMPAIGN, '--as', 'sec@example.com'], { from: 'user' });
    return io.stdout();
  }

  it('`campaign close` turns every review page into a record: no buttons, final states, one message.updated per page', async () => {
    const pages = await sentPages();
    expect(pages.map((d) => d.key).sort()).toEqual(['1', '1', '1', '2', `d:${(await h.item('boss-acc')).id}`].sort());
    expect(pages.filter((d) => !isClosedRendering(messageAt(d)))).toHaveLength(pages.length);

    const out = await cliClose();
    expect(out).toBe(`Closed ${CAMPAIGN}: 1 approved, 1 revoked, ${EXTRA_GRANTS + 3} expired (not reviewed).\nSlack: 5 review message(s) updated to show the closed campaign`);

    // Every review message in the fake (all of them are review pages here) is closed, in place.
    const inSlack = h.fake.allMessages().filter((m) => m.blocks.length > 0);
    expect(inSlack).toHaveLength(pages.length);
    for (const m of inSlack) expect(isClosedRendering(m), JSON.stringify(m.blocks).slice(0, 300)).toBe(true);
    for (const d of pages) expect(messageAt(d).text).toMatch(/: closed 2026-12-10: /);

    const bossPage = async (accountId: string) => {
      const item = await h.item(accountId);
      return { item, message: messageAt(await h.messageOf(item.id)) };
    };
    const approved = await bossPage('alice-acc');
    expect(statusOf(approved.message, approved.item.id)).toMatch(/^:white_check_mark: \*Approved\* by boss · /);
    const revoked = await bossPage('bob-trader');
    expect(statusOf(revoked.message, revoked.item.id)).toMatch(/^:no_entry: \*Revoked\* by boss · .* — “Not in Trading any more”$/);
    const expired = await bossPage('bob-acc');
    expect(statusOf(expired.message, expired.item.id)).toBe(':hourglass_flowing_sand: *Expired*: not reviewed before the campaign closed');
    // The outcome line counts the reviewer's items over all their pages.
    expect(JSON.stringify(expired.message.blocks)).toContain(`: 1 approved, 1 revoked, ${EXTRA_GRANTS + 1} expired (not reviewed) · *Page `);
    // The delegated item expired with head-of-trading: their delegated page and bigboss's page both say so.
    const delegatedItem = await h.item('boss-acc');
    for (const d of pages.filter((p) => (p.payload.itemIds as string[]).includes(delegatedItem.id))) {
      expect(statusOf(messageAt(d), delegatedItem.id)).toMatch(/\*Expired\*: not reviewed/);
    }

    const ledgered = await closedUpdates();
    expect(ledgered.map((e) => e.subject).sort()).toEqual(pages.map((d) => d.id).sort());
    expect(ledgered.every((e) => e.actor === 'sec@example.com')).toBe(true);
    const page2 = pages.find((d) => d.key === '2')!;
    expect(ledgered.find((e) => e.subject === page2.id)!.data).toMatchObject({ campaignId: CAMPAIGN, reviewerId: 'boss', page: '2', channel: page2.channel, ts: page2.ts, items: page2.payload.itemIds });
    expect(await h.ledger('message.failed')).toEqual([]);
  });

  it('is idempotent: a second run updates nothing and ledgers nothing, and so does `campaign close` again', async () => {
    await cliClose();
    const updates = h.fake.callsTo('chat.update').length;
    const ledger = (await h.ledger()).length;

    const again = await h.slack!.services.delivery.updateClosedCampaign(CAMPAIGN);
    expect(again).toEqual({ campaignId: CAMPAIGN, pages: 5, updated: 0, alreadyUpdated: 5, failed: [], uncertain: [] });
    expect(await cliClose()).toMatch(/^Already closed: semiannual:2026-H2 \(at 2026-12-10T16:00:00\.000Z\)\.\nSlack: 0 review message\(s\) updated to show the closed campaign; 5 updated earlier$/);

    expect(h.fake.callsTo('chat.update')).toHaveLength(updates);
    expect(await h.ledger()).toHaveLength(ledger);
    expect(await closedUpdates()).toHaveLength(5);
  });

  it('a page Slack refuses to update is ledgered and reported; the others are updated, and a re-run retries only it', async () => {
    await closeCampaign(h.deps(), CAMPAIGN, 'sec@example.com');
    h.fake.failNext('chat.update', 1, { type: 'error', error: 'message_not_found' });

    const first = await h.slack!.services.delivery.updateClosedCampaign(CAMPAIGN, { actor: 'sec@example.com' });
    expect(first).toMatchObject({ pages: 5, updated: 4, alreadyUpdated: 0, uncertain: [] });
    expect(first.failed).toHaveLength(1);
    const [failed] = first.failed;
    expect(failed!.error).toBe('message_not_found');
    const failedPage = (await sentPages()).find((d) => d.id === failed!.deliveryId)!;
    expect(failedPage.state).toBe('sent');
    expect(isClosedRendering(messageAt(failedPage))).toBe(false);
    for (const d of (await sentPages()).filter((p) => p.id !== failedPage.id)) expect(isClosedRendering(messageAt(d))).toBe(true);
    expect(await h.ledger('message.failed')).toEqual([
      expect.objectContaining({ actor: 'sec@example.com', subject: failedPage.id, data: expect.objectContaining({ reason: 'campaign-closed', error: 'message_not_found', channel: failedPage.channel, ts: failedPage.ts }) }),
    ]);
    expect((await closedUpdates()).map((e) => e.subject)).not.toContain(failedPage.id);

    const retry = await h.slack!.services.delivery.updateClosedCampaign(CAMPAIGN);
    expect(retry).toEqual({ campaignId: CAMPAIGN, pages: 5, updated: 1, alreadyUpdated: 4, failed: [], uncertain: [] });
    expect(isClosedRendering(messageAt(failedPage))).toBe(true);
    expect((await closedUpdates()).map((e) => e.subject).sort()).toEqual((await sentPages()).map((d) => d.id).sort());
  });

  it('two runs at once ledger one message.updated per page: the mark and its event are one compare-and-set', async () => {
    await closeCampaign(h.deps(), CAMPAIGN, 'sec@example.com');
    const runs = await Promise.all([h.slack!.services.delivery.updateClosedCampaign(CAMPAIGN), h.slack!.services.delivery.updateClosedCampaign(CAMPAIGN)]);
    expect(runs.map((r) => r.pages)).toEqual([5, 5]);
    expect(runs[0]!.updated + runs[1]!.updated).toBe(5);
    expect(runs.every((r) => r.updated + r.alreadyUpdated === 5)).toBe(true);
    const pages = await sentPages();
    expect((await closedUpdates()).map((e) => e.subject).sort()).toEqual(pages.map((d) => d.id).sort());
    for (const d of pages) expect(isClosedRendering(messageAt(d))).toBe(true);
  });

  it('a failure writing a page\'s mark leaves no message.updated for it: the re-run updates it again and ledgers it once', async () => {
    await closeCampaign(h.deps(), CAMPAIGN, 'sec@example.com');
    const page = (await sentPages()).find((d) => d.key === '2')!;
    const db = new Database(h.app.env.sqliteFile);
    db.exec(`CREATE TRIGGER inject_mark_fault BEFORE UPDATE ON deliveries WHEN NEW.id = '${page.id}' AND json_type(NEW.payload, '$.closedShownAt') IS NOT NULL
      BEGIN SELECT RAISE(ABORT, 'injected mark fault'); END`);
    await expect(h.slack!.services.delivery.updateClosedCampaign(CAMPAIGN, { concurrency: 1 })).rejects.toThrow('injected mark fault');
    expect(isClosedRendering(messageAt(page))).toBe(true);
    expect((await h.app.store.deliveries.get(page.id))!.payload.closedShownAt).toBeUndefined();
    expect((await closedUpdates()).map((e) => e.subject)).not.toContain(page.id);
    db.exec('DROP TRIGGER inject_mark_fault');
    db.close();

    await h.slack!.services.delivery.updateClosedCampaign(CAMPAIGN);
    expect((await closedUpdates()).map((e) => e.subject).sort()).toEqual((await sentPages()).map((d) => d.id).sort());
    expect(typeof (await h.app.store.deliveries.get(page.id))!.payload.closedShownAt).toBe('string');
  });

  it('a click on an old button of the closed campaign is still refused and changes nothing', async () => {
    await cliClose();
    const item = await h.item('bob-acc');
    const where = await h.messageOf(item.id);
    const before = messageAt(where);
    expect(isClosedRendering(before)).toBe(true);
    const updates = h.fake.callsTo('chat.update').length;

    await h.click('boss', h.button(REVIEW_ACTION_IDS.approve, item.id), { itemId: item.id });
    await h.click('boss', { type: 'button', actionId: REVIEW_ACTION_IDS.approveAll, blockId: 'review_bulk', value: CAMPAIGN }, { itemId: item.id });
    await h.settled();
    const answers = h.ephemeralsFor('boss');
    expect(answers).toHaveLength(2);
    for (const a of answers) expect(a).toMatch(/semiannual:2026-H2 is closed: decisions are closed/);

    expect((await h.item('bob-acc')).state).toBe('expired');
    expect(await h.app.store.campaigns.decision(item.id)).toBeNull();
    expect(h.fake.callsTo('chat.update')).toHaveLength(updates);
    expect(messageAt(where).blocks).toEqual(before.blocks);
  });

  it('without Slack configured, `campaign close` closes and touches no message', async () => {
    const updates = h.fake.callsTo('chat.update').length;
    // The same store and clock, in an app built from an environment without a bot token.
    const withoutSlack = await openApp({ ...h.app.env, SLACK_BOT_TOKEN: undefined }, { store: h.app.store, now: h.app.now, log: h.app.log });
    const out = await cliClose(withoutSlack);
    expect(out).toBe(`Closed ${CAMPAIGN}: 1 approved, 1 revoked, ${EXTRA_GRANTS + 3} expired (not reviewed).`);
    expect((await h.app.store.campaigns.get(CAMPAIGN))!.state).toBe('closed');
    expect(h.fake.callsTo('chat.update')).toHaveLength(updates);
    expect(await closedUpdates()).toEqual([]);
  });

  it('refuses to update the messages of a campaign still open', async () => {
    await expect(h.slack!.services.delivery.updateClosedCampaign(CAMPAIGN)).rejects.toThrow(ReviewError);
    await expect(h.slack!.services.delivery.updateClosedCampaign(CAMPAIGN)).rejects.toThrow(/is open: its review messages still take decisions/);
    expect(await closedUpdates()).toEqual([]);
  });
});
