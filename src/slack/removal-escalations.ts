/**
 * The daily escalation of overdue removals (serve's daily job, after markOverdue), like overdue
 * reviews: per system with removals in state `overdue`, one DM to the system's owner and one
 * message to the escalation channel of the review definitions the removals came from (a removal
 * without a campaign, or whose definition is gone, goes to the first escalation channel
 * configured). Each message is one delivery per (system, recipient, day), claimed before
 * sending and recorded with its `escalation.sent` (or `message.failed`) event in one store
 * transaction conditional on it being `claimed`: however often the job runs, or on how many
 * replicas, each goes out at most once a day. A failed one is claimed again by a later run that
 * day (a retry).
 */
import { EVENT } from '../audit/event-types.js';
import type { Remediation } from '../domain/index.js';
import { findDefinition } from '../reviews/open-campaign.js';
import type { ReviewDeps } from '../reviews/review-deps.js';
import type { Delivery } from '../store/ports.js';
import type { MessagePayload } from './blocks/index.js';
import { removalEscalationMessage } from './blocks/index.js';
import { claimedRow } from './removal-deliveries.js';
import { FROM_CLAIMED } from './review-delivery.js';
import { slackErrorCode } from './slack-gateway.js';
import { BOT_ACTOR } from './slack-events.js';
import type { SlackServiceDeps } from './slack-services.js';

export interface RemovalEscalationReport {
  /** Systems with overdue removals. */
  systems: number;
  overdue: number;
  ownerEscalations: number;
  channelEscalations: number;
  /** Sent already today (by this or another run). */
  alreadySent: number;
  failed: Array<{ deliveryId: string; error: string }>;
}

const DAY = 86_400_000;

export class RemovalEscalations {
  constructor(private readonly s: SlackServiceDeps) {}

  async run(opts: { actor?: string } = {}): Promise<RemovalEscalationReport> {
    const deps = this.s.review();
    const actor = opts.actor ?? BOT_ACTOR;
    const now = deps.now().toISOString();
    const day = now.slice(0, 10);
    const overdue = await deps.store.remediations.list({ state: 'overdue' });
    const bySystem = new Map<string, Remediation[]>();
    for (const r of overdue) bySystem.set(r.systemId, [...(bySystem.get(r.systemId) ?? []), r]);
    const report: RemovalEscalationReport = { systems: bySystem.size, overdue: overdue.length, ownerEscalations: 0, channelEscalations: 0, alreadySent: 0, failed: [] };
    if (overdue.length === 0) return report;
    await this.s.directory.refreshIfOlderThan(DAY);
    const channels = await this.channelsOf(deps, overdue);
    for (const [systemId, list] of [...bySystem].sort(([a], [b]) => a.localeCompare(b))) {
      const config = deps.config.systems.find((s) => s.id === systemId);
      const system = { id: systemId, name: config?.name ?? systemId, owner: config?.owner.toLowerCase() ?? 'unknown' };
      const ownerSlackId = config ? await this.slackIdOf(config.owner) : null;
      const ids = list.map((r) => r.id);
      if (config) {
        const sent = await this.send(deps, systemId, system.owner, ownerSlackId, `overdue-${day}`, removalEscalationMessage({ system, audience: 'owner', ownerSlackId, overdue: list, now }), actor, report, { audience: 'owner', to: system.owner, remediations: ids });
        if (sent) report.ownerEscalations += 1;
      }
      const byChannel = new Map<string, Remediation[]>();
      for (const r of list) {
        const channel = channels.get(r.id);
        if (channel) byChannel.set(channel, [...(byChannel.get(channel) ?? []), r]);
      }
      for (const [channel, rs] of byChannel) {
        const message = removalEscalationMessage({ system, audience: 'channel', ownerSlackId, overdue: rs, now });
        const sent = await this.send(deps, systemId, channel, channel, `overdue-${day}`, message, actor, report, { audience: 'channel', to: channel, owner: system.owner, remediations: rs.map((r) => r.id) });
        if (sent) report.channelEscalations += 1;
      }
    }
    this.s.log.info({ ...report, failed: report.failed.length }, 'overdue removals escalated');
    return report;
  }

  /** The escalation channel of each removal: its campaign's review definition's, else the first one configured. */
  private async channelsOf(deps: ReviewDeps, removals: readonly Remediation[]): Promise<Map<string, string>> {
    const fallback = deps.config.reviews.map((d) => d.escalation?.channel).find((c): c is string => Boolean(c)) ?? null;
    const byCampaign = new Map<string, string | null>();
    const out = new Map<string, string>();
    for (const r of removals) {
      let channel: string | null = fallback;
      if (r.campaignId) {
        if (!byCampaign.has(r.campaignId)) byCampaign.set(r.campaignId, await this.campaignChannel(deps, r.campaignId));
        channel = byCampaign.get(r.campaignId) ?? fallback;
      }
      if (channel) out.set(r.id, channel);
    }
    return out;
  }

  private async campaignChannel(deps: ReviewDeps, campaignId: string): Promise<string | null> {
    const campaign = await deps.store.campaigns.get(campaignId);
    if (!campaign) return null;
    try {
      return findDefinition(deps, campaign.reviewId).escalation?.channel ?? null;
    } catch {
      return null;
    }
  }

  /**
   * Claims the day's delivery and posts; records the outcome with its event. Returns whether
   * this call sent it (false: already claimed or sent today, or failed).
   */
  private async send(
    deps: ReviewDeps,
    systemId: string,
    recipient: string,
    to: string | null,
    key: string,
    message: MessagePayload,
    actor: string,
    report: RemovalEscalationReport,
    data: Record<string, unknown>,
  ): Promise<boolean> {
    const delivery: Delivery = claimedRow(systemId, recipient, 'escalation', key, deps.now().toISOString(), data);
    const prior = await deps.store.deliveries.get(delivery.id);
    if (!(await deps.store.deliveries.claim(delivery))) {
      report.alreadySent += 1;
      return false;
    }
    const attempts = (prior?.attempts ?? 0) + 1;
    let posted;
    try {
      if (!to) throw new Error(`no active Slack account for ${recipient}`);
      posted = await this.s.slack.postMessage(to, message);
    } catch (err) {
      const error = slackErrorCode(err);
      await deps.store.deliveries.update(delivery.id, FROM_CLAIMED, { state: 'failed', attempts, error, updatedAt: deps.now().toISOString() }, (d) => [
        deps.audit.event(EVENT.messageFailed, actor, d.id, { kind: 'escalation', purpose: 'overdue-removals', systemId, recipient, error, ...data }),
      ]);
      report.failed.push({ deliveryId: delivery.id, error });
      return false;
    }
    const sent = await deps.store.deliveries.update(delivery.id, FROM_CLAIMED, { state: 'sent', channel: posted.channel, ts: posted.ts, attempts, error: null, updatedAt: deps.now().toISOString() }, (d) => [
      deps.audit.event(EVENT.escalationSent, actor, d.id, { purpose: 'overdue-removals', systemId, key, ...data, channel: posted.channel, ts: posted.ts }),
    ]);
    if (!sent) this.s.log.warn({ deliveryId: delivery.id, channel: posted.channel, ts: posted.ts }, 'sent an escalation whose delivery was no longer claimed: its outcome is not recorded');
    return sent !== null;
  }

  private async slackIdOf(email: string): Promise<string | null> {
    try {
      return await this.s.directory.userIdForEmail(email);
    } catch (err) {
      this.s.log.warn({ email, error: slackErrorCode(err) }, 'could not look up a system owner in Slack');
      return null;
    }
  }
}
