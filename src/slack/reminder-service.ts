/**
 * Reminders and escalations (serve's daily job and `/access-review remind`). Per open campaign
 * `planReminders` says who is due what; here the plan is batched and sent:
 * - one reminder DM per reviewer listing all their campaigns with pending items;
 * - after the due date, one DM per manager per campaign listing their overdue reports, and one
 *   summary per day to the definition's escalation channel.
 * Every message is claimed under its plan key before sending (`${campaign}|${recipient}|reminder|${key}`),
 * so no reminder or escalation goes out twice, however often the job runs.
 */
import { EVENT } from '../audit/event-types.js';
import type { Campaign, Identity, ReviewItem } from '../domain/index.js';
import { findDefinition } from '../reviews/open-campaign.js';
import { planReminders } from '../reviews/reminder-plan.js';
import type { ReviewDeps } from '../reviews/review-deps.js';
import { ReviewError } from '../reviews/review-error.js';
import type { Delivery } from '../store/ports.js';
import type { MessagePayload } from './blocks/index.js';
import { escalationMessage, reminderMessage } from './blocks/index.js';
import type { People } from './people.js';
import { emailOf, loadPeople, nameOf } from './people.js';
import { deliveryId } from './review-delivery.js';
import { slackErrorCode } from './slack-gateway.js';
import { BOT_ACTOR } from './slack-events.js';
import type { SlackServiceDeps } from './slack-services.js';

export interface ReminderReport {
  campaigns: number;
  /** Reminder DMs sent (one per reviewer, whatever their number of campaigns). */
  reminders: number;
  /** Escalation DMs sent to managers. */
  managerEscalations: number;
  /** Escalation summaries posted to channels. */
  channelEscalations: number;
  /** Overdue reviewers without an active manager in the directory: covered by the channel only. */
  withoutManager: string[];
  failed: Array<{ deliveryId: string; error: string }>;
}

export interface ReminderOptions {
  /** Only this campaign (it must be open). */
  campaignId?: string;
  /** A reminder now to every reviewer with pending items (once per day), whatever the plan's rounds. */
  manual?: boolean;
  actor?: string;
}

interface Counts {
  pending: number;
  withFindings: number;
}

const DAY = 86_400_000;

export class ReminderService {
  constructor(private readonly s: SlackServiceDeps) {}

  async run(opts: ReminderOptions = {}): Promise<ReminderReport> {
    const deps = this.s.review();
    const { store } = deps;
    const now = deps.now();
    const actor = opts.actor ?? BOT_ACTOR;
    let campaigns: Campaign[];
    if (opts.campaignId) {
      const c = await store.campaigns.get(opts.campaignId);
      if (!c) throw new ReviewError(`no campaign "${opts.campaignId}"`, 'not-found');
      if (c.state !== 'open') throw new ReviewError(`campaign ${c.id} is ${c.state}: no reminders`, 'conflict');
      campaigns = [c];
    } else {
      campaigns = await store.campaigns.list({ state: 'open' });
    }
    const report: ReminderReport = { campaigns: campaigns.length, reminders: 0, managerEscalations: 0, channelEscalations: 0, withoutManager: [], failed: [] };
    if (campaigns.length === 0) return report;
    await this.s.directory.refreshIfOlderThan(DAY);
    const people = await loadPeople(store);

    const reminders = new Map<string, Array<{ campaign: Campaign; key: string } & Counts>>();
    for (const campaign of campaigns) {
      let def;
      try {
        def = findDefinition(deps, campaign.reviewId);
      } catch (err) {
        this.s.log.warn({ campaignId: campaign.id, error: (err as Error).message }, 'no review definition for an open campaign: no reminders');
        continue;
      }
      const items = await store.campaigns.items(campaign.id);
      const counts = pendingCounts(items);
      const plan = planReminders(campaign, def, items, now);
      const due = opts.manual ? [...counts.keys()].map((reviewerId) => ({ reviewerId, key: `manual-${now.toISOString().slice(0, 10)}` })) : plan.reminders;
      for (const r of due) {
        const c = counts.get(r.reviewerId);
        if (!c) continue;
        const list = reminders.get(r.reviewerId) ?? [];
        list.push({ campaign, key: r.key, ...c });
        reminders.set(r.reviewerId, list);
      }
      await this.escalateToManagers(deps, campaign, plan.escalations, counts, people, actor, report);
      if (plan.channel) await this.escalateToChannel(deps, campaign, plan.channel, counts, people, actor, report);
    }
    for (const [reviewerId, list] of reminders) await this.remind(deps, reviewerId, list, people, actor, report);
    this.s.log.info({ ...report, withoutManager: report.withoutManager.length, failed: report.failed.length }, 'reminders and escalations sent');
    return report;
  }

  private async remind(deps: ReviewDeps, reviewerId: string, list: Array<{ campaign: Campaign; key: string } & Counts>, people: People, actor: string, report: ReminderReport): Promise<void> {
    const now = deps.now().toISOString();
    const rows = list.map((r) => ({ r, delivery: row(r.campaign.id, reviewerId, 'reminder', r.key, now, { pending: r.pending }) }));
    const claimed = [];
    for (const x of rows) if (await deps.store.deliveries.claim(x.delivery)) claimed.push(x);
    if (claimed.length === 0) return;
    const message = reminderMessage({
      reviewer: { name: await nameOf(people, reviewerId) },
      now,
      campaigns: claimed.map(({ r }) => ({ campaign: r.campaign, pending: r.pending, withFindings: r.withFindings })),
    });
    const sent = await this.send(deps, await this.slackIdOf(people, reviewerId), message, claimed.map((x) => x.delivery), actor, report);
    if (!sent) return;
    report.reminders += 1;
    await deps.audit.recordMany(claimed.map(({ r, delivery }) => ({ type: EVENT.reminderSent, actor, subject: delivery.id, data: { campaignId: r.campaign.id, reviewerId, key: r.key, pending: r.pending, channel: sent.channel, ts: sent.ts } })));
  }

  private async escalateToManagers(
    deps: ReviewDeps,
    campaign: Campaign,
    escalations: ReadonlyArray<{ reviewerId: string; key: string; daysOverdue: number }>,
    counts: Map<string, Counts>,
    people: People,
    actor: string,
    report: ReminderReport,
  ): Promise<void> {
    const now = deps.now().toISOString();
    const byManager = new Map<string, { manager: Identity; rows: Array<{ reviewerId: string; delivery: Delivery; daysOverdue: number }> }>();
    for (const e of escalations) {
      const reviewer = await people.resolve(e.reviewerId);
      const manager = reviewer?.managerId ? await people.resolve(reviewer.managerId) : null;
      if (!manager || manager.status !== 'active' || manager.id === reviewer?.id) {
        if (!report.withoutManager.includes(e.reviewerId)) report.withoutManager.push(e.reviewerId);
        continue;
      }
      const delivery = row(campaign.id, e.reviewerId, 'escalation', e.key, now, { to: manager.id, audience: 'manager' });
      if (!(await deps.store.deliveries.claim(delivery))) continue;
      const group = byManager.get(manager.id) ?? { manager, rows: [] };
      group.rows.push({ reviewerId: e.reviewerId, delivery, daysOverdue: e.daysOverdue });
      byManager.set(manager.id, group);
    }
    for (const { manager, rows } of byManager.values()) {
      const overdue = await Promise.all(rows.map(async (r) => ({ reviewerName: await nameOf(people, r.reviewerId), reviewerSlackId: await this.slackIdOf(people, r.reviewerId), ...counts.get(r.reviewerId)! })));
      const message = escalationMessage({ campaign, now, audience: { kind: 'manager', managerName: manager.displayName }, overdue });
      const sent = await this.send(deps, await this.slackIdOf(people, manager.id), message, rows.map((r) => r.delivery), actor, report);
      if (!sent) continue;
      report.managerEscalations += 1;
      await deps.audit.recordMany(rows.map((r) => ({ type: EVENT.escalationSent, actor, subject: r.delivery.id, data: { campaignId: campaign.id, reviewerId: r.reviewerId, audience: 'manager', to: manager.id, pending: counts.get(r.reviewerId)?.pending ?? 0, daysOverdue: r.daysOverdue, channel: sent.channel, ts: sent.ts } })));
    }
  }

  private async escalateToChannel(
    deps: ReviewDeps,
    campaign: Campaign,
    plan: { channel: string; key: string; overdueReviewers: ReadonlyArray<{ reviewerId: string; pending: number }> },
    counts: Map<string, Counts>,
    people: People,
    actor: string,
    report: ReminderReport,
  ): Promise<void> {
    const now = deps.now().toISOString();
    const delivery = row(campaign.id, plan.channel, 'escalation', plan.key, now, { audience: 'channel', reviewers: plan.overdueReviewers.length });
    if (!(await deps.store.deliveries.claim(delivery))) return;
    const overdue = await Promise.all(
      plan.overdueReviewers.map(async (r) => ({ reviewerName: await nameOf(people, r.reviewerId), reviewerSlackId: await this.slackIdOf(people, r.reviewerId), pending: r.pending, withFindings: counts.get(r.reviewerId)?.withFindings ?? 0 })),
    );
    const sent = await this.send(deps, plan.channel, escalationMessage({ campaign, now, audience: { kind: 'channel' }, overdue }), [delivery], actor, report);
    if (!sent) return;
    report.channelEscalations += 1;
    await deps.audit.record(EVENT.escalationSent, actor, delivery.id, { campaignId: campaign.id, audience: 'channel', to: plan.channel, reviewers: plan.overdueReviewers.map((r) => r.reviewerId), channel: sent.channel, ts: sent.ts });
  }

  /** Posts one message for claimed deliveries and records the outcome on each; null when it failed. */
  private async send(deps: ReviewDeps, to: string | null, message: MessagePayload, deliveries: readonly Delivery[], actor: string, report: ReminderReport): Promise<{ channel: string; ts: string } | null> {
    let outcome: { channel: string; ts: string } | { error: string };
    try {
      outcome = to ? await this.s.slack.postMessage(to, message) : { error: 'no active Slack account' };
    } catch (err) {
      outcome = { error: slackErrorCode(err) };
    }
    const at = deps.now().toISOString();
    for (const d of deliveries) {
      if ('error' in outcome) {
        await deps.store.deliveries.update(d.id, { state: 'failed', attempts: 1, error: outcome.error, updatedAt: at });
        await deps.audit.record(EVENT.messageFailed, actor, d.id, { campaignId: d.campaignId, kind: d.kind, recipient: d.recipient, error: outcome.error });
        report.failed.push({ deliveryId: d.id, error: outcome.error });
      } else {
        await deps.store.deliveries.update(d.id, { state: 'sent', channel: outcome.channel, ts: outcome.ts, attempts: 1, error: null, updatedAt: at });
      }
    }
    return 'error' in outcome ? null : outcome;
  }

  private async slackIdOf(people: People, key: string): Promise<string | null> {
    const email = await emailOf(people, key);
    return email ? this.s.directory.userIdForEmail(email) : null;
  }
}

function pendingCounts(items: readonly ReviewItem[]): Map<string, Counts> {
  const counts = new Map<string, Counts>();
  for (const i of items) {
    if (i.state !== 'pending') continue;
    const c = counts.get(i.reviewerId) ?? { pending: 0, withFindings: 0 };
    c.pending += 1;
    if (i.findings.length > 0) c.withFindings += 1;
    counts.set(i.reviewerId, c);
  }
  return counts;
}

function row(campaignId: string, recipient: string, kind: Delivery['kind'], key: string, at: string, payload: Record<string, unknown>): Delivery {
  return { id: deliveryId(campaignId, recipient, kind, key), campaignId, recipient, kind, key, state: 'claimed', channel: null, ts: null, attempts: 0, error: null, updatedAt: at, payload };
}
