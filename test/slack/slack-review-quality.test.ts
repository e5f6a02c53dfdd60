/**
 * Rubber-stamp detection at close: `iam-review campaign close` DMs the security team
 * (reviews/roles.yaml securityTeam: sec) the reviewers flagged by review-quality observations,
 * through the real WebClient against the fake Slack Web API. One DM per member, ledgered as
 * `message.sent` with its delivery; a re-run sends nothing more, a failed DM is ledgered and
 * retried by the next run; a campaign with nobody flagged sends nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { campaignCommand } from '../../src/cli/campaign-command.js';
import { decideItem } from '../../src/reviews/decide-item.js';
import { ReviewError } from '../../src/reviews/review-error.js';
import { captureIo } from '../helpers/capture-io.js';
import { grant, seedGrants } from '../helpers/seed-state.js';
import { CAMPAIGN, PEOPLE, SlackHarness } from './slack-harness.js';

describe('review quality at close: a DM to the security team', () => {
  let h: SlackHarness;
  beforeEach(async () => {
    h = await SlackHarness.create();
    await h.startSlack();
    // boss (alice's and bob's manager) gets 28 items: the harness's three (bob-trader with a high finding) and 25 VIEWER grants of alice.
    await seedGrants(h.app.store, 'trading', [
      grant('trading', 'alice-acc', 'TRADER', 'alice'),
      grant('trading', 'bob-acc', 'VIEWER', 'bob'),
      grant('trading', 'bob-trader', 'TRADER', 'bob'),
      grant('trading', 'boss-acc', 'TRADER', 'boss'),
      grant('trading', 'svc-x', 'VIEWER', null, { accountType: 'service' }),
      ...Array.from({ length: 25 }, (_, i) => grant('trading', `alice-view-${i}`, 'VIEWER', 'alice', { scope: `desk-${i}` })),
    ]);
    await h.openAndDeliver();
  });
  afterEach(() => h.close());

  const actor = (id: string) => ({ id, email: `${id}@example.com`, slackId: null, label: `${id}@example.com` });

  /** Every item of `reviewer` approved (with `revokeFindings`, those with findings revoked), `gapMs` apart on the harness clock. */
  async function approveAll(reviewer: string, gapMs: number, revokeFindings = false): Promise<number> {
    const mine = (await h.app.store.campaigns.items(CAMPAIGN)).filter((i) => i.reviewerId === reviewer);
    for (const item of mine) {
      h.clock = new Date(h.clock.getTime() + gapMs);
      const outcome = revokeFindings && item.findings.length > 0 ? 'revoke' : 'approve';
      await decideItem(h.deps(), { itemId: item.id, outcome, actor: actor(reviewer), channel: 'cli', justification: 'still needed for the desk' });
    }
    return mine.length;
  }

  async function cliClose(): Promise<string> {
    const io = captureIo();
    await campaignCommand({ ...h.ctx, io }).parseAsync(['close', CAMPAIGN, '--as', 'sec@example.com'], { from: 'user' });
    return io.stdout();
  }

  const qualityEvents = async (type: string) => (await h.ledger(type)).filter((e) => e.data.purpose === 'review-quality');

  it('boss approved 28 items a second apart, a high finding included: sec gets one DM naming boss; bigboss, careful, is not named', async () => {
    expect(await approveAll('boss', 1_000)).toBe(28);
    await approveAll('bigboss', 3_600_000);
    h.clock = new Date('2026-12-10T16:00:00Z');

    const out = await cliClose();
    expect(out).toContain('\nReview quality: 1 reviewer(s) flagged; 1 DM(s) sent to the security team.');
    const dms = h.fake.messagesIn(PEOPLE.sec);
    expect(dms).toHaveLength(1);
    expect(dms[0]!.text).toBe('Review quality: 1 reviewer flagged in Half-yearly review 2026-H2');
    const body = JSON.stringify(dms[0]!.blocks);
    expect(body).toContain('`approved-everything` approved all of 28 items (at least 20), 1 of them with a high or more severe finding');
    expect(body).toContain('`fast-decisions` 28 decisions a median 1 s apart (under 3 s), the fastest 1 s');
    expect(body).toContain('• *boss &lt;boss@example.com&gt;*: `approved-everything`');
    expect(body).not.toContain('bigboss');

    const [sent, ...more] = await qualityEvents('message.sent');
    expect(more).toEqual([]);
    expect(sent).toMatchObject({
      actor: 'sec@example.com',
      subject: `${CAMPAIGN}|sec@example.com|notice|review-quality`,
      data: { kind: 'notice', campaignId: CAMPAIGN, recipient: 'sec@example.com', flagged: [{ reviewerId: 'boss', patterns: ['approved-everything', 'fast-decisions'] }], channel: h.fake.dmChannelOf(PEOPLE.sec), ts: dms[0]!.ts },
    });
    expect(await h.app.store.deliveries.get(sent!.subject)).toMatchObject({ state: 'sent', kind: 'notice', recipient: 'sec@example.com', attempts: 1 });

    // Idempotent: closing again sends and ledgers nothing more.
    const events = (await h.ledger()).length;
    expect(await cliClose()).toContain('\nReview quality: 1 reviewer(s) flagged; 0 DM(s) sent to the security team, 1 sent earlier.');
    expect(h.fake.messagesIn(PEOPLE.sec)).toHaveLength(1);
    expect(await h.ledger()).toHaveLength(events);
  });

  it('a DM Slack refuses is ledgered as message.failed and sent by the next run, once', async () => {
    await approveAll('boss', 500);
    h.fake.failNext('chat.postMessage', 1, { type: 'error', error: 'channel_not_found' });
    expect(await cliClose()).toContain('Review quality: 1 reviewer(s) flagged; 0 DM(s) sent to the security team, 1 failed (channel_not_found; run `campaign close semiannual:2026-H2` again to retry).');
    expect(await qualityEvents('message.failed')).toEqual([expect.objectContaining({ data: expect.objectContaining({ recipient: 'sec@example.com', error: 'channel_not_found' }) })]);
    expect(await qualityEvents('message.sent')).toEqual([]);

    expect(await cliClose()).toContain('Review quality: 1 reviewer(s) flagged; 1 DM(s) sent to the security team.');
    expect(await cliClose()).toContain('1 sent earlier');
    expect(h.fake.messagesIn(PEOPLE.sec)).toHaveLength(1);
    expect(await qualityEvents('message.sent')).toHaveLength(1);
    expect(await h.app.store.deliveries.get(`${CAMPAIGN}|sec@example.com|notice|review-quality`)).toMatchObject({ state: 'sent', attempts: 2 });
  });

  it('nobody flagged: no DM, nothing ledgered; a campaign still open is refused', async () => {
    await expect(h.slack!.services.reviewQuality.notifyClosed(CAMPAIGN)).rejects.toThrow(ReviewError);
    await approveAll('boss', 60_000, true);
    const out = await cliClose();
    expect(out).not.toContain('Review quality');
    expect(h.fake.messagesIn(PEOPLE.sec)).toEqual([]);
    expect(await qualityEvents('message.sent')).toEqual([]);
    expect(await h.slack!.services.reviewQuality.notifyClosed(CAMPAIGN)).toEqual({ campaignId: CAMPAIGN, flagged: 0, sent: 0, alreadySent: 0, failed: [], uncertain: [] });
  });
});
