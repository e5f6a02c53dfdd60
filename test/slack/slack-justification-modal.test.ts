/**
 * Through the real Bolt receiver: an Approve or Revoke click opens the justification modal only
 * when decideItem refuses with `justification_required` (every authorisation guard passed). Any
 * other refusal is answered with its message and opens no modal, even on a Revoke, which always
 * needs a justification here. Both kinds are ledgered with their code.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JUSTIFICATION_VIEW, REVIEW_ACTION_IDS, parseModalMetadata } from '../../src/slack/blocks/index.js';
import { CAMPAIGN, PEOPLE, SlackHarness } from './slack-harness.js';
import type { Person } from './slack-harness.js';

describe('the justification modal', () => {
  let h: SlackHarness;
  beforeEach(async () => {
    h = await SlackHarness.create();
    await h.startSlack();
    await h.openAndDeliver();
  });
  afterEach(() => h.close());

  const refusalCodes = async () => (await h.ledger('access.refused')).map((e) => e.data.code);

  it('opens for justification_required: the refused attempt is ledgered, nothing is decided or answered', async () => {
    const alice = await h.item('alice-acc');
    await h.click('boss', h.button(REVIEW_ACTION_IDS.revoke, alice.id), { itemId: alice.id });
    await h.settled();
    const modals = h.fake.modalsOf(PEOPLE.boss);
    expect(modals).toHaveLength(1);
    const [modal] = modals;
    expect(modal!.view).toMatchObject({ callback_id: JUSTIFICATION_VIEW.callbackId });
    expect(parseModalMetadata(String(modal!.view.private_metadata))).toMatchObject({ itemId: alice.id, outcome: 'revoke' });
    expect(await h.ledger('access.refused')).toMatchObject([{ actor: 'boss@example.com', subject: alice.id, data: { code: 'justification_required', action: 'decide:revoke', channel: 'slack', slackId: PEOPLE.boss } }]);
    expect(await h.app.store.campaigns.decision(alice.id)).toBeNull();
    expect(h.answersTo('boss')).toEqual([]);
  });

  it('opens for no other refusal: each is answered with its message (a Revoke included) and ledgered with its code', async () => {
    /** Clicks Revoke and waits for the one new answer (ephemeral, or DM when there is no message to answer in). */
    const refusedRevoke = async (who: Person, itemId: string, answer: RegExp, opts: { fromHome?: boolean } = {}) => {
      const before = h.answersTo(who);
      await h.click(who, h.button(REVIEW_ACTION_IDS.revoke, itemId), opts.fromHome ? { fromHome: true } : { itemId });
      await h.settled();
      const after = h.answersTo(who);
      expect(after).toHaveLength(before.length + 1);
      expect(after.filter((t) => !before.includes(t))).toEqual([expect.stringMatching(answer)]);
    };

    // not_reviewer: boss's access is bigboss's to decide.
    await refusedRevoke('sec', (await h.item('boss-acc')).id, /sec@example.com is not the assigned reviewer of this item/);
    // self_review: alice on her own access.
    await refusedRevoke('alice', (await h.item('alice-acc')).id, /nobody may decide on their own access/);
    // not_pending: boss approved bob's VIEWER (no justification needed), then clicks Revoke on it.
    const bob = await h.item('bob-acc');
    await h.click('boss', h.button(REVIEW_ACTION_IDS.approve, bob.id), { itemId: bob.id });
    await h.settled();
    expect(await h.app.store.campaigns.decision(bob.id)).not.toBeNull();
    await refusedRevoke('boss', bob.id, /already approved by boss@example.com at /);
    // item_not_found: the button of an item that does not exist, clicked in the App Home.
    await refusedRevoke('boss', `${CAMPAIGN}/nope`, /no review item "semiannual:2026-H2\/nope"/, { fromHome: true });
    // campaign_closed: the campaign closed before the click.
    await h.app.store.campaigns.transition(CAMPAIGN, 'open', 'closed', h.clock.toISOString(), () => []);
    await refusedRevoke('boss', (await h.item('alice-acc')).id, /is closed: decisions are closed/);

    expect(await refusalCodes()).toEqual(['not_reviewer', 'self_review', 'not_pending', 'item_not_found', 'campaign_closed']);
    expect(h.fake.callsTo('views.open')).toHaveLength(0);
    expect(await h.app.store.campaigns.decisions(CAMPAIGN)).toHaveLength(1);
  });
});
