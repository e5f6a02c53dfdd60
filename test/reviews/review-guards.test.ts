/**
 * Each review guard on its own, against a real SQLite store: what it lets through, and the
 * typed refusal (code, kind, message) it throws otherwise.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReviewStage } from '../../src/config/review-config.js';
import type { Finding, ReviewItem } from '../../src/domain/index.js';
import { REFUSAL_KINDS, ReviewError } from '../../src/reviews/review-error.js';
import type { RefusalCode } from '../../src/reviews/review-error.js';
import {
  requireBulkApprovable,
  requireDelegate,
  requireItem,
  requireJustification,
  requireNotSubject,
  requireOpenCampaign,
  requirePending,
  requirePendingItems,
  requireReviewer,
} from '../../src/reviews/review-guards.js';
import { identity } from '../helpers/seed-state.js';
import { actor, reviewFixture } from './review-fixture.js';
import type { ReviewFixture } from './review-fixture.js';

/** Runs a guard and returns its refusal (failing the test when it lets the call through). */
async function refusalOf(guard: () => unknown): Promise<ReviewError> {
  try {
    await guard();
  } catch (err) {
    if (err instanceof ReviewError) return err;
    throw err;
  }
  throw new Error('the guard let it through');
}

function expectRefusal(err: ReviewError, code: RefusalCode, message: RegExp): void {
  expect(err.refusal).toBe(code);
  expect(err.code).toBe(REFUSAL_KINDS[code]);
  expect(err.message).toMatch(message);
}

const finding: Finding = { key: 'k', type: 'dormant', severity: 'medium', systemId: 'trading', grantId: null, accountId: null, identityId: null, role: null, scope: null, ruleId: 'r', reason: 'r', evidence: {} };

describe('review guards', () => {
  let f: ReviewFixture;
  beforeEach(async () => {
    f = await reviewFixture();
  });
  afterEach(() => f.close());

  it('requireItem: returns the item; a missing one is item_not_found', async () => {
    const alice = await f.item('alice-acc');
    expect(requireItem(await f.store.campaigns.item(alice.id), alice.id)).toEqual(alice);
    expectRefusal(await refusalOf(async () => requireItem(await f.store.campaigns.item('nope'), 'nope')), 'item_not_found', /^no review item "nope"$/);
    expect(REFUSAL_KINDS.item_not_found).toBe('not-found');
  });

  it('requireOpenCampaign: an open campaign passes; a missing one is campaign_not_found, an opening or closed one campaign_closed', async () => {
    expect(requireOpenCampaign(await f.store.campaigns.get(f.campaign.id), f.campaign.id)).toMatchObject({ id: f.campaign.id, state: 'open' });
    expectRefusal(await refusalOf(async () => requireOpenCampaign(await f.store.campaigns.get('semiannual:1999-H1'), 'semiannual:1999-H1')), 'campaign_not_found', /^no campaign "semiannual:1999-H1"$/);
    expectRefusal(await refusalOf(() => requireOpenCampaign({ ...f.campaign, state: 'opening' }, f.campaign.id)), 'campaign_closed', /is opening: decisions are closed/);
    await f.store.campaigns.transition(f.campaign.id, 'open', 'closed', '2026-12-09T09:00:00.000Z', () => []);
    expectRefusal(await refusalOf(async () => requireOpenCampaign(await f.store.campaigns.get(f.campaign.id), f.campaign.id)), 'campaign_closed', /^campaign semiannual:2026-H2 is closed: decisions are closed$/);
  });

  it('requirePending: a pending item passes; a decided one is not_pending naming who decided and when; an expired one says so', async () => {
    const alice = await f.item('alice-acc');
    await requirePending(f.store, alice);
    const r = await f.store.campaigns.decide({ id: alice.id, itemId: alice.id, campaignId: f.campaign.id, outcome: 'approve', reviewerId: 'boss', reviewerEmail: 'boss@example.com', reviewerSlackId: null, channel: 'cli', justification: null, decidedAt: '2026-11-24T10:00:00.000Z', findingsAtDecision: [], simulated: false, operator: null }, () => []);
    expect(r.ok).toBe(true);
    expectRefusal(await refusalOf(async () => requirePending(f.store, await f.item('alice-acc'))), 'not_pending', /^already approved by boss@example.com at 2026-11-24T10:00:00.000Z$/);
    await f.store.campaigns.expirePending(f.campaign.id, '2026-12-09T09:00:00.000Z', () => []);
    expectRefusal(await refusalOf(async () => requirePending(f.store, await f.item('bob-acc'))), 'not_pending', /^this item expired when its campaign closed$/);
  });

  it('requireNotSubject: the subject is refused by identity id and by email; others and items with no subject pass', async () => {
    const alice = await f.item('alice-acc');
    expectRefusal(await refusalOf(() => requireNotSubject(f.store, alice, actor('alice'), 'decide on')), 'self_review', /^nobody may decide on their own access$/);
    // Known only by email (e.g. a Slack user the directory matched by address).
    const byEmail = { id: 'alice@example.com', email: 'alice@example.com', slackId: 'U1', label: 'alice@example.com' };
    expectRefusal(await refusalOf(() => requireNotSubject(f.store, alice, byEmail, 'delegate')), 'self_review', /^nobody may delegate their own access$/);
    await requireNotSubject(f.store, alice, actor('boss'), 'decide on');
    await requireNotSubject(f.store, await f.item('svc-x'), actor('alice'), 'decide on');
  });

  it('requireReviewer: the assigned reviewer passes (by id or by email); anyone else is not_reviewer unless also allowed', async () => {
    const alice = await f.item('alice-acc');
    expect(alice.reviewerId).toBe('boss');
    requireReviewer(alice, actor('boss'));
    requireReviewer({ reviewerId: 'boss@example.com' }, { id: 'U-only-slack', email: 'boss@example.com', slackId: null, label: 'boss@example.com' });
    expectRefusal(await refusalOf(() => requireReviewer(alice, actor('bob'))), 'not_reviewer', /^bob@example.com is not the assigned reviewer of this item$/);
    expectRefusal(await refusalOf(() => requireReviewer(alice, actor('sec'))), 'not_reviewer', /not the assigned reviewer/);
    requireReviewer(alice, actor('sec'), f.deps.config.roles.securityTeam);
    expectRefusal(await refusalOf(() => requireReviewer(alice, actor('bob'), f.deps.config.roles.securityTeam)), 'not_reviewer', /not the assigned reviewer/);
  });

  it('requireJustification: required per the definition, at least 10 characters after trimming; returns the trimmed text', async () => {
    const plain: Pick<ReviewItem, 'findings'> = { findings: [] };
    const flagged: Pick<ReviewItem, 'findings'> = { findings: [finding] };
    const def: Pick<ReviewStage, 'requireJustification'> = { requireJustification: ['revoke', 'approve-with-findings'] };
    expect(requireJustification(def, 'approve', plain, null)).toBeNull();
    expect(requireJustification(def, 'approve', plain, '  ok  ')).toBe('ok');
    expect(requireJustification(def, 'revoke', plain, '  left the firm  ')).toBe('left the firm');
    expect(requireJustification(def, 'revoke', plain, '0123456789')).toBe('0123456789');
    expectRefusal(await refusalOf(() => requireJustification(def, 'revoke', plain, null)), 'justification_required', /^a justification of at least 10 characters is required to revoke$/);
    expectRefusal(await refusalOf(() => requireJustification(def, 'revoke', plain, '  012345678  ')), 'justification_required', /required to revoke/);
    expectRefusal(await refusalOf(() => requireJustification(def, 'approve', flagged, '')), 'justification_required', /^a justification of at least 10 characters is required to approve access with findings$/);
    expect(requireJustification({ requireJustification: [] }, 'revoke', flagged, null)).toBeNull();
    expectRefusal(await refusalOf(() => requireJustification({ requireJustification: ['approve'] }, 'approve', plain, null)), 'justification_required', /required to approve/);
  });

  it('requireBulkApprovable: refused (bulk_justification_required) only where every approval at every stage needs a justification', async () => {
    const stage = (n: number, requireJustification: ReviewStage['requireJustification']): ReviewStage => ({ number: n, name: `Stage ${n}`, reviewers: ['manager'], dueInDays: 7, when: ['all'], requireJustification });
    requireBulkApprovable({ id: 'semiannual', stages: [stage(1, ['revoke', 'approve-with-findings'])] });
    requireBulkApprovable({ id: 'semiannual', stages: [stage(1, ['approve']), stage(2, ['revoke'])] });
    expectRefusal(await refusalOf(() => requireBulkApprovable({ id: 'semiannual', stages: [stage(1, ['approve'])] })), 'bulk_justification_required', /^semiannual requires a justification for every approval: approve items one by one$/);
    expectRefusal(await refusalOf(() => requireBulkApprovable({ id: 'semiannual', stages: [stage(1, ['approve']), stage(2, ['approve', 'revoke'])] })), 'bulk_justification_required', /approve items one by one/);
  });

  it('requirePendingItems: none is no_pending_items', async () => {
    requirePendingItems([await f.item('alice-acc')], actor('boss'), f.campaign.id);
    expectRefusal(await refusalOf(() => requirePendingItems([], actor('bob'), f.campaign.id)), 'no_pending_items', /^bob@example.com has no pending items in semiannual:2026-H2$/);
  });

  it('requireDelegate: not the subject, not the reviewer already, not inactive', async () => {
    const alice = await f.item('alice-acc');
    const subject = identity('alice');
    const head = identity('head-of-trading');
    requireDelegate(alice, 'head-of-trading@example.com', { id: 'head-of-trading', email: 'head-of-trading@example.com' }, { subject, target: head });
    // Someone the directory does not know may be delegated to (status unknown).
    requireDelegate(alice, 'ext@example.com', { id: 'ext@example.com', email: 'ext@example.com' }, { subject, target: null });
    expectRefusal(await refusalOf(() => requireDelegate(alice, 'alice@example.com', { id: 'alice', email: 'alice@example.com' }, { subject, target: subject })), 'delegate_is_subject', /^alice@example.com is the subject of this item: nobody may review their own access$/);
    expectRefusal(await refusalOf(() => requireDelegate(alice, 'boss@example.com', { id: 'boss', email: 'boss@example.com' }, { subject, target: identity('boss') })), 'delegate_is_reviewer', /^boss@example.com is already the reviewer of this item$/);
    expectRefusal(await refusalOf(() => requireDelegate(alice, 'carol@example.com', { id: 'carol', email: 'carol@example.com' }, { subject, target: identity('carol', { status: 'terminated' }) })), 'delegate_inactive', /^carol@example.com is terminated and cannot review$/);
  });
});
