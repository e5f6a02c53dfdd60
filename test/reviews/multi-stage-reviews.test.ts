/**
 * Multi-stage reviews through the real review operations on a real SQLite store: a decision at
 * stage 1 settles its item or passes it on (the stages' `when`, the outcome rule), the next
 * stage's reviewer is never the subject nor an earlier decider, a later stage sees and may
 * overturn the earlier decision, every step is ledgered and `audit verify` reconciles it.
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { reconcileLedger } from '../../src/audit/reconcile-ledger.js';
import { loadConfig } from '../../src/config/load-config.js';
import { ConfigError } from '../../src/config/config-error.js';
import { reviewItemId, verifyRun } from '../../src/domain/index.js';
import type { Finding, ReviewItem } from '../../src/domain/index.js';
import { closeCampaign } from '../../src/reviews/close-campaign.js';
import { decideItem } from '../../src/reviews/decide-item.js';
import { delegateItem } from '../../src/reviews/delegate-item.js';
import { ReviewError } from '../../src/reviews/review-error.js';
import type { IdentityStore } from '../../src/store/ports.js';
import { z } from 'zod';
import { countRowsRead } from '../helpers/counting-campaigns.js';
import { identity, seedIdentities } from '../helpers/seed-state.js';
import { MINIMAL_FIRM, tempConfigDir } from '../helpers/temp-config.js';
import { actor, reviewFixture, twoStageReview } from './review-fixture.js';
import type { ReviewFixture } from './review-fixture.js';

const boss = actor('boss', 'U0BOSS001');
const owner = actor('head-of-trading');
const DAY = 86_400_000;
/** `audit verify` of the campaign (the fixture's seeded snapshots have no sync events of their own). */
const verifyCampaign = (f: ReviewFixture) => reconcileLedger(f.store, { campaignIds: new Set([f.campaign.id]) });

describe('multi-stage reviews', () => {
  let f: ReviewFixture | null = null;

  /**
   * A two-stage review whose second stage takes flagged approvals, decisions under 3 s apart
   * flagged (the fixture's clock stands still: every gap is 0), and two more items of boss's with
   * a finding (as a campaign opened on open findings would have them).
   */
  async function flaggedApprovalFixture(): Promise<{ alice: ReviewItem; flaggedItems: ReviewItem[] }> {
    const review = twoStageReview()['reviews/semiannual.yaml']!.replace('when: [revoke, approve-with-findings]', 'when: [flagged-approval]');
    const global = `dormantAfterDays: 90\nreviewQuality:\n  approvedEverything: { enabled: false }\n  approveAllWithFindings: false\n  fastDecisions: { minItems: 2, medianGapSeconds: 3 }\n`;
    f = await reviewFixture(undefined, { 'reviews/semiannual.yaml': review, 'policies/global.yaml': global });
    const alice = await f.item('alice-acc');
    const finding: Finding = { key: 'k-dormant', type: 'dormant', severity: 'medium', systemId: 'trading', grantId: alice.grantId, accountId: alice.accountId, identityId: 'alice', role: alice.role, scope: alice.scope, ruleId: 'dormant', reason: 'not used for 120 days', evidence: {} };
    const flaggedItems = ['x1', 'x2'].map((g) => ({ ...alice, id: reviewItemId(f!.campaign.id, g), grantId: g, accountId: `alice-${g}`, findings: [finding] }));
    await f.store.campaigns.addItems(flaggedItems, () => []);
    return { alice, flaggedItems };
  }

  afterEach(async () => {
    await f?.close();
    f = null;
  });

  it('a stage-1 revoke goes to the owner, who sees it and may overturn it: last-stage decides, both decisions ledgered and reconciled', async () => {
    f = await reviewFixture(undefined, twoStageReview('last-stage'));
    const alice = await f.item('alice-acc');
    expect(alice).toMatchObject({ reviewerId: 'boss', reviewerSource: 'manager' });
    expect(alice.stage).toBeUndefined();

    const first = await decideItem(f.deps, { itemId: alice.id, outcome: 'revoke', actor: boss, channel: 'slack', justification: 'moved to the back office' });
    expect(first.advancedTo).toMatchObject({ number: 2, name: 'Owner confirmation' });
    expect(first.decision).toMatchObject({ id: `${alice.id}#1`, outcome: 'revoke', reviewerId: 'boss' });
    expect(first.decision.stage).toBeUndefined();
    const atStage2 = await f.item('alice-acc');
    expect(atStage2).toMatchObject({ state: 'pending', stage: 2, reviewerId: 'head-of-trading', reviewerSource: 'systemOwner', decisionId: null });
    // Due 7 days after the stage-1 decision (the campaign is due 17 days after opening).
    expect(atStage2.stageDueAt).toBe(new Date(new Date(first.decision.decidedAt).getTime() + 7 * DAY).toISOString());
    expect(await f.store.campaigns.decision(alice.id)).toBeNull();
    expect(await f.store.campaigns.stageDecisions(alice.id)).toEqual([first.decision]);

    // The stage-2 reviewer needs a justification to approve access with findings or to revoke, not to approve this one.
    const second = await decideItem(f.deps, { itemId: alice.id, outcome: 'approve', actor: owner, channel: 'cli', justification: 'still trades on the desk' });
    expect(second.advancedTo).toBeUndefined();
    expect(second.item).toMatchObject({ state: 'approved', stage: 2, decisionId: alice.id });
    expect(second.decision).toMatchObject({ id: alice.id, outcome: 'approve', stage: 2, reviewerId: 'head-of-trading' });
    // The settling decision is the stage-2 approval: no removal is due.
    expect((await f.store.remediations.revocationsWithout(null, 100)).rows).toEqual([]);

    const events = (await f.ledger()).filter((e) => e.subject === alice.id);
    expect(events.map((e) => [e.type, e.data.state ?? null, e.data.stage ?? null])).toEqual([
      ['item.assigned', null, null],
      ['decision.recorded', 'pending', null],
      ['item.advanced', null, 2],
      ['decision.recorded', 'approved', 2],
    ]);
    expect(events[2]!.data).toMatchObject({ fromStage: 1, outcome: 'revoke', reviewerId: 'head-of-trading', reviewerSource: 'systemOwner', stageName: 'Owner confirmation', dueAt: atStage2.stageDueAt });
    expect(verifyRun(await f.ledger(), null).break).toBeNull();
    const rec = await verifyCampaign(f);
    expect(rec.differences).toEqual([]);
    expect(rec.checked.decisions).toBe(2);
  });

  it('an approval without findings settles at stage 1 (stage 2 takes revokes and approvals with findings only)', async () => {
    f = await reviewFixture(undefined, twoStageReview());
    const bob = await f.item('bob-acc');
    const r = await decideItem(f.deps, { itemId: bob.id, outcome: 'approve', actor: boss, channel: 'slack' });
    expect(r.advancedTo).toBeUndefined();
    expect(r.item).toMatchObject({ state: 'approved', decisionId: bob.id });
    expect(r.item.stage).toBeUndefined();
    expect(await f.store.campaigns.stageDecisions(bob.id)).toEqual([]);
  });

  it('any-revoke: a stage-1 revoke is final at once and opens its removal; an approval goes on', async () => {
    f = await reviewFixture(undefined, {
      'reviews/semiannual.yaml': twoStageReview('any-revoke')['reviews/semiannual.yaml']!.replace('when: [revoke, approve-with-findings]', 'when: [approve]'),
    });
    const alice = await f.item('alice-acc');
    const r = await decideItem(f.deps, { itemId: alice.id, outcome: 'revoke', actor: boss, channel: 'slack', justification: 'moved to the back office' });
    expect(r.advancedTo).toBeUndefined();
    expect(r.item).toMatchObject({ state: 'revoked' });
    expect((await f.store.remediations.revocationsWithout(null, 100)).rows.map((x) => x.item.id)).toEqual([alice.id]);
    const bob = await f.item('bob-acc');
    expect((await decideItem(f.deps, { itemId: bob.id, outcome: 'approve', actor: boss, channel: 'slack' })).item).toMatchObject({ state: 'pending', stage: 2, reviewerId: 'head-of-trading' });
    expect((await verifyCampaign(f)).differences).toEqual([]);
  });

  it('four eyes: a later stage never goes to someone who decided an earlier one, nor may it be delegated to them', async () => {
    f = await reviewFixture(undefined, twoStageReview());
    // boss has no manager: the system owner reviews stage 1, so stage 2 (system owner) goes on to the security team.
    const bossItem = await f.item('boss-acc');
    expect(bossItem.reviewerId).toBe('head-of-trading');
    const r = await decideItem(f.deps, { itemId: bossItem.id, outcome: 'revoke', actor: owner, channel: 'cli', justification: 'no longer trades himself' });
    expect(r.item).toMatchObject({ stage: 2, reviewerId: 'sec', reviewerSource: 'securityTeam' });
    const refused = await delegateItem(f.deps, { itemId: bossItem.id, actor: actor('sec'), to: 'head-of-trading@example.com' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ReviewError);
    expect(refused).toMatchObject({ refusal: 'delegate_decided_earlier', message: 'head-of-trading@example.com decided stage 1 of this item: a later stage needs another person' });
    expect((await verifyCampaign(f)).differences).toEqual([]);
  });

  it('the stage-1 reviewer deciding again is told the item went on; concurrent stage-1 clicks record one decision', async () => {
    f = await reviewFixture(undefined, twoStageReview());
    const alice = await f.item('alice-acc');
    const clicks = await Promise.allSettled(
      [0, 1, 2].map(() => decideItem(f!.deps, { itemId: alice.id, outcome: 'revoke', actor: boss, channel: 'slack', justification: 'moved to the back office' })),
    );
    expect(clicks.filter((c) => c.status === 'fulfilled')).toHaveLength(1);
    const first = (clicks.find((c) => c.status === 'fulfilled') as PromiseFulfilledResult<Awaited<ReturnType<typeof decideItem>>>).value;
    for (const c of clicks.filter((x) => x.status === 'rejected')) {
      expect((c as PromiseRejectedResult).reason).toMatchObject({ refusal: 'not_pending', message: `already revoked at stage 1 by boss@example.com at ${first.decision.decidedAt}; the item is at stage 2 now, with another reviewer` });
    }
    const again = await decideItem(f.deps, { itemId: alice.id, outcome: 'approve', actor: boss, channel: 'slack' }).catch((e: unknown) => e);
    expect(again).toMatchObject({ refusal: 'not_pending' });
    expect((await f.ledger('decision.recorded')).filter((e) => e.subject === alice.id)).toHaveLength(1);
    expect(await f.ledger('item.advanced')).toHaveLength(1);
  });

  it('closing expires items pending at any stage, and the reconciliation still holds', async () => {
    f = await reviewFixture(undefined, twoStageReview());
    const alice = await f.item('alice-acc');
    await decideItem(f.deps, { itemId: alice.id, outcome: 'revoke', actor: boss, channel: 'slack', justification: 'moved to the back office' });
    const closed = await closeCampaign(f.deps, f.campaign.id, 'sec@example.com');
    expect(closed.revoked).toBe(0);
    expect(await f.item('alice-acc')).toMatchObject({ state: 'expired', stage: 2 });
    expect((await verifyCampaign(f)).differences).toEqual([]);
  });

  it('flagged-approval: a rubber-stamping reviewer\'s approval of an item with findings goes to a second look; before they are flagged it settles', async () => {
    const { alice, flaggedItems } = await flaggedApprovalFixture();
    const approve = (itemId: string) => decideItem(f!.deps, { itemId, outcome: 'approve', actor: boss, channel: 'slack', justification: 'still needed on the desk' });
    // First decision: one decision is no pattern yet, so the approval with a finding settles.
    expect((await approve(flaggedItems[0]!.id)).advancedTo).toBeUndefined();
    // Second: two decisions 0 s apart flag boss; this approval of an item with a finding goes to the owner.
    const second = await approve(flaggedItems[1]!.id);
    expect(second.advancedTo).toMatchObject({ number: 2 });
    expect(second.item).toMatchObject({ state: 'pending', stage: 2, reviewerId: 'head-of-trading' });
    // An approval without findings settles, flagged or not.
    expect((await approve(alice.id)).item).toMatchObject({ state: 'approved' });
  });

  it('flagged-approval judges the decider on their own decisions, read by reviewer: never the campaign\'s decisions', async () => {
    const { flaggedItems } = await flaggedApprovalFixture();
    // Another reviewer's three decisions in the campaign (they would flag boss too if counted as boss's).
    for (const account of ['sec-acc', 'svc-x', 'boss-acc']) await decideItem(f!.deps, { itemId: (await f!.item(account)).id, outcome: 'approve', actor: owner, channel: 'cli' });
    const approve = (itemId: string) => decideItem(f!.deps, { itemId, outcome: 'approve', actor: boss, channel: 'slack', justification: 'still needed on the desk' });

    const first = await countRowsRead(f!.store, () => approve(flaggedItems[0]!.id));
    expect(first.result.advancedTo).toBeUndefined();
    expect(first.read.byMethod).toMatchObject({ decisionsOf: 0 });
    expect(first.read.decisions).toBe(0);
    const second = await countRowsRead(f!.store, () => approve(flaggedItems[1]!.id));
    expect(second.result.advancedTo).toMatchObject({ number: 2 });
    // boss's one earlier decision, and nothing of the campaign's others.
    expect(second.read.byMethod).toMatchObject({ decisionsOf: 1 });
    expect(second.read.decisions).toBe(1);
  });

  it('passing items on loads the identities once while the same snapshots are current, and again once another is', async () => {
    f = await reviewFixture(undefined, twoStageReview());
    // Counts the loads of every current identity (the real store underneath).
    const real = f.store.identities;
    let loads = 0;
    const counted: IdentityStore = { current: () => ((loads += 1), real.current()), get: (id) => real.get(id), findByEmail: (email) => real.findByEmail(email) };
    (f.store as { identities: IdentityStore }).identities = counted;
    const revoke = async (account: string, by = boss) => (await decideItem(f!.deps, { itemId: (await f!.item(account)).id, outcome: 'revoke', actor: by, channel: 'cli', justification: 'left the desk' })).item;
    expect(await revoke('alice-acc')).toMatchObject({ stage: 2, reviewerId: 'head-of-trading' });
    // The owner decided svc-x at stage 1, so four eyes sends it to the security team.
    expect(await revoke('svc-x', owner)).toMatchObject({ stage: 2, reviewerId: 'sec' });
    expect(loads).toBe(1);
    // A directory sync: the owner's mailbox now belongs to a deputy. The next hand-off sees it.
    await seedIdentities(f.store, 'hr', [identity('boss'), identity('bob', { managerId: 'boss' }), identity('deputy', { email: 'head-of-trading@example.com' })]);
    expect(await revoke('bob-acc')).toMatchObject({ stage: 2, reviewerId: 'deputy' });
    expect(loads).toBe(2);
    (f.store as { identities: IdentityStore }).identities = real;
  });

  it('audit verify finds an edited stage decision, a stage changed on the item, and a stage decision deleted', async () => {
    f = await reviewFixture(undefined, twoStageReview());
    const alice = await f.item('alice-acc');
    await decideItem(f.deps, { itemId: alice.id, outcome: 'revoke', actor: boss, channel: 'slack', justification: 'moved to the back office' });
    const db = new Database(f.dbFile);
    db.exec(`DROP TRIGGER stage_decisions_never_updated`);
    db.prepare(`UPDATE stage_decisions SET outcome = 'approve' WHERE item_id = ?`).run(alice.id);
    let rec = await verifyCampaign(f);
    expect(rec.differences).toEqual([expect.objectContaining({ row: expect.objectContaining({ table: 'stage_decisions', id: `${alice.id}#1`, field: 'outcome' }) })]);
    db.prepare(`UPDATE stage_decisions SET outcome = 'revoke' WHERE item_id = ?`).run(alice.id);
    db.prepare(`UPDATE review_items SET stage = 1 WHERE id = ?`).run(alice.id);
    rec = await verifyCampaign(f);
    expect(rec.differences).toEqual([expect.objectContaining({ row: expect.objectContaining({ table: 'review_items', id: alice.id, field: 'stage' }) })]);
    db.prepare(`UPDATE review_items SET stage = 2 WHERE id = ?`).run(alice.id);
    db.prepare(`DELETE FROM stage_decisions WHERE item_id = ?`).run(alice.id);
    rec = await verifyCampaign(f);
    expect(rec.differences.map((d) => d.message)).toEqual([expect.stringMatching(/no stage_decisions row$/)]);
    db.close();
  });
});

describe('multi-stage review definitions', () => {
  const load = (review: string) => () => loadConfig(tempConfigDir({ ...MINIMAL_FIRM, 'reviews/semiannual.yaml': review }), () => z.strictObject({ path: z.string() }));
  const problems = (review: string) => {
    try {
      load(review)();
    } catch (err) {
      if (err instanceof ConfigError) return err.problems.map((p) => `${p.keyPath} (line ${p.line}): ${p.message}`);
      throw err;
    }
    return [];
  };
  const head = `id: semiannual\nname: Half-yearly review\nschedule: { cron: "0 9 1 1,7 *" }\nperiod: half-year\nscope: { criticality: [critical] }\n`;

  it('parses stages into the normalized shape; a single-stage definition is one stage named Review', () => {
    const config = load(twoStageReview()['reviews/semiannual.yaml']!)();
    const def = config.reviews[0]!;
    expect(def.dueInDays).toBe(17);
    expect(def.outcome).toBe('last-stage');
    expect(def.stages).toEqual([
      { number: 1, name: 'Manager review', reviewers: ['manager', 'systemOwner'], dueInDays: 10, when: ['all'], requireJustification: ['revoke'] },
      { number: 2, name: 'Owner confirmation', reviewers: ['systemOwner'], dueInDays: 7, when: ['revoke', 'approve-with-findings'], requireJustification: ['revoke', 'approve-with-findings'] },
    ]);
    const single = load(MINIMAL_FIRM['reviews/semiannual.yaml']!)().reviews[0]!;
    expect(single.stages).toEqual([{ number: 1, name: 'Review', reviewers: ['manager', 'systemOwner'], dueInDays: 14, when: ['all'], requireJustification: ['revoke'] }]);
    expect(single.dueInDays).toBe(14);
  });

  it('names file, line and key of what is wrong', () => {
    const stages = `stages:\n  - reviewers: [manager]\n    dueInDays: 5\n    when: [all]\n  - reviewers: [systemOwner]\n    dueInDays: 5\n    when: [revoke]\n`;
    expect(problems(`${head}reviewers: [manager]\ndueInDays: 5\n${stages}outcome: any-revoke\n`)).toEqual([
      'reviewers (line 6): "reviewers" belongs to each stage when "stages" is given: move it into the stages',
      'dueInDays (line 7): "dueInDays" belongs to each stage when "stages" is given: move it into the stages',
      'stages[0].when (line 11): the first stage reviews every item: "when" is for the later stages',
      'stages[1].when (line 14): with outcome any-revoke a revoke is final at once, so no revoke reaches this stage: take "revoke" out, or use outcome last-stage',
    ]);
    expect(problems(`${head}reviewers: [manager]\ndueInDays: 5\noutcome: last-stage\n`)).toEqual(['outcome (line 8): "outcome" decides between stages: give "stages" or leave it out']);
    expect(problems(`${head}stages:\n  - reviewers: [manager]\n    dueInDays: 5\n`)).toEqual([expect.stringMatching(/^stages \(line 7\): give at least two stages/)]);
    expect(problems(`${head}dueInDays: 5\n`)).toEqual(['reviewers (line 1): missing required key "reviewers" (array), or give "stages"']);
  });
});
