/**
 * `iam-review serve`: the long-running process. It schedules syncs (per system with a
 * schedule), campaign openings (per review definition) and the daily reminder run, through the
 * store-backed scheduler (one run per slot across replicas, missed slots caught up on start),
 * and starts the Slack app when Slack is configured. SIGINT/SIGTERM stop it cleanly: no new
 * message is started, the scheduler and the Slack receiver stop, the store closes.
 */
import { hostname } from 'node:os';
import { Command } from 'commander';
import { WebClient } from '@slack/web-api';
import type { App } from '../app.js';
import { periodOf } from '../domain/index.js';
import { openCampaign } from '../reviews/open-campaign.js';
import type { Job, SchedulerLog } from '../scheduler/scheduler.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { boltLogger } from '../slack/bolt-logger.js';
import type { CloseUpdateReport, DeliveryReport } from '../slack/review-delivery.js';
import type { SlackReviewServices } from '../slack/review-services.js';
import { createSlackReviewServices } from '../slack/review-services.js';
import type { SlackAppConfig, SlackRuntime } from '../slack/slack-app.js';
import { slackConfigured, startSlackApp } from '../slack/slack-app.js';
import { slackServiceDeps } from '../slack/slack-services.js';
import type { CliContext } from './cli-context.js';
import { reviewDeps } from './review-context.js';
import { runSync } from './sync-command.js';

/** The daily reminder and escalation run, in IAM_REVIEW_TIMEZONE. */
export const REMINDERS_CRON = '0 9 * * *';

export interface RunningServer {
  jobs: Job[];
  slack: SlackRuntime | null;
  stop(): Promise<void>;
}

export interface ServeOptions {
  /** Overrides of the Slack app's settings (tests: port 0, a rapid retry policy, a pacer). */
  slack?: Partial<SlackAppConfig>;
  /** Replica name in scheduler claims (default host:pid). */
  owner?: string;
}

export function serveCommand(ctx: CliContext): Command {
  return new Command('serve')
    .description('run the scheduler (syncs, campaigns, reminders) and the Slack app (Socket Mode with SLACK_APP_TOKEN, else HTTP on PORT)')
    .action(async () => {
      const app = await ctx.app();
      const server = await startServer(ctx, app);
      const signal = await new Promise<string>((resolve) => {
        const on = (sig: string) => {
          process.off('SIGINT', on);
          process.off('SIGTERM', on);
          resolve(sig);
        };
        process.on('SIGINT', on);
        process.on('SIGTERM', on);
      });
      app.log.info({ signal }, 'stopping');
      await server.stop();
      ctx.io.out(`Stopped (${signal}).`);
    });
}

export async function startServer(ctx: CliContext, app: App, opts: ServeOptions = {}): Promise<RunningServer> {
  const config = app.loadConfig();
  await app.recordConfig(config, 'serve');
  const env = app.env;
  const shutdown = new AbortController();
  const review = () => reviewDeps(app);

  let slack: SlackRuntime | null = null;
  let services: SlackReviewServices | null = null;
  if (slackConfigured(env)) {
    slack = await startSlackApp(
      { botToken: env.SLACK_BOT_TOKEN!, signingSecret: env.SLACK_SIGNING_SECRET, appToken: env.SLACK_APP_TOKEN, apiUrl: env.SLACK_API_URL, port: env.PORT, ...opts.slack },
      review,
      app.log,
    );
    services = slack.services;
  } else if (env.SLACK_BOT_TOKEN) {
    // A bot token alone: messages go out, but clicks cannot come in (no signing secret or app token).
    services = outboundServices(app);
    app.log.warn('SLACK_BOT_TOKEN is set without SLACK_SIGNING_SECRET or SLACK_APP_TOKEN: review messages are sent, but clicks cannot be received');
  }

  const tz = env.IAM_REVIEW_TIMEZONE;
  const jobs: Job[] = [];
  for (const system of config.systems) {
    if (!system.schedule) continue;
    jobs.push({
      name: `sync:${system.id}`,
      cron: system.schedule.cron,
      timezone: system.schedule.timezone ?? tz,
      run: async () => {
        const outcomes = await runSync(ctx, system.id);
        for (const o of outcomes) app.log.info(o.ok ? { systemId: o.systemId, status: o.result.snapshot.status, applied: o.result.applied } : { systemId: o.systemId, error: o.error }, 'scheduled sync done');
      },
    });
  }
  for (const def of config.reviews) {
    const zone = def.schedule.timezone ?? tz;
    jobs.push({
      name: `campaign:${def.id}`,
      cron: def.schedule.cron,
      timezone: zone,
      run: async (slot) => {
        const r = await openCampaign(review(), def.id, { period: periodOf(def.period, slot, zone), actor: 'scheduler' });
        app.log.info({ campaignId: r.campaign.id, opened: r.opened, items: r.itemsAdded, systemsWithoutState: r.systemsWithoutState }, 'scheduled campaign');
        if (services && r.campaign.state === 'open') await services.delivery.deliverCampaign(r.campaign.id, { actor: 'scheduler', signal: shutdown.signal });
      },
    });
  }
  if (services) {
    const reminders = services.reminders;
    jobs.push({ name: 'reminders', cron: REMINDERS_CRON, timezone: tz, run: async () => void (await reminders.run({ actor: 'scheduler' })) });
  }

  const scheduler = new Scheduler({ store: app.store.scheduler, owner: opts.owner ?? `${hostname()}:${process.pid}`, log: schedulerLog(app), now: () => app.now() });
  await scheduler.start(jobs);
  app.log.info({ jobs: jobs.map((j) => `${j.name} (${j.cron} ${j.timezone})`), slack: slack ? { mode: slack.mode, port: slack.port } : services ? 'outbound only' : 'off' }, 'serve started');
  ctx.io.err(`iam-review serve: ${jobs.length} scheduled jobs; Slack ${slack ? `${slack.mode} mode${slack.port !== null ? ` on port ${slack.port}` : ''}` : services ? 'outbound only' : 'not configured'}.`);

  return {
    jobs,
    slack,
    async stop() {
      shutdown.abort();
      await scheduler.stop();
      await slack?.stop();
    },
  };
}

/**
 * Sends the review messages of a campaign right after `campaign open`, when a bot token is
 * configured; null otherwise. Resumable like every delivery: only missing pages are sent.
 */
export async function deliverIfConfigured(app: App, campaignId: string): Promise<DeliveryReport | null> {
  if (!app.env.SLACK_BOT_TOKEN) return null;
  return outboundServices(app).delivery.deliverCampaign(campaignId);
}

/**
 * Updates the review messages of a closed campaign in place (outcome shown, nothing left to
 * click) after `campaign close`, when a bot token is configured; null otherwise. Idempotent:
 * pages already showing the closed campaign are skipped, so a re-run only retries failures.
 */
export async function updateClosedIfConfigured(app: App, campaignId: string, actor: string): Promise<CloseUpdateReport | null> {
  if (!app.env.SLACK_BOT_TOKEN) return null;
  return outboundServices(app).delivery.updateClosedCampaign(campaignId, { actor });
}

function outboundServices(app: App): SlackReviewServices {
  const client = new WebClient(app.env.SLACK_BOT_TOKEN, { ...(app.env.SLACK_API_URL ? { slackApiUrl: app.env.SLACK_API_URL } : {}), rejectRateLimitedCalls: false, logger: boltLogger(app.log) });
  return createSlackReviewServices(slackServiceDeps({ client, review: () => reviewDeps(app), log: app.log }));
}

function schedulerLog(app: App): SchedulerLog {
  const log = app.log.child({ component: 'scheduler' });
  return {
    info: (msg, fields) => log.info(fields ?? {}, msg),
    warn: (msg, fields) => log.warn(fields ?? {}, msg),
    error: (msg, fields) => log.error(fields ?? {}, msg),
  };
}
