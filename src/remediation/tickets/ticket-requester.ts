/**
 * The `ticket` mode: per system, its `remediation.ticket` block sends each removal to a signed
 * webhook (webhook-tickets.ts) or opens a Jira Cloud issue (jira-tickets.ts). Secrets are read
 * from the environment variables the block names, on every run (a rotated token needs no
 * restart); a missing one fails the run's requests with the variable named, retried next run.
 */
import type { SystemConfig } from '../../config/system-config.js';
import type { JiraTicketConfig } from '../../config/ticket-config.js';
import type { Remediation } from '../../domain/index.js';
import type { RemovalContext, RemovalOutcome, RemovalRequester, VerifiedFollowUp } from '../removal-requester.js';
import { JiraClient } from './jira-client.js';
import { closeInJira, requestInJira } from './jira-tickets.js';
import type { HttpDeps, RetryPolicy, Sleep } from './ticket-http.js';
import { DEFAULT_RETRY, realSleep } from './ticket-http.js';
import { requestByWebhook, verifiedByWebhook } from './webhook-tickets.js';

export interface TicketRequesterDeps {
  /** Reads an environment variable by name (Env.get). */
  env: (name: string) => string | undefined;
  fetch?: typeof fetch;
  /** Waits between retries (tests pass one that returns at once and records the wait). */
  sleep?: Sleep;
  retry?: Partial<RetryPolicy>;
}

export class TicketRequester implements RemovalRequester {
  readonly mode = 'ticket' as const;
  private readonly http: HttpDeps;

  constructor(private readonly deps: TicketRequesterDeps) {
    this.http = { fetch: deps.fetch ?? ((...args) => fetch(...args)), sleep: deps.sleep ?? realSleep, retry: { ...DEFAULT_RETRY, ...deps.retry } };
  }

  async request(system: SystemConfig, remediations: readonly Remediation[], ctx: RemovalContext): Promise<RemovalOutcome[]> {
    const target = this.target(system, ctx);
    if ('error' in target) return remediations.map((r) => ({ id: r.id, outcome: 'failed', error: target.error }));
    if (target.kind === 'webhook') return requestByWebhook(this.http, target.secret, target.config, system, remediations, ctx);
    return requestInJira(this.http, target.client, target.config, system, remediations, ctx);
  }

  async onVerified(system: SystemConfig, remediations: readonly Remediation[], ctx: RemovalContext): Promise<VerifiedFollowUp[]> {
    const target = this.target(system, ctx);
    if ('error' in target) return remediations.map((r) => ({ id: r.id, error: target.error }));
    if (target.kind === 'webhook') return verifiedByWebhook(this.http, target.secret, target.config, system, remediations, ctx);
    return closeInJira(target.client, target.config, remediations, ctx);
  }

  private target(system: SystemConfig, ctx: RemovalContext) {
    const ticket = system.remediation?.ticket;
    const secret = (name: string, key: string): string | { error: string } => {
      const value = this.deps.env(name);
      return value ? value : { error: `environment variable ${name} is not set (remediation.ticket.${key} in ${system.file})` };
    };
    if (ticket?.webhook) {
      const s = secret(ticket.webhook.secretEnv, 'webhook.secretEnv');
      return typeof s === 'string' ? { kind: 'webhook' as const, config: ticket.webhook, secret: s } : s;
    }
    if (ticket?.jira) {
      const j: JiraTicketConfig = ticket.jira;
      const email = secret(j.emailEnv, 'jira.emailEnv');
      const token = secret(j.tokenEnv, 'jira.tokenEnv');
      if (typeof email !== 'string') return email;
      if (typeof token !== 'string') return token;
      const client = new JiraClient(this.http, { baseUrl: j.baseUrl, email, token, describe: `the account in ${j.emailEnv} and its API token in ${j.tokenEnv}` }, ctx.now);
      return { kind: 'jira' as const, config: j, client };
    }
    return { error: `${system.file}: mode ticket without a remediation.ticket block (webhook or jira)` };
  }
}
