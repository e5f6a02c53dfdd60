/**
 * The composition root: the only module that builds adapters and services (with
 * src/server/start-server.ts, which wires the long-running process from them). It reads the
 * environment, opens the store (SQLite by default, MongoDB when MONGODB_URI is set) and builds,
 * once per process, the audit log, the connector registry, the sync, check, review, remediation
 * and evidence services and Slack (outbound only, or the whole Bolt app). Commands, `serve` and the Slack
 * listeners receive these; they parse input, call a service and format output.
 * The Slack side (the Web API client, Bolt, the Slack services) is imported on first use: a command
 * that never talks to Slack does not load it (test/cli/cli-startup-modules.test.ts holds it).
 * eslint.config.js enforces it: the constructors and factories below are refused elsewhere in src/.
 */
import { hostname } from 'node:os';
import type { WebClient } from '@slack/web-api';
import { AuditLog } from './audit/audit-log.js';
import { EVENT } from './audit/event-types.js';
import { EvidenceExporter } from './audit/evidence-exporter.js';
import { configHash } from './config/config-hash.js';
import { loadSigningKey } from './audit/signing-key.js';
import type { LoadedConfig } from './config/load-config.js';
import { loadConfig } from './config/load-config.js';
import type { Env } from './config/env.js';
import { connectorRevokers } from './connectors/grant-revokers.js';
import { ConnectorRegistry } from './connectors/registry.js';
import type { Logger } from './logger.js';
import { createLogger } from './logger.js';
import { CheckService } from './policies/check-service.js';
import { AutoRemovalRequester } from './remediation/auto-removal-requester.js';
import type { RemediationMode } from './config/remediation-config.js';
import type { RemovalRequester } from './remediation/removal-requester.js';
import { RemediationService } from './remediation/remediation-service.js';
import { TicketRequester } from './remediation/tickets/ticket-requester.js';
import { openBreakGlassReviews, undeliveredBreakGlassReviews } from './reviews/open-break-glass-reviews.js';
import type { ReviewDeps } from './reviews/review-deps.js';
import { boltLogger } from './slack/bolt-logger.js';
import type { SlackReviewServices } from './slack/review-services.js';
import type { SlackAppConfig, SlackRuntime } from './slack/slack-app.js';
import { slackConfigured } from './slack/slack-configured.js';
import { SlackApiCalls } from './slack/slack-api-calls.js';
import type { SlackRatePacer } from './slack/slack-rate-limits.js';
import type { Store } from './store/ports.js';
import { openSqliteStore } from './store/sqlite/sqlite-store.js';
import { connectorLog } from './sync/connector-log.js';
import { SyncService } from './sync/sync-service.js';
import { processLiveness } from './sync/stale-runs.js';

export interface App {
  env: Env;
  log: Logger;
  store: Store;
  connectors: ConnectorRegistry;
  /** The one ledger writer of the process. */
  audit: AuditLog;
  /** Reads the config folders afresh on every call: a policy change needs no restart. */
  loadConfig(): LoadedConfig;
  /**
   * Ledgers `config.loaded` (the SHA-256 of every config file) when the config differs from
   * the last one recorded, so the ledger shows which policies every later event ran under.
   */
  recordConfig(config: LoadedConfig, actor: string): Promise<void>;
  now(): Date;
  sync: SyncService;
  check: CheckService;
  reviews: ReviewServices;
  /** Remediations: opened after revoke decisions, verified by applied snapshots, claimed by owners. */
  remediation: RemediationService;
  evidence: EvidenceExporter;
  slack: SlackServices;
  close(): Promise<void>;
}

export interface ReviewServices {
  /** The review operations' dependencies, with the config read afresh. */
  deps(): ReviewDeps;
  /** deps(), after ledgering the config if it changed since it was last recorded. */
  recordedDeps(actor: string): Promise<ReviewDeps>;
}

export interface SlackServices {
  /** Whether the Bolt app can run (a bot token plus a signing secret or an app token). */
  readonly configured: boolean;
  /**
   * The Slack services for outbound work (deliveries, reminders, closing updates) when
   * SLACK_BOT_TOKEN is set, else null. Built once: over the Bolt app's client once start() ran,
   * else over one WebClient of its own. Async: the Slack modules load on this first use.
   */
  outbound(): Promise<SlackReviewServices | null>;
  /** Starts the Bolt app (Socket Mode with an app token, else HTTP); `overrides` are for tests. */
  start(overrides?: Partial<SlackAppConfig>, pacer?: SlackRatePacer): Promise<SlackRuntime>;
  /** Every Web API request of this process's Slack clients, by method and outcome (serve's /metrics observes it). */
  readonly apiCalls: SlackApiCalls;
}

const CONFIG_HASH_KEY = 'config:hash';
/** The config folder the store was first used with (as configured, not resolved: git-sync's `current` link stays one folder). */
const CONFIG_DIR_KEY = 'config:dir';

/**
 * The store was first used with another config folder: two firms (or two copies of one) would
 * mix in one ledger. Refused unless the operator says so (`--force`), which is then ledgered.
 */
export class ConfigDirMismatchError extends Error {
  constructor(
    readonly recorded: string,
    readonly given: string,
  ) {
    super(`this data folder was first used with the config folder ${recorded}, not ${given}: two firms' state and ledger would mix. Point IAM_REVIEW_CONFIG_DIR (or IAM_REVIEW_DATA_DIR) at the right folder, or pass --force if the config folder really moved`);
    this.name = 'ConfigDirMismatchError';
  }
}

/** One hash over every config file's path and SHA-256 (config/config-hash.ts: campaign.opened records it too). */
export { configHash };

/** Loads the config folders without opening a store (`validate`). */
export function configLoader(env: Pick<Env, 'configDir' | 'IAM_REVIEW_CONFIG_EXTERNAL_LINKS'>, connectors = new ConnectorRegistry()): () => LoadedConfig {
  return () => loadConfig(env.configDir, connectors.settingsSchemaFor, { allowExternalLinks: env.IAM_REVIEW_CONFIG_EXTERNAL_LINKS });
}

export interface AppOptions {
  log?: Logger;
  now?: () => Date;
  store?: Store;
  /** Accept a config folder other than the one the store was first used with (`--force`). */
  adoptConfigDir?: boolean;
  /** The connector types (tests: types whose clients send to a local fake). */
  connectors?: ConnectorRegistry;
  /** Open the store without writing (SQLite: no folder or file created, no migration): audit reads. */
  readOnly?: boolean;
}

export async function openStore(env: Env, opts: { readOnly?: boolean } = {}): Promise<Store> {
  if (env.MONGODB_URI) {
    const { openMongoStore } = await import('./store/mongo/mongo-store.js');
    return openMongoStore({ uri: env.MONGODB_URI });
  }
  if (opts.readOnly) return openSqliteStore({ file: env.sqliteFile, readonly: true });
  return openSqliteStore({ file: env.sqliteFile });
}

/** Where the ledger lives, for messages (never the MongoDB URI, which may carry a password). */
export function ledgerLocation(env: Env): string {
  return env.MONGODB_URI ? 'the MongoDB store (MONGODB_URI)' : env.sqliteFile;
}

export async function openApp(env: Env, opts: AppOptions = {}): Promise<App> {
  const log = opts.log ?? createLogger(env.LOG_LEVEL);
  const store = opts.store ?? (await openStore(env, { readOnly: opts.readOnly }));
  const now = opts.now ?? (() => new Date());
  const connectors = opts.connectors ?? new ConnectorRegistry();
  const audit = new AuditLog(store.ledger, now);
  const load = configLoader(env, connectors);
  const recordConfig = async (config: LoadedConfig, actor: string): Promise<void> => {
    const recordedDir = await store.kv.get(CONFIG_DIR_KEY);
    const moved = recordedDir !== null && recordedDir !== config.configDir;
    if (moved && !opts.adoptConfigDir) throw new ConfigDirMismatchError(recordedDir, config.configDir);
    const hash = configHash(config);
    if (!moved && (await store.kv.get(CONFIG_HASH_KEY)) === hash) {
      // A store from before the folder was recorded: its last config.loaded already names it.
      if (recordedDir === null) await store.kv.set(CONFIG_DIR_KEY, config.configDir);
      return;
    }
    // The recorded config and its config.loaded commit together; a concurrent process that
    // recorded the same config first leaves nothing to change here, and nothing is ledgered twice.
    await store.kv.setMany({ [CONFIG_HASH_KEY]: hash, [CONFIG_DIR_KEY]: config.configDir }, () => [
      audit.event(EVENT.configLoaded, actor, 'config', { configDir: config.configDir, hash, files: config.files, warnings: config.warnings, ...(moved ? { previousConfigDir: recordedDir } : {}) }),
    ]);
  };
  const reviewDeps = (): ReviewDeps => ({ store, audit, now, config: load(), timeZone: env.IAM_REVIEW_TIMEZONE });
  const slack = slackServices(env, log, reviewDeps);
  // manual mode: the system owner is asked in Slack, over the process's one set of Slack services
  // (Bolt's client once serve started it), built on first use. Without a bot token (outbound() is
  // null exactly then) there is no manual requester: the removals stay on `remediation list`.
  const autoRemoval = new AutoRemovalRequester({ snapshots: store.snapshots, revokers: connectorRevokers(connectors, { env: env.get, log: connectorLog(log), now, configDir: `${env.configDir}/connectors` }) });
  const requesters = new Map<RemediationMode, RemovalRequester>([
    [autoRemoval.mode, autoRemoval],
    ['ticket', new TicketRequester({ env: env.get })],
  ]);
  if (env.SLACK_BOT_TOKEN) requesters.set('manual', { mode: 'manual', request: async (system, removals, ctx) => (await slack.outbound())!.removals.request(system, removals, ctx) });
  const remediation = new RemediationService({ store, audit, now, loadConfig: load, requesters });
  // Findings that remove access themselves (policies/global.yaml remediation.findings) open
  // their remediations once an evaluation is stored: after `check`, and after every applied sync.
  const check = new CheckService({ store, audit, now, afterSaved: (_result, _config, actor) => remediation.openForFindings(actor) });
  const reviews: ReviewServices = {
    deps: reviewDeps,
    recordedDeps: async (actor) => {
      const deps = reviewDeps();
      await recordConfig(deps.config, actor);
      return deps;
    },
  };
  return {
    env,
    log,
    store,
    connectors,
    audit,
    loadConfig: load,
    recordConfig,
    now,
    sync: new SyncService({
      store, audit, connectors, env: env.get, log: connectorLog(log), now, loadConfig: load, recordConfig, liveness: processLiveness(hostname()),
      // A snapshot made current is what verifies a removal (or shows a removed grant back).
      // Revokes decided anywhere (Slack, the demo) get their remediation first, at the latest here.
      afterApplied: async (applied, actor) => {
        await remediation.open(actor);
        const results = await remediation.verifyApplied(applied, actor);
        // A verified removal's follow-up (closing its ticket) never fails the sync: it is logged.
        for (const r of results) for (const f of r.followUps ?? []) if ('error' in f) log.warn({ remediation: f.id, systemId: r.systemId, error: f.error }, 'could not report a verified removal to its ticket');
        // With remediation.findings, every applied snapshot is evaluated (an HR export that
        // shows a leaver opens the removal of their access, no `check` or campaign needed).
        const config = load();
        if (config.global.remediation.findings.length > 0) await check.run(config, { actor });
        // Break-glass grants new or used in these snapshots get their ad-hoc review now, sent
        // to the system owner in Slack when it is configured. A delivery that fails never fails
        // the sync: it is logged, and tried again after the next applied snapshot.
        for (const r of await openBreakGlassReviews(reviewDeps(), applied.map((a) => a.snapshot), actor)) {
          if (r.opened) log.info({ campaignId: r.campaign.id, reason: r.reason }, 'break-glass review opened');
        }
        const outbound = await slack.outbound();
        if (outbound) {
          for (const c of await undeliveredBreakGlassReviews(store)) {
            await outbound.delivery.deliverCampaign(c.id, { actor }).catch((err: unknown) => log.warn({ err, campaignId: c.id }, 'could not deliver a break-glass review'));
          }
        }
        return results;
      },
    }),
    check,
    reviews,
    remediation,
    evidence: new EvidenceExporter({ store, audit, now, loadConfig: load, timeZone: env.IAM_REVIEW_TIMEZONE, warn: (err, msg) => log.warn({ err }, msg), signingKey: () => loadSigningKey(env.IAM_REVIEW_SIGNING_KEY) }),
    slack,
    close: () => store.close(),
  };
}

function slackServices(env: Env, log: Logger, review: () => ReviewDeps): SlackServices {
  let built: SlackReviewServices | null = null;
  const apiCalls = new SlackApiCalls(env.SLACK_API_URL);
  const servicesOver = (m: SlackModules, client: WebClient, pacer?: SlackRatePacer): SlackReviewServices =>
    m.createSlackReviewServices(m.slackServiceDeps({ client, review, log, pacer }));
  return {
    configured: slackConfigured(env),
    apiCalls,
    async outbound() {
      if (!env.SLACK_BOT_TOKEN) return null;
      if (built) return built;
      const m = await slackModules();
      return (built ??= servicesOver(m, new m.WebClient(env.SLACK_BOT_TOKEN, { ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}), rejectRateLimitedCalls: false, logger: boltLogger(log), fetch: apiCalls.fetch })));
    },
    async start(overrides = {}, pacer) {
      const config: SlackAppConfig = { botToken: env.SLACK_BOT_TOKEN!, signingSecret: env.SLACK_SIGNING_SECRET, appToken: env.SLACK_APP_TOKEN, apiUrl: env.SLACK_API_URL, port: env.PORT, fetch: apiCalls.fetch, ...overrides };
      const [m, { startSlackApp }] = await Promise.all([slackModules(), import('./slack/slack-app.js')]);
      return startSlackApp(config, (client) => (built = servicesOver(m, client, pacer)), log);
    },
  };
}

type SlackModules = Awaited<ReturnType<typeof slackModules>>;

/** The Web API client and the Slack services' modules, imported on first use (see the header). */
async function slackModules() {
  const [{ WebClient }, { createSlackReviewServices }, { slackServiceDeps }] = await Promise.all([import('@slack/web-api'), import('./slack/review-services.js'), import('./slack/slack-services.js')]);
  return { WebClient, createSlackReviewServices, slackServiceDeps };
}
