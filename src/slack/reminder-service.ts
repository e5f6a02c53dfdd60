/**
 * Reminders and escalations (serve's daily job and `/access-review remind`). Per open campaign
 * `planReminders` says who is due what; here the plan is batched and sent:
 * - one reminder DM per reviewer listing all their campaigns with pending items;
 * - after the due date, one DM per manager per campaign listing their overdue reports, and one
 *   summary per day to the definition's escalation channel.
 * Every message is claimed under its plan key before sending (`${campaign}|${recipient}|reminder|${key}`),
 * so no reminder or escalation goes out twice, however often the job runs.
 * One message may stand for several deliveries (a reminder listing several campaigns, a manager's
 * overdue reports): its outcome is recorded on all of them, with one event per delivery that
 * changed (`reminder.sent` / `escalation.sent` / `message.failed`), in one store transaction
 * conditional on each being `claimed`. A run that dies between the Slack call and that
 * transaction leaves them `claimed` with no event; later runs cannot claim them again, so the
 * message is neither re-sent nor ledgered twice (see review-delivery.ts).
 */
import { EVENT } from '../audit/event-types.js';
import type { Campaign, Identity, LedgerEventInput, ReviewItem } from '../domain/index.js';
import { findDefinition } from '../reviews/open-campaign.js';
import { planReminders } from '../reviews/reminder-plan.js';
import type { ReviewDeps } from '../reviews/review-deps.js';
import { ReviewError } from '../reviews/review-error.js';
import type { Delivery } from '../store/ports.js';
import type { MessagePayload } from './blocks/index.js';
import { escalationMessage, reminderMessage } from './blocks/index.js';
import type { People } from './people.js';
import { emailOf, loadPeople, nameOf } from './people.js';
import { deliveryId, FROM_CLAIMED } from './review-delivery.js';
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

/** The events of a sent message, for the deliveries whose outcome this call recorded. */
type SentEvents = (changed: readonly Delivery[], sent: { channel: string; ts: string }) => LedgerEventInput[];

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
    const byId = new Map(claimed.map(({ r, delivery }) => [delivery.id, r]));
    const sent = await this.send(deps, await this.slackIdOf(people, reviewerId), message, claimed.map((x) => x.delivery), actor, report, (changed, { channel, ts }) =>
      changed.map((d) => {
        const r = byId.get(d.id)!;
        return deps.audit.event(EVENT.reminderSent, actor, d.id, { campaignId: r.campaign.id, reviewerId, key: r.key, pending: r.pending, channel, ts });
      }),
    );
    if (sent) report.reminders += 1;
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
      const byId = new Map(rows.map((r) => [r.delivery.id, r]));
      const sent = await this.send(deps, await this.slackIdOf(people, manager.id), message, rows.map((r) => r.delivery), actor, report, (changed, { channel, ts }) =>
        changed.map((d) => {
          const r = byId.get(d.id)!;
          return deps.audit.event(EVENT.escalationSent, actor, d.id, { campaignId: campaign.id, reviewerId: r.reviewerId, audience: 'manager', to: manager.id, pending: counts.get(r.reviewerId)?.pending ?? 0, daysOverdue: r.daysOverdue, channel, ts });
        }),
      );
      if (sent) report.managerEscalations += 1;
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
    const reviewers = plan.overdueReviewers.map((r) => r.reviewerId);
    const sent = await this.send(deps, plan.channel, escalationMessage({ campaign, now, audience: { kind: 'channel' }, overdue }), [delivery], actor, report, (changed, { channel, ts }) =>
      changed.map((d) => deps.audit.event(EVENT.escalationSent, actor, d.id, { campaignId: campaign.id, audience: 'channel', to: plan.channel, reviewers, channel, ts })),
    );
    if (sent) report.channelEscalations += 1;
  }

  /**
   * Posts one message for claimed deliveries and records the outcome on all of them with its
   * events (`sentEvents`, or one `message.failed` each) in one store transaction. Returns where
   * it was posted when this call recorded it as sent; null when it failed (or, never in the claim
   * protocol, when none of the deliveries was still claimed: then nothing is recorded and it is logged).
   */
  private async send(
    deps: ReviewDeps,
    to: string | null,
    message: MessagePayload,
    deliveries: readonly Delivery[],
    actor: string,
    report: ReminderReport,
    sentEvents: SentEvents,
  ): Promise<{ channel: string; ts: string } | null> {
    let outcome: { channel: string; ts: string } | { error: string };
    try {
      outcome = to ? await this.s.slack.postMessage(to, message) : { error: 'no active Slack account' };
    } catch (err) {
      outcome = { error: slackErrorCode(err) };
    }
    const at = deps.now().toISOString();
    const ids = deliveries.map((d) => d.id);
    if ('error' in outcome) {
      const { error } = outcome;
      await deps.store.deliveries.updateMany(ids, FROM_CLAIMED, { state: 'failed', attempts: 1, error, updatedAt: at }, (changed) =>
        changed.map((d) => deps.audit.event(EVENT.messageFailed, actor, d.id, { campaignId: d.campaignId, kind: d.kind, recipient: d.recipient, error })),
      );
      for (const id of ids) report.failed.push({ deliveryId: id, error });
      return null;
    }
    const sent = outcome;
    const changed = await deps.store.deliveries.updateMany(ids, FROM_CLAIMED, { state: 'sent', channel: sent.channel, ts: sent.ts, attempts: 1, error: null, updatedAt: at }, (c) => sentEvents(c, sent));
    if (changed.length < ids.length) {
      const recorded = new Set(changed.map((d) => d.id));
      this.s.log.warn({ deliveryIds: ids.filter((id) => !recorded.has(id)), channel: sent.channel, ts: sent.ts }, 'sent a message whose deliveries were no longer claimed: their outcome is not recorded');
    }
    return changed.length > 0 ? sent : null;
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
