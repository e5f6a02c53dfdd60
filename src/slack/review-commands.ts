/**
 * `/access-review` subcommands. Quick ones answer in the command's own (ephemeral) response;
 * long ones (open, remind) answer "working on it" at once and DM the outcome when done.
 * Security-team subcommands check the role on server-side config and ledger refusals.
 */
import { EVENT } from '../audit/event-types.js';
import { campaignProgress } from '../reviews/campaign-progress.js';
import { findDefinition, openCampaign } from '../reviews/open-campaign.js';
import type { ReviewActor } from '../reviews/review-actor.js';
import type { ReviewDeps } from '../reviews/review-deps.js';
import { ReviewError, refusal } from '../reviews/review-error.js';
import { plural } from './blocks/mrkdwn.js';
import { loadPeople, nameOf } from './people.js';
import type { ReminderService } from './reminder-service.js';
import type { ReviewDelivery } from './review-delivery.js';
import type { EvidenceUpload } from './evidence-upload.js';
import { hasRole, resolveSlackActor } from './slack-actor.js';
import { slackErrorCode } from './slack-gateway.js';
import type { SlackServiceDeps } from './slack-services.js';

export const COMMAND = '/access-review';

export interface CommandAnswer {
  /** The immediate (ephemeral) answer. */
  reply: string;
  /** Work to do after answering, whose outcome is sent as a DM. */
  followUp?: () => Promise<void>;
}

const HELP = [
  '*/access-review* — access reviews (recertification) in Slack',
  '• `status` — your pending items per open campaign',
  '• `status <campaign>` — progress of one campaign (e.g. `quarterly-privileged:2026-Q4`)',
  '• `open <review-id> [period]` — open a campaign now and send the review messages _(security team)_',
  '• `remind <campaign>` — remind every reviewer with pending items now _(security team)_',
  '• `export <campaign>` — the evidence pack as files in a DM _(auditors and security team)_',
  '• `help` — this text',
].join('\n');

export class ReviewCommands {
  constructor(
    private readonly s: SlackServiceDeps,
    private readonly delivery: ReviewDelivery,
    private readonly reminders: ReminderService,
    private readonly evidence: EvidenceUpload,
  ) {}

  async handle(slackUserId: string, text: string): Promise<CommandAnswer> {
    const [sub = 'help', ...args] = text.trim().split(/\s+/).filter(Boolean);
    const deps = this.s.review();
    const actor = await resolveSlackActor(deps.store, this.s.directory, slackUserId);
    try {
      switch (sub.toLowerCase()) {
        case 'help':
          return { reply: HELP };
        case 'status':
          return { reply: args[0] ? await this.campaignStatus(deps, actor, args[0]) : await this.myStatus(deps, actor) };
        case 'open':
          return await this.open(deps, actor, slackUserId, args);
        case 'remind':
          return await this.remind(deps, actor, slackUserId, args);
        case 'export':
          return await this.export(deps, actor, slackUserId, args);
        default:
          return { reply: `Unknown subcommand \`${sub.slice(0, 40)}\`.\n${HELP}` };
      }
    } catch (err) {
      if (err instanceof ReviewError) return { reply: `:no_entry_sign: ${err.message}` };
      throw err;
    }
  }

  private async myStatus(deps: ReviewDeps, actor: ReviewActor): Promise<string> {
    const open = await deps.store.campaigns.list({ state: 'open' });
    if (open.length === 0) return 'No access review is open.';
    const mine = new Map<string, number>();
    for (const key of new Set([actor.id, ...(actor.email ? [actor.email] : [])])) {
      for (const item of await deps.store.campaigns.pendingForReviewer(key)) mine.set(item.campaignId, (mine.get(item.campaignId) ?? 0) + 1);
    }
    const lines = open.map((c) => `• *${c.name}* (\`${c.id}\`), due ${c.dueAt.slice(0, 10)}: ${plural(mine.get(c.id) ?? 0, 'item')} pending for you`);
    return ['Open access reviews:', ...lines].join('\n');
  }

  private async campaignStatus(deps: ReviewDeps, actor: ReviewActor, campaignId: string): Promise<string> {
    const p = await campaignProgress(deps.store, campaignId, deps.now());
    if (!p) throw new ReviewError(`no campaign "${campaignId}" (\`/access-review status\` lists the open ones)`, 'not-found');
    const c = p.campaign;
    const lines = [
      `*${c.name}* (\`${c.id}\`): ${c.state}, due ${c.dueAt.slice(0, 10)}${p.overdue ? ' — *overdue*' : ''}`,
      `${p.total} items: ${p.approved} approved, ${p.revoked} revoked, ${p.pending} pending, ${p.expired} expired`,
    ];
    const roles = deps.config.roles;
    if (hasRole(actor, roles.securityTeam) || hasRole(actor, roles.auditors)) {
      const people = await loadPeople(deps.store);
      const waiting = p.reviewers.filter((r) => r.pending > 0);
      for (const r of waiting.slice(0, 15)) lines.push(`• ${await nameOf(people, r.reviewerId)}: ${r.done} done, ${r.pending} pending`);
      if (waiting.length > 15) lines.push(`…and ${plural(waiting.length - 15, 'more reviewer')} with pending items (\`iam-review campaign status ${c.id}\`).`);
    } else {
      const mine = p.reviewers.filter((r) => r.reviewerId === actor.id || r.reviewerId === actor.email);
      const pending = mine.reduce((n, r) => n + r.pending, 0);
      const done = mine.reduce((n, r) => n + r.done, 0);
      lines.push(`Yours: ${done} done, ${pending} pending.`);
    }
    return lines.join('\n');
  }

  private async open(deps: ReviewDeps, actor: ReviewActor, slackUserId: string, args: string[]): Promise<CommandAnswer> {
    await this.requireSecurityTeam(deps, actor, 'open');
    const [reviewId, period] = args;
    if (!reviewId) throw new ReviewError('usage: `/access-review open <review-id> [period]`');
    const def = findDefinition(deps, reviewId);
    return {
      reply: `Opening *${def.name}*${period ? ` for ${period}` : ''}… I will message you when the review messages are out.`,
      followUp: () =>
        this.dmOutcome(slackUserId, async () => {
          const r = await openCampaign(this.s.review(), reviewId, { period, actor: actor.label });
          const d = await this.delivery.deliverCampaign(r.campaign.id, { actor: actor.label });
          const problems = d.withoutSlack.length > 0 ? ` ${plural(d.withoutSlack.length, 'reviewer')} have no Slack account (they will be escalated).` : '';
          return `${r.opened ? 'Opened' : 'Already open'}: *${r.campaign.name}* (\`${r.campaign.id}\`), due ${r.campaign.dueAt.slice(0, 10)}. Review messages: ${d.sent} sent now, ${d.alreadySent} sent before, ${d.failed.length} failed.${problems}`;
        }),
    };
  }

  private async remind(deps: ReviewDeps, actor: ReviewActor, slackUserId: string, args: string[]): Promise<CommandAnswer> {
    await this.requireSecurityTeam(deps, actor, 'remind');
    const [campaignId] = args;
    if (!campaignId) throw new ReviewError('usage: `/access-review remind <campaign>`');
    const campaign = await deps.store.campaigns.get(campaignId);
    if (!campaign) throw new ReviewError(`no campaign "${campaignId}"`, 'not-found');
    if (campaign.state !== 'open') throw new ReviewError(`campaign ${campaignId} is ${campaign.state}: no reminders`, 'conflict');
    return {
      reply: `Sending reminders for *${campaign.name}*…`,
      followUp: () =>
        this.dmOutcome(slackUserId, async () => {
          const r = await this.reminders.run({ campaignId, manual: true, actor: actor.label });
          return `Reminders for \`${campaignId}\`: ${r.reminders} sent, ${r.managerEscalations + r.channelEscalations} escalations, ${r.failed.length} failed (a reviewer reminded today is not reminded twice).`;
        }),
    };
  }

  private async export(deps: ReviewDeps, actor: ReviewActor, slackUserId: string, args: string[]): Promise<CommandAnswer> {
    const roles = deps.config.roles;
    if (!hasRole(actor, roles.auditors) && !hasRole(actor, roles.securityTeam)) await this.refuse(deps, actor, 'export', 'only auditors and the security team may export evidence', args[0]);
    const [campaignId] = args;
    if (!campaignId) throw new ReviewError('usage: `/access-review export <campaign>`');
    const campaign = await deps.store.campaigns.get(campaignId);
    if (!campaign) throw new ReviewError(`no campaign "${campaignId}" (\`/access-review status\` lists the open ones; \`iam-review campaign list\` all)`, 'not-found');
    return {
      reply: `Preparing the evidence pack for *${campaign.name}* (\`${campaign.id}\`)… the files will arrive in a DM from me.`,
      followUp: () =>
        this.dmOutcome(slackUserId, async () => {
          await this.evidence.send(campaign, actor, slackUserId);
          return null; // the upload's own comment is the answer
        }),
    };
  }

  private async requireSecurityTeam(deps: ReviewDeps, actor: ReviewActor, action: string): Promise<void> {
    if (hasRole(actor, deps.config.roles.securityTeam)) return;
    await this.refuse(deps, actor, action, `only the security team may ${action} campaigns`);
  }

  /** Ledgers the refused attempt, then answers it (as a ReviewError). */
  private async refuse(deps: ReviewDeps, actor: ReviewActor, action: string, reason: string, target?: string): Promise<never> {
    const details = { action: `command:${action}`, code: 'role_required', reason, slackId: actor.slackId, channel: 'slack', ...(target ? { target: target.slice(0, 200) } : {}) };
    await deps.audit.record(EVENT.refusal, actor.label, `${COMMAND} ${action}`, details);
    throw refusal('role_required', reason);
  }

  /** Runs `work` and DMs its outcome (nothing when it returns null, having answered itself). */
  private async dmOutcome(slackUserId: string, work: () => Promise<string | null>): Promise<void> {
    let text: string | null;
    try {
      text = await work();
    } catch (err) {
      if (!(err instanceof ReviewError)) this.s.log.error({ err }, 'slash command failed');
      text = `:warning: ${err instanceof ReviewError ? err.message : 'It failed; the error was logged.'}`;
    }
    if (text === null) return;
    try {
      await this.s.slack.postMessage(slackUserId, { text, blocks: [] });
    } catch (err) {
      this.s.log.warn({ error: slackErrorCode(err) }, 'could not DM a command outcome');
    }
  }
}
