/**
 * The Bolt app: Socket Mode when an app-level token (`xapp-`) is configured (no public URL
 * needed), else the HTTP receiver on PORT at /slack/events (signature checked by Bolt: wrong or
 * missing signature and timestamps older than 5 minutes answer 401; bodies over 1 MiB 413).
 * The Web API base comes from SLACK_API_URL (a fake in tests, GovSlack in some deployments); in
 * Socket Mode it also serves apps.connections.open (the receiver's client gets the same options).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import type { CustomRoute } from '@slack/bolt';
import type { FetchFunction, RetryOptions, WebClient } from '@slack/web-api';
import type { Logger } from '../logger.js';
import { boltLogger } from './bolt-logger.js';
import { registerListeners } from './listeners/index.js';
import type { SlackReviewServices } from './review-services.js';

export interface SlackAppConfig {
  botToken: string;
  /** HTTP mode. */
  signingSecret?: string;
  /** Socket Mode (takes precedence). */
  appToken?: string;
  /** Web API base, e.g. `https://slack.com/api/` (the default). */
  apiUrl?: string;
  port: number;
  /** The fetch the Web API clients send with (the app's counts every call: SlackApiCalls). */
  fetch?: FetchFunction;
  /** WebClient retries (default: the SDK's, which waits out 429 Retry-After). */
  retryConfig?: RetryOptions;
  /** Largest request body the HTTP receiver reads (default 1 MiB; Slack's own payloads are far smaller). */
  bodyLimit?: number;
  /**
   * Socket Mode: how long to wait for a pong to the client's pings before reconnecting (SDK
   * default 5 s). The SDK also waits this long before each reconnect, e.g. after Slack's `disconnect`.
   */
  socketPingTimeoutMs?: number;
  /** HTTP mode: more routes on PORT beside /slack/events (serve's /healthz, /readyz, /metrics). */
  customRoutes?: CustomRoute[];
}

export interface SlackRuntime {
  app: App;
  services: SlackReviewServices;
  mode: 'http' | 'socket';
  /** The workspace the bot token belongs to. */
  teamId: string;
  /** HTTP mode: the port listened on. */
  port: number | null;
  stop(): Promise<void>;
}

export const MAX_BODY_BYTES = 1024 * 1024;

/** Whether the environment configures the Slack app: slack-configured.ts (free of Bolt, which this module loads). */
export { slackConfigured } from './slack-configured.js';

/**
 * Starts the Bolt app. `services` builds the Slack services over the Web API client Bolt
 * creates (the composition root supplies it, so the services are wired in one place).
 */
export async function startSlackApp(config: SlackAppConfig, services: (client: WebClient) => SlackReviewServices, log: Logger): Promise<SlackRuntime> {
  const logger = boltLogger(log);
  const clientOptions = { ...(config.apiUrl ? { slackApiUrl: config.apiUrl } : {}), ...(config.retryConfig ? { retryConfig: config.retryConfig } : {}), ...(config.fetch ? { fetch: config.fetch } : {}), rejectRateLimitedCalls: false };
  const socket = Boolean(config.appToken);
  if (!socket && !config.signingSecret) throw new Error('SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode) is required');
  // Built here rather than by `socketMode: true`, which passes no ping timeout. A copy of the
  // client options, because the Socket Mode client writes its own retry policy into the object.
  const socketReceiver = socket ? new SocketModeReceiver({ appToken: config.appToken!, logger, clientPingTimeout: config.socketPingTimeoutMs, installerOptions: { clientOptions: { ...clientOptions } } }) : null;
  const app = new App({
    token: config.botToken,
    logger,
    clientOptions,
    receiver: socketReceiver ?? new HTTPReceiver({ signingSecret: config.signingSecret!, endpoints: '/slack/events', port: config.port, bodyLimit: config.bodyLimit ?? MAX_BODY_BYTES, customRoutes: config.customRoutes, logger }),
  });
  const auth = await app.client.auth.test();
  if (!auth.team_id) throw new Error('auth.test answered without a team_id');
  const built = services(app.client);
  registerListeners(app, built, auth.team_id);
  const started = socket ? await app.start() : await app.start(config.port);
  const port = socket ? null : ((started as Server).address() as AddressInfo).port;
  log.info({ mode: socket ? 'socket' : 'http', port, teamId: auth.team_id }, 'Slack app started');
  return { app, services: built, mode: socket ? 'socket' : 'http', teamId: auth.team_id, port, stop: () => stopApp(app, socketReceiver) };
}

/** How long stop() waits for Socket Mode's close handshake (the socket may already be gone). */
const SOCKET_CLOSE_WAIT_MS = 5_000;

/** Stops the receiver; in Socket Mode resolves once the socket is closed (Bolt's stop does not wait for it), or after SOCKET_CLOSE_WAIT_MS. */
async function stopApp(app: App, socketReceiver: SocketModeReceiver | null): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const closed = socketReceiver
    ? new Promise<void>((resolve) => {
        socketReceiver.client.once('disconnected', () => resolve());
        timer = setTimeout(resolve, SOCKET_CLOSE_WAIT_MS).unref();
      })
    : null;
  await app.stop();
  await closed;
  clearTimeout(timer);
}
