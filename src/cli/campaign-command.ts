import { Command, Option } from 'commander';
import { ITEM_STATES } from '../domain/index.js';
import type { ItemState } from '../domain/index.js';
import { closeCampaignOnce } from '../reviews/close-campaign.js';
import { findDefinition, openCampaign } from '../reviews/open-campaign.js';
import type { ReviewDefinition } from '../config/review-config.js';
import type { App } from '../app.js';
import { campaignProgress } from '../reviews/campaign-progress.js';
import { campaignReviewQuality } from '../reviews/campaign-review-quality.js';
import { reviewQualityLines } from './review-quality-lines.js';
import { reviewerIdOf, reviewerLabel, reviewerNames } from '../reviews/reviewer-names.js';
import type { CliContext } from './cli-context.js';
import { CliError, EXIT, usageError } from './cli-error.js';
import { signOffCampaign, SignOffError } from '../reviews/sign-off-campaign.js';
import { itemContexts, printItemContexts } from './item-context.js';
import { asCliError } from './review-errors.js';
import type { CloseUpdateReport, DeliveryReport } from '../slack/review-delivery.js';

/** `iam-review campaign open|list|status|items|close` */
export function campaignCommand(ctx: CliContext): Command {
  const cmd = new Command('campaign').description('review campaigns: open one now, list them, show progress, close one');

  cmd
    .command('open <review-id>')
    .description('open the campaign of a review definition for the current (or given) period; idempotent and resumable')
    .option('--period <period>', 'e.g. 2026-Q4, 2026-H2, 2026-11, 2026 (default: the current period)')
    .option('--as <email>', 'who runs it, for the ledger (default: IAM_REVIEW_OPERATOR, else the OS user@host)')
    .action(async (reviewId: string, opts: { period?: string; as?: string }) => {
      const operator = ctx.operator(opts.as);
      const app = await ctx.app();
      const r = await openCampaign(await app.reviews.recordedDeps(operator), reviewId, { period: opts.period, actor: operator }).catch(asCliError);
      // Counted in the store, not loaded: a campaign may hold a million items.
      const items = await app.store.campaigns.countItems(r.campaign.id);
      ctx.io.out(`${r.opened ? 'Opened' : 'Already open'}: ${r.campaign.id} (${r.campaign.name}), ${items} items, due ${r.campaign.dueAt.slice(0, 10)}`);
      if (r.systemsWithoutState.length > 0) ctx.io.out(`Warning: no current state for ${r.systemsWithoutState.join(', ')} (never synced completely): not in this campaign.`);
      // Resumable like every delivery: only missing pages are sent.
      const outbound = await app.slack.outbound();
      const delivery = r.campaign.state === 'open' && outbound ? await outbound.delivery.deliverCampaign(r.campaign.id) : null;
      ctx.io.out(delivery ? `Slack: ${formatDelivery(delivery)}` : 'Slack is not configured (SLACK_BOT_TOKEN): review messages are sent by `serve` or the next `campaign open` once it is.');
    });

  cmd
    .command('list')
    .description('list campaigns')
    .option('--state <state>', 'opening | open | closed')
    .option('--json', 'print JSON')
    .action(async (opts: { state?: 'opening' | 'open' | 'closed'; json?: boolean }) => {
      const app = await ctx.app();
      const campaigns = await app.store.campaigns.list(opts.state ? { state: opts.state } : undefined);
      if (opts.json) return ctx.io.out(JSON.stringify(campaigns, null, 2));
      if (campaigns.length === 0) return ctx.io.out('No campaigns.');
      for (const c of campaigns) ctx.io.out(`${c.id.padEnd(36)} ${c.state.padEnd(8)} opened ${c.openedAt.slice(0, 10)}  due ${c.dueAt.slice(0, 10)}${c.closedAt ? `  closed ${c.closedAt.slice(0, 10)}` : ''}`);
    });

  cmd
    .command('status <campaign-id>')
    .description('progress of a campaign: decided / pending / overdue, per reviewer')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--json', 'print JSON (same as --format json)')
    .action(async (id: string, opts: { json?: boolean; format: 'table' | 'json' }) => {
      const app = await ctx.app();
      const found = await app.store.campaigns.get(id);
      const def = found ? definitionOf(app, found.reviewId) : undefined;
      const progress = await campaignProgress(app.store, id, app.now(), def);
      if (!progress) throw usageError(`no campaign "${id}"`);
      const quality = await campaignReviewQuality(app.store, id, app.loadConfig().global.reviewQuality);
      const names = await reviewerNames(app.store, [...progress.reviewers, ...quality.reviewers].map((r) => r.reviewerId));
      if (opts.json || opts.format === 'json') {
        const reviewers = progress.reviewers.map((r) => ({ ...r, name: names.get(r.reviewerId)?.name ?? null, email: names.get(r.reviewerId)?.email ?? null }));
        const reviewQuality = { ...quality, reviewers: quality.reviewers.map((r) => ({ ...r, email: names.get(r.reviewerId)?.email ?? null })) };
        return ctx.io.out(JSON.stringify({ ...progress, reviewers, reviewQuality }, null, 2));
      }
      const c = progress.campaign;
      const lines = [
        `${c.name} (${c.id}) — ${c.state}, due ${c.dueAt.slice(0, 10)}${progress.overdue ? ' (OVERDUE)' : ''}`,
        `Items ${progress.total}: ${progress.approved} approved, ${progress.revoked} revoked, ${progress.pending} pending, ${progress.expired} expired`,
        ...(progress.stages ?? []).map((s) => `  Stage ${s.stage} (${s.name}): ${s.decided} decided, ${s.pending} pending`),
        '',
      ];
      const labels = progress.reviewers.map((r) => reviewerLabel(names.get(r.reviewerId), r.reviewerId));
      const width = Math.max('Reviewer'.length, ...labels.map((l) => l.length));
      lines.push(`${'Reviewer'.padEnd(width)}  Done  Pending`);
      progress.reviewers.forEach((r, n) => lines.push(`${labels[n]!.padEnd(width)}  ${String(r.done).padStart(4)} ${String(r.pending).padStart(8)}${r.pending > 0 && progress.overdue ? '  overdue' : ''}`));
      lines.push('', ...reviewQualityLines(quality, (reviewerId) => reviewerLabel(names.get(reviewerId), reviewerId)));
      ctx.io.out(lines.join('\n'));
    });

  cmd
    .command('items <campaign-id>')
    .description('the review items of a campaign, with the ids `decide` takes: system, account, role, scope, owner, reviewer, state, findings')
    .option('--state <state>', `only items in this state (${ITEM_STATES.join(' | ')})`)
    .option('--reviewer <email-or-id>', "only the items of this reviewer (their email, or identity id)")
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--json', 'print JSON (same as --format json)')
    .option('--context', 'each item as its reviewer sees it: person, job, system, role, activity, findings, recommendation')
    .action(async (id: string, opts: { state?: string; reviewer?: string; json?: boolean; format: 'table' | 'json'; context?: boolean }) => {
      if (opts.state !== undefined && !(ITEM_STATES as readonly string[]).includes(opts.state)) throw usageError(`--state must be one of ${ITEM_STATES.join(', ')}, not "${opts.state}"`);
      const app = await ctx.app();
      if (!(await app.store.campaigns.get(id))) throw usageError(`no campaign "${id}"`);
      const reviewerId = opts.reviewer !== undefined ? await reviewerIdOf(app.store, opts.reviewer) : undefined;
      const items = await app.store.campaigns.items(id, { ...(opts.state ? { state: opts.state as ItemState } : {}), ...(reviewerId !== undefined ? { reviewerId } : {}) });
      const json = opts.json === true || opts.format === 'json';
      if (opts.context) return printItemContexts(ctx, await itemContexts(app.reviews.deps(), items, app.now().toISOString()), json);
      if (json) return ctx.io.out(JSON.stringify({ items }, null, 2));
      if (items.length === 0) return ctx.io.out('No items.');
      const names = await reviewerNames(app.store, items.map((i) => i.reviewerId));
      // A STAGE column once any item went past stage 1 (multi-stage reviews); single-stage tables are unchanged.
      const staged = items.some((i) => i.stage !== undefined);
      const rows = items.map((i) => [i.id, i.systemId, i.accountId, i.scope ? `${i.role}@${i.scope}` : i.role, i.identityId ?? '(unowned)', names.get(i.reviewerId)?.email ?? i.reviewerId, ...(staged ? [String(i.stage ?? 1)] : []), i.state, i.findings.map((f) => f.type).join(',')]);
      const header = ['ITEM', 'SYSTEM', 'ACCOUNT', 'ROLE', 'OWNER', 'REVIEWER', ...(staged ? ['STAGE'] : []), 'STATE', 'FINDINGS'];
      const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
      for (const r of [header, ...rows]) ctx.io.out(r.map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c]!))).join('  ').trimEnd());
    });

  cmd
    .command('close <campaign-id>')
    .description('close a campaign: pending items become expired (reported as not reviewed); the review messages in Slack then show the outcome with nothing left to click. Idempotent: on a closed campaign it only retries the messages not updated yet')
    .option('--as <email>', 'who runs it, for the ledger (default: IAM_REVIEW_OPERATOR, else the OS user@host)')
    .action(async (id: string, opts: { as?: string }) => {
      const operator = ctx.operator(opts.as);
      const app = await ctx.app();
      // closeCampaign also completes a close a crash interrupted; "already closed" is not an error here.
      const r = await closeCampaignOnce(await app.reviews.recordedDeps(operator), id, operator).catch(asCliError);
      if (r) ctx.io.out(`Closed ${id}: ${r.approved} approved, ${r.revoked} revoked, ${r.expired} expired (not reviewed).`);
      else ctx.io.out(`Already closed: ${id} (at ${(await app.store.campaigns.get(id))?.closedAt}).`);
      // Idempotent: pages already showing the closed campaign are skipped, so a re-run only retries failures.
      const outbound = await app.slack.outbound();
      const slack = outbound ? await outbound.delivery.updateClosedCampaign(id, { actor: operator }) : null;
      if (slack) ctx.io.out(`Slack: ${formatCloseUpdate(slack)}`);
      // Rubber-stamp detection: the security team's DM, once per member (a re-run retries failures only).
      const notice = outbound ? await outbound.reviewQuality.notifyClosed(id, { actor: operator }) : null;
      if (notice && notice.flagged > 0) ctx.io.out(`Review quality: ${notice.flagged} reviewer(s) flagged; ${notice.sent} DM(s) sent to the security team${notice.alreadySent > 0 ? `, ${notice.alreadySent} sent earlier` : ''}${notice.failed.length > 0 ? `, ${notice.failed.length} failed (${[...new Set(notice.failed.map((f) => f.error))].join(', ')}; run \`campaign close ${id}\` again to retry)` : ''}.`);
    });
  addSignOffCommand(cmd, ctx);
  return cmd;
}

function formatCloseUpdate(r: CloseUpdateReport): string {
  const parts = [`${r.updated} review message(s) updated to show the closed campaign`];
  if (r.alreadyUpdated > 0) parts.push(`${r.alreadyUpdated} updated earlier`);
  if (r.failed.length > 0) parts.push(`${r.failed.length} failed (${[...new Set(r.failed.map((f) => f.error))].join(', ')}; run \`campaign close ${r.campaignId}\` again to retry)`);
  if (r.uncertain.length > 0) parts.push(`${r.uncertain.length} left in doubt by an interrupted delivery (no message to update)`);
  return parts.join('; ');
}

function formatDelivery(r: DeliveryReport): string {
  const parts = [`${r.sent} message(s) sent to ${r.reviewers} reviewer(s)`];
  if (r.alreadySent > 0) parts.push(`${r.alreadySent} already sent earlier`);
  if (r.withoutSlack.length > 0) parts.push(`${r.withoutSlack.length} reviewer(s) without a Slack account (reported to the escalation channel): ${r.withoutSlack.join(', ')}`);
  if (r.failed.length > 0) parts.push(`${r.failed.length} failed (retried by the next run)`);
  if (r.uncertain.length > 0) parts.push(`${r.uncertain.length} left in doubt by an interrupted run (not re-sent)`);
  return parts.join('; ');
}

/**
 * `campaign sign-off <id> --as EMAIL --statement TEXT`: a security-team member attests a closed
 * campaign (src/reviews/sign-off-campaign.ts). Exit 0 when recorded, or when this same sign-off
 * was recorded before; 2 for an unknown campaign or an empty statement; 1 when refused (not
 * closed, not on the security team, signed off already by someone else or with another statement).
 */
function addSignOffCommand(cmd: Command, ctx: CliContext): void {
  cmd
    .command('sign-off <campaign-id>')
    .description('attest a closed campaign (security team only): ledgered as campaign.signed-off, shown in the evidence report and manifest; one sign-off per campaign')
    .requiredOption('--as <email>', 'who signs off: a member of the security team (reviews/roles.yaml securityTeam)')
    .requiredOption('--statement <text>', 'what you attest, e.g. "Reviewed the outcome; revocations are being removed"')
    .action(async (id: string, opts: { as: string; statement: string }) => {
      const app = await ctx.app();
      const r = await signOffCampaign(await app.reviews.recordedDeps(opts.as), { campaignId: id, actor: opts.as, statement: opts.statement }).catch((err: unknown) => {
        if (err instanceof SignOffError) throw new CliError(err.message, err.kind === 'not-found' || err.kind === 'invalid' ? EXIT.invalidInput : EXIT.failure);
        throw err;
      });
      const s = r.signOff;
      ctx.io.out(`${r.recorded ? 'Signed off' : 'Already signed off'}: ${s.campaignId} by ${s.signedBy} at ${s.signedAt}: "${s.statement}"`);
    });
}

/** The campaign's review definition, or undefined when it is no longer configured (its campaigns still show, without stage names). */
function definitionOf(app: App, reviewId: string): ReviewDefinition | undefined {
  try {
    return findDefinition(app.reviews.deps(), reviewId);
  } catch {
    return undefined;
  }
}
