/**
 * Every refusal of the review operations (decide, approve all, delegate) is ledgered: one
 * `access.refused` line naming who tried what, the guard's code and its message, and nothing
 * else changes. A repeated decision is a refusal (not_pending), never a second decision. The
 * refusal codes keep the CLI's exit codes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { asCliError } from '../../src/cli/review-errors.js';
import { verifyRun } from '../../src/domain/index.js';
import { approveAllWithoutFindings } from '../../src/reviews/approve-all.js';
import { decideItem } from '../../src/reviews/decide-item.js';
import { delegateItem } from '../../src/reviews/delegate-item.js';
import type { ReviewDeps } from '../../src/reviews/review-deps.js';
import { REFUSAL_KINDS, ReviewError, refusal } from '../../src/reviews/review-error.js';
import type { RefusalCode } from '../../src/reviews/review-error.js';
import type { CampaignStore } from '../../src/store/ports.js';
import { actor, reviewFixture, twoStageReview } from './review-fixture.js';
import type { ReviewFixture } from './review-fixture.js';

const bossSlack = actor('boss', 'U0BOSS001');

/** deps whose store lets `before` run (another writer) just before the operation's write. */
function racing(f: ReviewFixture, method: 'decide' | 'reassign', before: () => Promise<unknown>): ReviewDeps {
  const campaigns: CampaignStore = Object.create(f.store.campaigns);
  const write = f.store.campaigns[method].bind(f.store.campaigns) as (...args: unknown[]) => Promise<unknown>;
  Object.assign(campaigns, { [method]: async (...args: unknown[]) => (await before(), write(...args)) });
  return { ...f.deps, store: { ...f.store, campaigns } };
}

interface Case {
  name: string;
  code: RefusalCode;
  requireJustification?: string;
  /** Files of the firm replaced (test/reviews/review-fixture.ts). */
  files?: Record<string, string>;
  /** Ledger lines another writer adds during the attempt (the racing cases). */
  others?: string[];
  /** Sets the state up; returns the refused attempt (not yet made) and the ledger line it must add. */
  run(f: ReviewFixture): Promise<{ attempt: () => Promise<unknown>; actor: string; subject: string; data: Record<string, unknown> }>;
}

const decide = (f: ReviewFixture, accountId: string, who = bossSlack, outcome: 'approve' | 'revoke' = 'approve', deps = f.deps) =>
  f.item(accountId).then((item) => ({ attempt: () => decideItem(deps, { itemId: item.id, outcome, actor: who, channel: 'slack', justification: null }), actor: who.label, subject: item.id, data: { action: `decide:${outcome}`, channel: 'slack', slackId: who.slackId } }));
const delegate = (f: ReviewFixture, accountId: string, to: string, who = bossSlack, deps = f.deps) =>
  f.item(accountId).then((item) => ({ attempt: () => delegateItem(deps, { itemId: item.id, actor: who, to }), actor: who.label, subject: item.id, data: { action: 'delegate', to, slackId: who.slackId } }));
const approveAll = (f: ReviewFixture, campaignId: string, who = bossSlack) =>
  Promise.resolve({ attempt: () => approveAllWithoutFindings(f.deps, { campaignId, actor: who, channel: 'cli' }), actor: who.label, subject: campaignId, data: { action: 'decide:approve-all', channel: 'cli', slackId: who.slackId } });
const close = (f: ReviewFixture) => f.store.campaigns.transition(f.campaign.id, 'open', 'closed', '2026-12-09T09:00:00.000Z', () => []);
const approveFirst = (f: ReviewFixture, accountId: string) => f.item(accountId).then((item) => decideItem(f.deps, { itemId: item.id, outcome: 'approve', actor: actor('boss'), channel: 'cli' }));

const CASES: Case[] = [
  { name: 'decide: unknown item', code: 'item_not_found', run: async (f) => ({ attempt: () => decideItem(f.deps, { itemId: 'nope', outcome: 'approve', actor: bossSlack, channel: 'slack' }), actor: bossSlack.label, subject: 'nope', data: { action: 'decide:approve', channel: 'slack', slackId: bossSlack.slackId } }) },
  { name: 'decide: closed campaign', code: 'campaign_closed', run: async (f) => (await close(f), decide(f, 'alice-acc')) },
  { name: 'decide: already decided', code: 'not_pending', run: async (f) => (await approveFirst(f, 'alice-acc'), decide(f, 'alice-acc')) },
  { name: 'decide: by the subject', code: 'self_review', run: (f) => decide(f, 'alice-acc', actor('alice', 'U0ALICE01')) },
  { name: 'decide: by someone not assigned', code: 'not_reviewer', run: (f) => decide(f, 'alice-acc', actor('bob')) },
  { name: 'decide: revoke without a justification', code: 'justification_required', run: (f) => decide(f, 'alice-acc', bossSlack, 'revoke') },
  { name: 'decide: decided by another between the guards and the write', code: 'not_pending', others: ['decision.recorded'], run: async (f) => decide(f, 'alice-acc', bossSlack, 'approve', racing(f, 'decide', () => approveFirst(f, 'alice-acc'))) },
  { name: 'approve all: unknown campaign', code: 'campaign_not_found', run: (f) => approveAll(f, 'semiannual:1999-H1') },
  { name: 'approve all: closed campaign', code: 'campaign_closed', run: async (f) => (await close(f), approveAll(f, f.campaign.id)) },
  { name: 'approve all: every approval needs a justification', code: 'bulk_justification_required', requireJustification: '[approve]', run: (f) => approveAll(f, f.campaign.id) },
  { name: 'approve all: nothing pending for the actor', code: 'no_pending_items', run: (f) => approveAll(f, f.campaign.id, actor('bob')) },
  { name: 'delegate: unknown item', code: 'item_not_found', run: async (f) => ({ attempt: () => delegateItem(f.deps, { itemId: 'nope', actor: bossSlack, to: 'x@example.com' }), actor: bossSlack.label, subject: 'nope', data: { action: 'delegate', to: 'x@example.com', slackId: bossSlack.slackId } }) },
  { name: 'delegate: closed campaign', code: 'campaign_closed', run: async (f) => (await close(f), delegate(f, 'alice-acc', 'head-of-trading@example.com')) },
  { name: 'delegate: already decided', code: 'not_pending', run: async (f) => (await approveFirst(f, 'alice-acc'), delegate(f, 'alice-acc', 'head-of-trading@example.com')) },
  { name: 'delegate: by someone not assigned', code: 'not_reviewer', run: (f) => delegate(f, 'alice-acc', 'head-of-trading@example.com', actor('bob')) },
  { name: 'delegate: the security team delegating its own access', code: 'self_review', run: (f) => delegate(f, 'sec-acc', 'boss@example.com', actor('sec')) },
  { name: 'delegate: to the subject', code: 'delegate_is_subject', run: (f) => delegate(f, 'alice-acc', 'alice@example.com') },
  { name: 'delegate: to the reviewer it has', code: 'delegate_is_reviewer', run: (f) => delegate(f, 'alice-acc', 'boss@example.com') },
  { name: 'delegate: to a terminated person', code: 'delegate_inactive', run: (f) => delegate(f, 'alice-acc', 'carol@example.com') },
  {
    name: 'delegate: at stage 2, to who decided stage 1',
    code: 'delegate_decided_earlier',
    files: twoStageReview(),
    run: async (f) => {
      const item = await f.item('alice-acc');
      await decideItem(f.deps, { itemId: item.id, outcome: 'revoke', actor: actor('boss'), channel: 'cli', justification: 'moved to the back office' });
      return delegate(f, 'alice-acc', 'boss@example.com', actor('head-of-trading'));
    },
  },
  {
    name: 'decide: passing the item on to a stage nobody else can review',
    code: 'no_stage_reviewer',
    // sec's own item: stage 1 is the system owner's (sec has no manager); stage 2's owner decided
    // stage 1, sec is the subject, and the fallback reviewer is the owner again.
    files: { ...twoStageReview(), 'reviews/roles.yaml': 'securityTeam: [sec@example.com]\nfallbackReviewer: head-of-trading@example.com\n' },
    run: async (f) => {
      const item = await f.item('sec-acc');
      const who = actor('head-of-trading');
      return { attempt: () => decideItem(f.deps, { itemId: item.id, outcome: 'revoke', actor: who, channel: 'cli', justification: 'no longer on call' }), actor: who.label, subject: item.id, data: { action: 'decide:revoke', channel: 'cli', slackId: null } };
    },
  },
  {
    name: 'delegate: reassigned by another between the guards and the write',
    code: 'item_changed',
    run: async (f) => delegate(f, 'alice-acc', 'head-of-trading@example.com', bossSlack, racing(f, 'reassign', async () => f.store.campaigns.reassign((await f.item('alice-acc')).id, 'boss', 'sec', 'delegated', '2026-11-24T09:00:00.000Z', () => []))),
  },
];

describe('review refusals', () => {
  let f: ReviewFixture | null = null;
  afterEach(async () => {
    await f?.close();
    f = null;
  });

  it.each(CASES)('$name: refused as $code and ledgered once', async (c) => {
    f = await reviewFixture(c.requireJustification, c.files);
    const expected = await c.run(f);
    const before = await f.ledger();
    const err = await expected.attempt().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ReviewError);
    expect((err as ReviewError).refusal).toBe(c.code);
    const added = (await f.ledger()).slice(before.length);
    // The refusal is the one line the attempt added; nothing else was written but by the racing writer.
    expect(added.filter((e) => e.type === 'access.refused')).toEqual([expect.objectContaining({ actor: expected.actor, subject: expected.subject, data: { ...expected.data, code: c.code, reason: (err as ReviewError).message } })]);
    expect(added.filter((e) => e.type !== 'access.refused').map((e) => e.type)).toEqual(c.others ?? []);
    expect(verifyRun(await f.ledger(), null).break).toBeNull();
  });

  it('every refusal code is covered above (the Slack-only ones in the Slack tests)', () => {
    // role_required: test/slack/slack-export-command.test.ts and slack-app-bad-input.test.ts (/access-review remind);
    // foreign_workspace: slack-app-bad-input.test.ts (a request from another team).
    const slackOnly = ['role_required', 'foreign_workspace'];
    expect(new Set([...CASES.map((c) => c.code), ...slackOnly])).toEqual(new Set(Object.keys(REFUSAL_KINDS)));
  });

  it('a repeated decision (double click) is refused as not_pending, ledgered, and never a second decision', async () => {
    f = await reviewFixture();
    const item = await f.item('bob-acc');
    const click = () => decideItem(f!.deps, { itemId: item.id, outcome: 'approve', actor: bossSlack, channel: 'slack' });
    const first = await click();
    expect(first.item.state).toBe('approved');
    for (let i = 0; i < 2; i += 1) {
      await expect(click()).rejects.toMatchObject({ refusal: 'not_pending', code: 'conflict', message: `already approved by boss@example.com at ${first.decision.decidedAt}` });
    }
    expect(await f.ledger('decision.recorded')).toHaveLength(1);
    expect((await f.ledger('access.refused')).map((e) => e.data.code)).toEqual(['not_pending', 'not_pending']);
    expect(await f.store.campaigns.decision(item.id)).toMatchObject({ outcome: 'approve', decidedAt: first.decision.decidedAt });
  });

  it('refusal codes keep the CLI exit codes: 2 for an unknown item or campaign and bad input, 1 for the rest', () => {
    const exitCodes = Object.fromEntries(
      (Object.keys(REFUSAL_KINDS) as RefusalCode[]).map((code) => {
        try {
          asCliError(refusal(code, code));
        } catch (err) {
          return [code, (err as { exitCode: number }).exitCode];
        }
        throw new Error('asCliError returned');
      }),
    );
    expect(exitCodes).toEqual({
      item_not_found: 2,
      campaign_not_found: 2,
      campaign_closed: 1,
      not_pending: 1,
      item_changed: 1,
      not_reviewer: 1,
      self_review: 1,
      no_pending_items: 1,
      justification_required: 2,
      bulk_justification_required: 2,
      delegate_is_subject: 1,
      delegate_is_reviewer: 2,
      delegate_inactive: 2,
      delegate_decided_earlier: 1,
      no_stage_reviewer: 1,
      role_required: 1,
      foreign_workspace: 1,
    });
  });
});
