/**
 * Who gets reminded or escalated, and when (pure). Reminders are batched: one per reviewer
 * with pending items every `reminders.everyDays` after opening, not one per item. Once an
 * open campaign is `escalation.afterDueDays` past its due date, each reviewer with pending
 * items is escalated once to their manager, and the escalation channel gets one summary per
 * day. Every message has a key, so a repeated run sends nothing twice.
 */
import type { ReviewDefinition } from '../config/review-config.js';
import type { Campaign, ReviewItem } from '../domain/index.js';

const DAY = 86_400_000;

export interface ReminderPlan {
  reminders: Array<{ reviewerId: string; key: string; pending: number }>;
  escalations: Array<{ reviewerId: string; key: string; pending: number; daysOverdue: number }>;
  channel: { channel: string; key: string; overdueReviewers: Array<{ reviewerId: string; pending: number }> } | null;
}

export function planReminders(campaign: Campaign, def: Pick<ReviewDefinition, 'reminders' | 'escalation'>, items: readonly ReviewItem[], now: Date): ReminderPlan {
  const plan: ReminderPlan = { reminders: [], escalations: [], channel: null };
  if (campaign.state !== 'open') return plan;
  const pending = new Map<string, number>();
  for (const i of items) if (i.state === 'pending') pending.set(i.reviewerId, (pending.get(i.reviewerId) ?? 0) + 1);
  if (pending.size === 0) return plan;

  const sinceOpen = now.getTime() - Date.parse(campaign.openedAt);
  const every = def.reminders?.everyDays;
  if (every && sinceOpen >= every * DAY) {
    const round = Math.floor(sinceOpen / (every * DAY));
    for (const [reviewerId, n] of pending) plan.reminders.push({ reviewerId, key: `round-${round}`, pending: n });
  }

  const esc = def.escalation;
  const overdueMs = now.getTime() - Date.parse(campaign.dueAt) - (esc?.afterDueDays ?? 0) * DAY;
  if (esc && overdueMs >= 0) {
    const daysOverdue = Math.floor((now.getTime() - Date.parse(campaign.dueAt)) / DAY);
    for (const [reviewerId, n] of pending) plan.escalations.push({ reviewerId, key: 'overdue', pending: n, daysOverdue });
    plan.channel = { channel: esc.channel, key: now.toISOString().slice(0, 10), overdueReviewers: [...pending].map(([reviewerId, n]) => ({ reviewerId, pending: n })) };
  }
  return plan;
}
