/**
 * The owner's reminder of removals not done yet (serve's removal-reminder job, with the removal
 * requests every 15 minutes), before they become overdue and escalate (removal-escalations.ts):
 * per `manual` system, the removals due their reminder (removal-reminder-plan.ts: once
 * `reminderAtShare` of the deadline has passed, 75% by default) in one DM to the system's owner.
 *
 * Once per removal, however often the job runs and on however many replicas: each removal's
 * reminder is a delivery (`remediation:<system>|<owner>|reminder|<remediationId>`) claimed before
 * the DM is sent, and the DM's outcome recorded on the deliveries it lists, with one
 * `reminder.sent` (or `message.failed`) event each, in one store transaction conditional on each
 * being `claimed`. A removal whose reminder another run claimed or sent is left out; a failed
 * one is claimed again by a later run (a retry) while the removal is still due its reminder.
 * An owner without an active Slack account is not reminded (nothing claimed; logged).
 */
import { EVENT } from '../audit/event-types.js';
import type { SystemConfig } from '../config/system-config.js';
import type { Remediation } from '../domain/index.js';
import { removalsToRemind } from '../remediation/removal-reminder-plan.js';
import type { ReviewDeps } from '../reviews/review-deps.js';
import { removalReminderMessage } from './blocks/index.js';
import { nameOf, storePeople } from './people.js';
import { claimedRow, removalThread, systemOwnerInSlack } from './removal-deliveries.js';
import { FROM_CLAIMED } from './review-delivery.js';
import { slackErrorCode } from './slack-gateway.js';
import { BOT_ACTOR } from './slack-events.js';
import type { SlackServiceDeps } from './slack-services.js';

export interface RemovalReminderReport {
  /** Removals due their reminder now (whoever sends it). */
  due: number;
  /** Reminder DMs this run sent (one per system owner). */
  reminders: number;
  /** Removals this run reminded (listed in those DMs). */
  reminded: number;
  /** Removals whose reminder was claimed or sent already (by this or another run). */
  alreadySent: number;
  /** Systems whose owner has no active Slack account: not reminded. */
  withoutSlack: string[];
  failed: Array<{ systemId: string; error: string }>;
}


export class RemovalReminders {
  constructor(private readonly s: SlackServiceDeps) {}

  async run(opts: { actor?: string } = {}): Promise<RemovalReminderReport> {
    const deps = this.s.review();
    const actor = opts.actor ?? BOT_ACTOR;
    const now = deps.now();
    const report: RemovalReminderReport = { due: 0, reminders: 0, reminded: 0, alreadySent: 0, withoutSlack: [], failed: [] };
    const requested = await deps.store.remediations.list({ state: 'requested' });
    if (requested.length === 0) return report;
    const bySystem = new Map<string, Remediation[]>();
    for (const r of requested) bySystem.set(r.systemId, [...(bySystem.get(r.systemId) ?? []), r]);
    for (const system of [...deps.config.systems].sort((a, b) => a.id.localeCompare(b.id))) {
      const due = removalsToRemind(system, deps.config.global, bySystem.get(system.id) ?? [], now);
      if (due.length === 0) continue;
      report.due += due.length;
      await this.remind(deps, system, due, actor, report);
    }
    if (report.due > 0) this.s.log.info({ ...report, failed: report.failed.length }, 'removal reminders sent');
    return report;
  }

  private async remind(deps: ReviewDeps, system: SystemConfig, due: ReadonlyArray<{ remediation: Remediation; remindAt: string }>, actor: string, report: RemovalReminderReport): Promise<void> {
    const found = await systemOwnerInSlack(this.s.directory, system.owner);
    const owner = found.owner;
    if (found.error !== undefined) {
      report.failed.push({ systemId: system.id, error: found.error });
      return;
    }
    const slackId = found.slackId;
    if (!slackId) {
      report.withoutSlack.push(system.id);
      this.s.log.warn({ systemId: system.id, owner, removals: due.length }, 'removal reminder not sent: the system owner has no active Slack account');
      return;
    }
    const at = deps.now().toISOString();
    const prior = new Map((await deps.store.deliveries.list({ campaignId: removalThread(system.id), kind: 'reminder' })).map((d) => [d.key, d.attempts]));
    const claimed = [];
    for (const d of due) {
      const delivery = claimedRow(system.id, owner, 'reminder', d.remediation.id, at, { remediationId: d.remediation.id, slackUserId: slackId, dueAt: d.remediation.dueAt, remindAt: d.remindAt });
      if (await deps.store.deliveries.claim(delivery)) claimed.push({ ...d, delivery });
      else report.alreadySent += 1;
    }
    if (claimed.length === 0) return;

    const ownerName = await nameOf(storePeople(deps.store), owner);
    const message = removalReminderMessage({ system: { id: system.id, name: system.name }, owner: { name: ownerName }, removals: claimed.map((c) => c.remediation), now: at });
    const ids = claimed.map((c) => c.delivery.id);
    const attempts = Math.max(1, ...claimed.map((c) => (prior.get(c.remediation.id) ?? 0) + 1));
    const where = { kind: 'reminder', purpose: 'removal-reminder', systemId: system.id, recipient: owner, slackUserId: slackId };
    let posted;
    try {
      posted = await this.s.slack.postMessage(slackId, message);
    } catch (err) {
      const error = slackErrorCode(err);
      await deps.store.deliveries.updateMany(ids, FROM_CLAIMED, { state: 'failed', attempts, error, updatedAt: deps.now().toISOString() }, (changed) =>
        changed.map((d) => deps.audit.event(EVENT.messageFailed, actor, d.id, { ...where, remediationId: d.key, error })),
      );
      report.failed.push({ systemId: system.id, error });
      return;
    }
    const byId = new Map(claimed.map((c) => [c.delivery.id, c]));
    const changed = await deps.store.deliveries.updateMany(ids, FROM_CLAIMED, { state: 'sent', channel: posted.channel, ts: posted.ts, attempts, error: null, updatedAt: deps.now().toISOString() }, (c) =>
      c.map((d) => {
        const r = byId.get(d.id)!;
        return deps.audit.event(EVENT.reminderSent, actor, d.id, { ...where, remediationId: d.key, dueAt: r.remediation.dueAt, remindAt: r.remindAt, removals: ids.length, channel: posted.channel, ts: posted.ts });
      }),
    );
    if (changed.length < ids.length) this.s.log.warn({ systemId: system.id, channel: posted.channel, ts: posted.ts }, 'sent a removal reminder whose deliveries were no longer claimed: their outcome is not recorded');
    if (changed.length > 0) report.reminders += 1;
    report.reminded += changed.length;
  }
}
