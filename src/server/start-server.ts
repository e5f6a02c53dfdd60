/**
 * The long-running process, wired from the app's services (part of the composition root): it
 * schedules syncs (per system with a schedule), campaign openings (per review definition), the
 * daily reminder run, the hand-off of items passed on to a later review stage (multi-stage
 * definitions, with Slack), removal requests and the owners' removal reminders (every 15 minutes,
 * with Slack) and the daily overdue-removal run
 * (mark overdue, escalate to owners and the escalation channel), the daily escalation of systems
 * whose access review is overdue (DORA cadence, with Slack) through the store-backed
 * scheduler (one run per slot across replicas, missed slots caught up on start), and starts the
 * Slack app when Slack is configured. It serves /healthz, /readyz and /metrics (health-routes.ts):
 * in HTTP mode on PORT beside /slack/events, else (Socket Mode, no Slack) on HEALTH_PORT
 * (default PORT). Once started, it syncs every configured system that has no current snapshot
 * yet (a fresh deployment has data within minutes, not at the next scheduled slot), in the
 * background: `initialSync` settles when those runs are done.
 * stop() starts no new message or sync, waits for the initial sync, stops the scheduler, the
 * Slack receiver and the health server.
 */
import { hostname } from 'node:os';
import type { App } from '../app.js';
import { periodOf } from '../domain/index.js';
import { openCampaign } from '../reviews/open-campaign.js';
import { isMultiStage } from '../reviews/review-stages.js';
import type { Job, SchedulerLog } from '../scheduler/scheduler.js';
import { Scheduler } from '../scheduler/scheduler.js';
import type { SlackReviewServices } from '../slack/review-services.js';
import type { SlackAppConfig, SlackRuntime } from '../slack/slack-app.js';
import type { SyncOutcome } from '../sync/sync-runner.js';
import { readinessProbe } from './health-checks.js';
import { healthRoutes } from './health-routes.js';
import type { HealthServer } from './health-server.js';
import { startHealthServer } from './health-server.js';
import type { Metrics } from './metrics.js';
import { createMetrics } from './metrics.js';

/** The daily reminder and escalation run, in IAM_REVIEW_TIMEZONE. */
export const REMINDERS_CRON = '0 9 * * *';
/**
 * Removal requests go out on this short schedule rather than after each decision: every
 * decision made in the meantime (Slack, CLI, several replicas) lands in one batched request per
 * system owner, and the store-backed scheduler runs each slot once across replicas.
 */
export const REMOVAL_REQUESTS_CRON = '*/15 * * * *';
/**
 * Owners' removal reminders (75% into a deadline by default) are checked as often as requests
 * are sent: a 24-hour deadline leaves a 6-hour window, and a system's own deadline may be shorter.
 */
export const REMOVAL_REMINDERS_CRON = REMOVAL_REQUESTS_CRON;
/** Overdue removals are marked and escalated daily, with the review reminders. */
export const REMOVAL_OVERDUE_CRON = REMINDERS_CRON;
/**
 * Items passed on to a later stage by decisions made outside Slack (the CLI) are handed to that
 * stage's reviewer on this schedule (slack/stage-delivery.ts); decisions in Slack hand off at once.
 */
export const STAGE_HAND_OFF_CRON = '*/5 * * * *';
/** Systems whose access review is overdue (DORA cadence) are escalated daily, with the review reminders. */
export const COVERAGE_OVERDUE_CRON = REMINDERS_CRON;

export interface RunningServer {
  jobs: Job[];
  slack: SlackRuntime | null;
  /** The port /healthz, /readyz and /metrics answer on (Bolt's in HTTP mode, else the health server's). */
  healthPort: number;
  metrics: Metrics;
  /** The syncs of the systems that had no current snapshot at start (none: resolves to []). */
  initialSync: Promise<SyncOutcome[]>;
  /** The server's one-line start summary, for people (the CLI prints it on stdout; stderr is for JSON logs). */
  summary: string;
  stop(): Promise<void>;
}

export interface ServeOptions {
  /** Overrides of the Slack app's settings (tests: port 0, a rapid retry policy). */
  slack?: Partial<SlackAppConfig>;
  /** Replica name in scheduler claims (default host:pid). */
  owner?: string;
}

export async function startServer(app: App, opts: ServeOptions = {}): Promise<RunningServer> {
  const config = app.loadConfig();
  await app.recordConfig(config, 'serve');
  const env = app.env;
  const shutdown = new AbortController();

  let slack: SlackRuntime | null = null;
  let services: SlackReviewServices | null = null;
  const metrics = createMetrics({ store: app.store, now: () => app.now() });
  const countSlackCalls = app.slack.apiCalls.observe((method, outcome) => metrics.recordSlackCall(method, outcome));
  const ready = readinessProbe({
    store: app.store,
    loadConfig: () => app.loadConfig(),
    timeZone: env.IAM_REVIEW_TIMEZONE,
    now: () => app.now(),
    slackAuthTest: app.slack.configured ? async () => void (await slack?.app.client.auth.test()) : null,
  });
  const routes = healthRoutes({ ready, metrics, onError: (err, path) => app.log.error({ err, path }, 'health route failed') });
  if (app.slack.configured) {
    slack = await app.slack.start({ customRoutes: routes, ...opts.slack });
    services = slack.services;
  } else if (env.SLACK_BOT_TOKEN) {
    // A bot token alone: messages go out, but clicks cannot come in (no signing secret or app token).
    services = await app.slack.outbound();
    app.log.warn('SLACK_BOT_TOKEN is set without SLACK_SIGNING_SECRET or SLACK_APP_TOKEN: review messages are sent, but clicks cannot be received');
  }

  const sync = async (systemId: string, done: string): Promise<SyncOutcome[]> => {
    const outcomes = await app.sync.runConfigured(systemId, { actor: 'scheduler', signal: shutdown.signal });
    for (const o of outcomes) {
      metrics.recordSync(o);
      app.log.info(o.ok ? { systemId: o.systemId, status: o.result.snapshot.status, applied: o.result.applied } : { systemId: o.systemId, error: o.error }, done);
    }
    return outcomes;
  };

  const tz = env.IAM_REVIEW_TIMEZONE;
  const jobs: Job[] = [];
  for (const system of config.systems) {
    if (!system.schedule) continue;
    jobs.push({
      name: `sync:${system.id}`,
      cron: system.schedule.cron,
      timezone: system.schedule.timezone ?? tz,
      run: async () => void (await sync(system.id, 'scheduled sync done')),
    });
  }
  for (const def of config.reviews) {
    const zone = def.schedule.timezone ?? tz;
    jobs.push({
      name: `campaign:${def.id}`,
      cron: def.schedule.cron,
      timezone: zone,
      run: async (slot) => {
        const r = await openCampaign(app.reviews.deps(), def.id, { period: periodOf(def.period, slot, zone), actor: 'scheduler' });
        app.log.info({ campaignId: r.campaign.id, opened: r.opened, items: r.itemsAdded, systemsWithoutState: r.systemsWithoutState }, 'scheduled campaign');
        if (services && r.campaign.state === 'open') await services.delivery.deliverCampaign(r.campaign.id, { actor: 'scheduler', signal: shutdown.signal });
      },
    });
  }
  if (services) {
    const reminders = services.reminders;
    jobs.push({ name: 'reminders', cron: REMINDERS_CRON, timezone: tz, run: async () => void (await reminders.run({ actor: 'scheduler' })) });
  }
  jobs.push({
    name: 'remediation:request',
    cron: REMOVAL_REQUESTS_CRON,
    timezone: tz,
    run: async () => {
      // Revokes decided since the last run get their remediation, then each system's requester asks for the removals due.
      await app.remediation.open('scheduler');
      for (const r of await app.remediation.requestRemovals({ actor: 'scheduler', signal: shutdown.signal })) {
        if (r.due.length > 0) app.log.info({ systemId: r.systemId, mode: r.mode, due: r.due.length, requested: r.requested, failed: r.failed, skipped: r.skipped, unavailable: r.unavailable }, 'removals requested');
      }
    },
  });
  if (services) {
    const removalReminders = services.removalReminders;
    jobs.push({
      name: 'remediation:remind',
      cron: REMOVAL_REMINDERS_CRON,
      timezone: tz,
      run: async () => void (await removalReminders.run({ actor: 'scheduler' })),
    });
  }
  const escalations = services?.removalEscalations ?? null;
  jobs.push({
    name: 'remediation:overdue',
    cron: REMOVAL_OVERDUE_CRON,
    timezone: tz,
    run: async () => {
      const { overdue } = await app.remediation.markOverdue();
      const escalated = escalations ? await escalations.run({ actor: 'scheduler' }) : null;
      app.log.info({ markedOverdue: overdue, escalated: escalated ? { owners: escalated.ownerEscalations, channels: escalated.channelEscalations, failed: escalated.failed.length } : 'no Slack' }, 'overdue removals');
    },
  });

  if (services && config.reviews.some(isMultiStage)) {
    const stages = services.stages;
    jobs.push({ name: 'reviews:stage-hand-off', cron: STAGE_HAND_OFF_CRON, timezone: tz, run: async () => void (await stages.catchUp({ actor: 'scheduler', signal: shutdown.signal })) });
  }
  if (services) {
    const coverage = services.coverageEscalations;
    jobs.push({ name: 'coverage:overdue', cron: COVERAGE_OVERDUE_CRON, timezone: tz, run: async () => void (await coverage.run({ actor: 'scheduler' })) });
  }

  // Listening before the scheduler's catch-up, which may sync for a while: liveness must answer meanwhile.
  let health: HealthServer | null = null;
  if (slack?.port == null) {
    try {
      health = await startHealthServer(routes, env.HEALTH_PORT ?? env.PORT);
    } catch (err) {
      await slack?.stop();
      throw err;
    }
  }
  const healthPort = health?.port ?? slack!.port!;
  const owner = opts.owner ?? `${hostname()}:${process.pid}`;
  const scheduler = new Scheduler({ store: app.store.scheduler, owner, log: schedulerLog(app), now: () => app.now() });
  await scheduler.start(jobs);
  const initialSync = syncUnsynced(app, config.systems.map((s) => s.id), owner, shutdown.signal, sync);
  app.log.info({ jobs: jobs.map((j) => `${j.name} (${j.cron} ${j.timezone})`), slack: slack ? { mode: slack.mode, port: slack.port } : services ? 'outbound only' : 'off', healthPort }, 'serve started');
  const summary = `iam-review serve: ${jobs.length} scheduled jobs; Slack ${slack ? `${slack.mode} mode${slack.port !== null ? ` on port ${slack.port}` : ''}` : services ? 'outbound only' : 'not configured'}; /healthz, /readyz, /metrics on port ${healthPort}.`;

  return {
    jobs,
    slack,
    healthPort,
    metrics,
    initialSync,
    summary,
    async stop() {
      shutdown.abort();
      await initialSync;
      await scheduler.stop();
      await slack?.stop();
      await health?.stop();
      countSlackCalls();
    },
  };
}

/** How long an initial sync's claim holds before another replica may take it over (the scheduler's lease). */
const INITIAL_SYNC_LEASE_MS = 30 * 60_000;

/**
 * Syncs, one after the other, the systems that have no current snapshot (a fresh deployment, a
 * system added to the config). Replicas starting together sync each system once: each initial
 * sync is a scheduler slot `initial-sync:<system>@attempt-<n>` that one replica claims, where n
 * is how many snapshots the system has (all failed or stopped, since it has no current
 * one): replicas starting together see the same attempt, and a restart after a stopped or failed
 * initial sync sees the next one and tries again. Never rejects: a failure is logged (a failed sync is already a
 * failed snapshot), and the next scheduled slot tries again.
 */
async function syncUnsynced(app: App, systemIds: readonly string[], owner: string, stopping: AbortSignal, sync: (systemId: string, done: string) => Promise<SyncOutcome[]>): Promise<SyncOutcome[]> {
  const outcomes: SyncOutcome[] = [];
  try {
    const current = await app.store.snapshots.currentAll();
    for (const id of systemIds) {
      if (stopping.aborted) break;
      if (current.has(id)) continue;
      const job = `initial-sync:${id}`;
      const slot = `${job}@attempt-${(await app.store.snapshots.list({ systemId: id })).length}`;
      if (!(await app.store.scheduler.claim(slot, job, owner, app.now().toISOString(), INITIAL_SYNC_LEASE_MS))) {
        app.log.info({ systemId: id }, 'initial sync claimed by another replica');
        continue;
      }
      outcomes.push(...(await sync(id, 'initial sync done')));
      await app.store.scheduler.complete(slot, app.now().toISOString());
    }
  } catch (err) {
    app.log.error({ err }, 'initial sync failed');
  }
  return outcomes;
}

function schedulerLog(app: App): SchedulerLog {
  const log = app.log.child({ component: 'scheduler' });
  return {
    info: (msg, fields) => log.info(fields ?? {}, msg),
    warn: (msg, fields) => log.warn(fields ?? {}, msg),
    error: (msg, fields) => log.error(fields ?? {}, msg),
  };
}
