/**
 * The daily escalation of systems whose access review is overdue (DORA cadence,
 * domain/review-coverage.ts; serve's `coverage:overdue` job): one message per escalation
 * channel per day, listing the overdue systems that channel hears of.
 *
 * Which channel: the `escalation.channel` of every review definition whose scope covers the
 * system (reviews/*.yaml), deduplicated. A system no covering definition escalates for goes to
 * the first escalation channel configured (as overdue removals without a campaign do): an
 * overdue review nobody hears of is the failure this escalation exists to prevent. With no
 * escalation channel configured at all, nothing is sent and the run says so in its log line.
 *
 * Each message is one delivery per (channel, day) (`coverage:cadence|<channel>|escalation|review-overdue-<day>`),
 * claimed before sending and recorded with its `escalation.sent` (or `message.failed`) event in
 * one store transaction conditional on it being `claimed`: however often the job runs, or on how
 * many replicas, each channel hears of overdue reviews at most once a day. A failed one is
 * claimed again by a later run that day (a retry).
 */
import { EVENT } from '../audit/event-types.js';
import { coversSystem } from '../config/load-config.js';
import type { SystemCoverage } from '../domain/index.js';
import { readReviewCoverage } from '../policies/read-review-coverage.js';
import type { ReviewDeps } from '../reviews/review-deps.js';
import type { Delivery } from '../store/ports.js';
import { coverageEscalationMessage } from './blocks/index.js';
import { deliveryId, FROM_CLAIMED } from './review-delivery.js';
import { slackErrorCode } from './slack-gateway.js';
import { BOT_ACTOR } from './slack-events.js';
import type { SlackServiceDeps } from './slack-services.js';

/** The delivery "campaign" of the coverage escalations (campaign ids are `<review>:<period>`). */
export const COVERAGE_THREAD = 'coverage:cadence';

export interface CoverageEscalationReport {
  /** Systems whose review is overdue. */
  overdue: number;
  /** Channels sent to by this run. */
  sent: number;
  /** Channels sent to already today (by this or another run). */
  alreadySent: number;
  /** Overdue systems no escalation channel is configured for (none configured at all). */
  unrouted: string[];
  failed: Array<{ deliveryId: string; error: string }>;
}

export class CoverageEscalations {
  constructor(private readonly s: SlackServiceDeps) {}

  async run(opts: { actor?: string } = {}): Promise<CoverageEscalationReport> {
    const deps = this.s.review();
    const actor = opts.actor ?? BOT_ACTOR;
    const overdue = (await readReviewCoverage({ store: deps.store, config: deps.config, now: deps.now })).filter((c) => c.overdue);
    const report: CoverageEscalationReport = { overdue: overdue.length, sent: 0, alreadySent: 0, unrouted: [], failed: [] };
    const byChannel = new Map<string, SystemCoverage[]>();
    for (const c of overdue) {
      const channels = channelsOf(deps, c.system);
      if (channels.length === 0) report.unrouted.push(c.system);
      for (const channel of channels) byChannel.set(channel, [...(byChannel.get(channel) ?? []), c]);
    }
    const now = deps.now().toISOString();
    const key = `review-overdue-${now.slice(0, 10)}`;
    for (const [channel, systems] of [...byChannel].sort(([a], [b]) => a.localeCompare(b))) {
      if (await this.send(deps, channel, key, systems, actor, report)) report.sent += 1;
    }
    if (report.unrouted.length > 0) this.s.log.warn({ systems: report.unrouted }, 'overdue access reviews not escalated: no review definition configures an escalation channel');
    this.s.log.info({ ...report, failed: report.failed.length }, 'overdue access reviews escalated');
    return report;
  }

  /**
   * Claims the channel's delivery of the day and posts; records the outcome with its event.
   * Returns whether this call sent it (false: already claimed or sent today, or failed).
   */
  private async send(deps: ReviewDeps, channel: string, key: string, systems: readonly SystemCoverage[], actor: string, report: CoverageEscalationReport): Promise<boolean> {
    const now = deps.now().toISOString();
    const listed = systems.map((c) => ({ system: c.system, criticality: c.criticality, lastReviewedAt: c.lastReviewedAt, campaign: c.campaign, nextDueAt: c.nextDueAt }));
    const data = { purpose: 'review-overdue', audience: 'channel', to: channel, systems: listed };
    const delivery: Delivery = { id: deliveryId(COVERAGE_THREAD, channel, 'escalation', key), campaignId: COVERAGE_THREAD, recipient: channel, kind: 'escalation', key, state: 'claimed', channel: null, ts: null, attempts: 0, error: null, updatedAt: now, payload: data };
    const prior = await deps.store.deliveries.get(delivery.id);
    if (!(await deps.store.deliveries.claim(delivery))) {
      report.alreadySent += 1;
      return false;
    }
    const attempts = (prior?.attempts ?? 0) + 1;
    const names = new Map(deps.config.systems.map((s) => [s.id, s.name]));
    const message = coverageEscalationMessage({ overdue: systems.map((c) => ({ ...c, name: names.get(c.system) ?? c.system })), now });
    let posted;
    try {
      posted = await this.s.slack.postMessage(channel, message);
    } catch (err) {
      const error = slackErrorCode(err);
      await deps.store.deliveries.update(delivery.id, FROM_CLAIMED, { state: 'failed', attempts, error, updatedAt: deps.now().toISOString() }, (d) => [
        deps.audit.event(EVENT.messageFailed, actor, d.id, { kind: 'escalation', recipient: channel, error, ...data }),
      ]);
      report.failed.push({ deliveryId: delivery.id, error });
      return false;
    }
    const sent = await deps.store.deliveries.update(delivery.id, FROM_CLAIMED, { state: 'sent', channel: posted.channel, ts: posted.ts, attempts, error: null, updatedAt: deps.now().toISOString() }, (d) => [
      deps.audit.event(EVENT.escalationSent, actor, d.id, { key, ...data, channel: posted.channel, ts: posted.ts }),
    ]);
    if (!sent) this.s.log.warn({ deliveryId: delivery.id, channel: posted.channel, ts: posted.ts }, 'sent an escalation whose delivery was no longer claimed: its outcome is not recorded');
    return sent !== null;
  }
}

/**
 * The escalation channels of the review definitions covering the system, deduplicated in
 * definition order; else the first escalation channel configured; else none.
 */
export function channelsOf(deps: Pick<ReviewDeps, 'config'>, systemId: string): string[] {
  const system = deps.config.systems.find((s) => s.id === systemId);
  const own = system ? deps.config.reviews.filter((d) => coversSystem(d, system)).map((d) => d.escalation?.channel) : [];
  const channels = [...new Set(own.filter((c): c is string => Boolean(c)))];
  if (channels.length > 0) return channels;
  const fallback = deps.config.reviews.map((d) => d.escalation?.channel).find((c): c is string => Boolean(c));
  return fallback ? [fallback] : [];
}
