/**
 * Rubber-stamp detection at close: when a closed campaign has reviewers flagged by
 * review-quality observations (reviews/campaign-review-quality.ts, policies/global.yaml
 * `reviewQuality`), every security-team member (reviews/roles.yaml `securityTeam`) gets one
 * DM listing them. Like every delivery: one per (campaign, member), claimed before sending and
 * recorded with its `message.sent` (or `message.failed`) event in one store transaction
 * conditional on it being `claimed`, so a re-run (`campaign close` again) sends only what was
 * not sent, and retries what failed. Nobody flagged: no message, nothing ledgered.
 */
import { EVENT } from '../audit/event-types.js';
import { campaignReviewQuality } from '../reviews/campaign-review-quality.js';
import { ReviewError } from '../reviews/review-error.js';
import { reviewerLabel, reviewerNames } from '../reviews/reviewer-names.js';
import type { Delivery } from '../store/ports.js';
import { reviewQualityMessage } from './blocks/index.js';
import { deliveryId, FROM_CLAIMED } from './review-delivery.js';
import { slackErrorCode } from './slack-gateway.js';
import { BOT_ACTOR } from './slack-events.js';
import type { SlackServiceDeps } from './slack-services.js';

/** The delivery key of the close DM (one per campaign and member). */
const KEY = 'review-quality';

export interface ReviewQualityNoticeReport {
  campaignId: string;
  /** Reviewers with at least one observation. */
  flagged: number;
  sent: number;
  alreadySent: number;
  failed: Array<{ deliveryId: string; recipient: string; error: string }>;
  /** Claimed by an earlier run that stopped before recording the outcome: not re-sent. */
  uncertain: string[];
}

export class ReviewQualityNotice {
  constructor(private readonly s: SlackServiceDeps) {}

  async notifyClosed(campaignId: string, opts: { actor?: string } = {}): Promise<ReviewQualityNoticeReport> {
    const deps = this.s.review();
    const actor = opts.actor ?? BOT_ACTOR;
    const campaign = await deps.store.campaigns.get(campaignId);
    if (!campaign) throw new ReviewError(`no campaign "${campaignId}"`, 'not-found');
    if (campaign.state !== 'closed') throw new ReviewError(`campaign ${campaignId} is ${campaign.state}: review quality is sent when it closes`, 'conflict');
    const quality = await campaignReviewQuality(deps.store, campaignId, deps.config.global.reviewQuality);
    const report: ReviewQualityNoticeReport = { campaignId, flagged: quality.flagged, sent: 0, alreadySent: 0, failed: [], uncertain: [] };
    if (quality.flagged === 0) return report;
    const names = await reviewerNames(deps.store, quality.reviewers.map((r) => r.reviewerId));
    const message = reviewQualityMessage({ campaign, quality, reviewer: (id) => reviewerLabel(names.get(id), id) });
    const flagged = quality.reviewers.filter((r) => r.observations.length > 0).map((r) => ({ reviewerId: r.reviewerId, patterns: r.observations.map((o) => o.pattern) }));
    const data = { kind: 'notice', purpose: 'review-quality', campaignId, flagged };
    for (const member of [...new Set(deps.config.roles.securityTeam.map((e) => e.toLowerCase()))]) {
      const at = deps.now().toISOString();
      const delivery: Delivery = { id: deliveryId(campaignId, member, 'notice', KEY), campaignId, recipient: member, kind: 'notice', key: KEY, state: 'claimed', channel: null, ts: null, attempts: 0, error: null, updatedAt: at, payload: { purpose: KEY } };
      const prior = await deps.store.deliveries.get(delivery.id);
      if (!(await deps.store.deliveries.claim(delivery))) {
        if (prior?.state === 'claimed') report.uncertain.push(delivery.id);
        else report.alreadySent += 1;
        continue;
      }
      const attempts = (prior?.attempts ?? 0) + 1;
      let posted;
      try {
        const slackId = await this.s.directory.userIdForEmail(member);
        if (!slackId) throw new Error(`no active Slack account for ${member}`);
        posted = await this.s.slack.postMessage(slackId, message);
      } catch (err) {
        const error = slackErrorCode(err);
        await deps.store.deliveries.update(delivery.id, FROM_CLAIMED, { state: 'failed', attempts, error, updatedAt: deps.now().toISOString() }, (d) => [
          deps.audit.event(EVENT.messageFailed, actor, d.id, { ...data, recipient: member, error }),
        ]);
        report.failed.push({ deliveryId: delivery.id, recipient: member, error });
        continue;
      }
      const sent = await deps.store.deliveries.update(delivery.id, FROM_CLAIMED, { state: 'sent', channel: posted.channel, ts: posted.ts, attempts, error: null, updatedAt: deps.now().toISOString() }, (d) => [
        deps.audit.event(EVENT.messageSent, actor, d.id, { ...data, recipient: member, channel: posted.channel, ts: posted.ts }),
      ]);
      if (sent) report.sent += 1;
      else this.s.log.warn({ deliveryId: delivery.id, channel: posted.channel, ts: posted.ts }, 'sent a review-quality notice whose delivery was no longer claimed: its outcome is not recorded');
    }
    this.s.log.info({ ...report, failed: report.failed.length, uncertain: report.uncertain.length }, 'review quality sent to the security team');
    return report;
  }
}
