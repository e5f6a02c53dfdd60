/**
 * Escalation follows each item's due in its stage (multi-stage reviews), not only the
 * campaign's: a manager late on stage 1 is escalated while the campaign still has days left.
 */
import { describe, expect, it } from 'vitest';
import type { ReviewStage } from '../../src/config/review-config.js';
import type { Campaign, ReviewItem } from '../../src/domain/index.js';
import { planReminders } from '../../src/reviews/reminder-plan.js';

const DAY = 86_400_000;
const OPENED = '2026-07-15T08:00:00.000Z';
const at = (days: number) => new Date(Date.parse(OPENED) + days * DAY);
const campaign: Campaign = { id: 'r:2026-H2', reviewId: 'r', period: '2026-H2', name: 'R', state: 'open', openedAt: OPENED, dueAt: at(21).toISOString(), closedAt: null, openedBy: 'scheduler' };
const stage = (number: number, dueInDays: number): ReviewStage => ({ number, name: `S${number}`, reviewers: ['manager'], dueInDays, when: ['all'], requireJustification: [] });
const item = (id: string, reviewerId: string, extra: Partial<ReviewItem> = {}): ReviewItem => ({
  id: `${campaign.id}/${id}`, campaignId: campaign.id, grantId: id, systemId: 's', accountId: id, role: 'r', scope: '', identityId: null,
  reviewerId, reviewerSource: 'manager', state: 'pending', findings: [], lastActivityAt: null, decisionId: null, updatedAt: OPENED, ...extra,
});
const escalation = { channel: '#access-reviews', afterDueDays: 1 };

describe('planReminders', () => {
  it('single stage: escalates every reviewer with pending items once the campaign is afterDueDays past due', () => {
    const def = { id: 'r', stages: [stage(1, 21)], escalation };
    const items = [item('a', 'boss'), item('b', 'owner')];
    expect(planReminders(campaign, def, items, at(21.5)).escalations).toEqual([]);
    expect(planReminders(campaign, def, items, at(22)).escalations.map((e) => [e.reviewerId, e.daysOverdue])).toEqual([['boss', 1], ['owner', 1]]);
  });

  it('multi-stage: a stage-1 item is due 14 days after opening, a stage-2 item at its stageDueAt; only the reviewers late in their stage are escalated', () => {
    const def = { id: 'r', stages: [stage(1, 14), stage(2, 7)], escalation };
    const items = [item('a', 'boss'), item('b', 'owner', { stage: 2, stageDueAt: at(18).toISOString() }), item('c', 'boss', { state: 'approved' })];
    const plan = planReminders(campaign, def, items, at(15));
    expect(plan.escalations).toEqual([{ reviewerId: 'boss', key: 'overdue', pending: 1, daysOverdue: 1 }]);
    expect(plan.channel).toEqual({ channel: '#access-reviews', key: at(15).toISOString().slice(0, 10), overdueReviewers: [{ reviewerId: 'boss', pending: 1 }] });
    expect(planReminders(campaign, def, items, at(19)).escalations.map((e) => e.reviewerId)).toEqual(['boss', 'owner']);
  });
});
