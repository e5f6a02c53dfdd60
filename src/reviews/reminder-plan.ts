/**
 * Who gets reminded or escalated, and when (pure). Reminders are batched: one per reviewer
 * with pending items every `reminders.everyDays` after opening, not one per item. Once a
 * reviewer has a pending item `escalation.afterDueDays` past its due date (its stage's:
 * itemDueAt, which for a single-stage review is the campaign's), they are escalated once to
 * their manager, and the escalation channel gets one summary per day of the reviewers with such
 * items. Every message has a key, so a repeated run sends nothing twice.
 */
import type { ReviewDefinition } from '../config/review-config.js';
import type { Campaign, ReviewItem } from '../domain/index.js';
import { itemDueAt } from './review-stages.js';

const DAY = 86_400_000;

export interface ReminderPlan {
  reminders: Array<{ reviewerId: string; key: string; pending: number }>;
  escalations: Array<{ reviewerId: string; key: string; pending: number; daysOverdue: number }>;
  channel: { channel: string; key: string; overdueReviewers: Array<{ reviewerId: string; pending: number }> } | null;
}

export function planReminders(campaign: Campaign, def: Pick<ReviewDefinition, 'id' | 'stages' | 'reminders' | 'escalation'>, items: readonly ReviewItem[], now: Date): ReminderPlan {
  const plan: ReminderPlan = { reminders: [], escalations: [], channel: null };
  if (campaign.state !== 'open') return plan;
  const esc = def.escalation;
  const pending = new Map<string, number>();
  /** Reviewers with an item past its due + afterDueDays: the most days any of their items is overdue. */
  const overdue = new Map<string, number>();
  for (const i of items) {
    if (i.state !== 'pending') continue;
    pending.set(i.reviewerId, (pending.get(i.reviewerId) ?? 0) + 1);
    if (!esc) continue;
    const due = Date.parse(itemDueAt(campaign, def, i));
    if (now.getTime() - due - esc.afterDueDays * DAY < 0) continue;
    overdue.set(i.reviewerId, Math.max(overdue.get(i.reviewerId) ?? 0, Math.floor((now.getTime() - due) / DAY)));
  }
  if (pending.size === 0) return plan;

  const sinceOpen = now.getTime() - Date.parse(campaign.openedAt);
  const every = def.reminders?.everyDays;
  if (every && sinceOpen >= every * DAY) {
    const round = Math.floor(sinceOpen / (every * DAY));
    for (const [reviewerId, n] of pending) plan.reminders.push({ reviewerId, key: `round-${round}`, pending: n });
  }

  if (esc && overdue.size > 0) {
    for (const [reviewerId, daysOverdue] of overdue) plan.escalations.push({ reviewerId, key: 'overdue', pending: pending.get(reviewerId)!, daysOverdue });
    plan.channel = { channel: esc.channel, key: now.toISOString().slice(0, 10), overdueReviewers: [...overdue.keys()].map((reviewerId) => ({ reviewerId, pending: pending.get(reviewerId)! })) };
  }
  return plan;
}
