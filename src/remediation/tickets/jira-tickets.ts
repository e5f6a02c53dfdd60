/**
 * Removal tickets in Jira Cloud: one issue per remediation, labelled with the remediation's
 * label (ticketLabel). Before creating, a search for that label finds the ticket a crashed run
 * opened but never recorded, so there are never two. A create that got no answer (network,
 * 5xx) may have been done: it is retried only after the search again found nothing; a 429 is
 * waited out (Retry-After) and retried. Once verified, the ticket gets a comment and, with
 * `doneTransition`, that transition (one request).
 *
 * Limit: Jira's search is near real-time, not transactional; a retry follows a backoff of at
 * least a second, and a crashed run's ticket is searched on the next run, well after.
 */
import type { SystemConfig } from '../../config/system-config.js';
import type { JiraTicketConfig } from '../../config/ticket-config.js';
import { fillPlaceholders } from '../../config/ticket-config.js';
import type { Remediation } from '../../domain/index.js';
import type { RemovalContext, RemovalOutcome, VerifiedFollowUp } from '../removal-requester.js';
import { removalDescription, verifiedComment } from './jira-adf.js';
import type { JiraClient, JiraIssueRef } from './jira-client.js';
import type { JiraFailure } from './jira-errors.js';
import { JIRA_OPS } from './jira-errors.js';
import type { HttpDeps } from './ticket-http.js';
import { jsonOf, RetryBudget, retriableStatus, retryAfterMs } from './ticket-http.js';
import { placeholderValues, ticketLabel, ticketSummary } from './ticket-payload.js';

/** The create call's fields: the configured mapping (placeholders filled) under iam-review's own. */
export function issueFields(config: JiraTicketConfig, system: SystemConfig, r: Remediation): Record<string, unknown> {
  const mapped = (fillPlaceholders(config.fields ?? {}, placeholderValues(system, r)) ?? {}) as Record<string, unknown>;
  return {
    summary: ticketSummary(system, r),
    ...mapped,
    project: { key: config.project },
    issuetype: { name: config.issueType },
    description: removalDescription(system, r),
    labels: ['iam-review', ticketLabel(r.id)],
  };
}

const failed = (r: Remediation, f: JiraFailure): RemovalOutcome => ({ id: r.id, outcome: 'failed', error: f.error, detail: { ticket: { system: 'jira', label: ticketLabel(r.id), ...(f.fields ? { fields: f.fields } : {}) } } });
const requested = (client: JiraClient, r: Remediation, issue: JiraIssueRef, found: boolean): RemovalOutcome => ({
  id: r.id,
  outcome: 'requested',
  ref: issue.key,
  detail: { ticket: { system: 'jira', key: issue.key, url: client.browseUrl(issue.key), label: ticketLabel(r.id), found } },
});

export async function requestInJira(http: HttpDeps, client: JiraClient, config: JiraTicketConfig, system: SystemConfig, remediations: readonly Remediation[], ctx: RemovalContext): Promise<RemovalOutcome[]> {
  const outcomes: RemovalOutcome[] = [];
  let fatal: JiraFailure | null = null;
  for (const r of remediations) {
    ctx.signal?.throwIfAborted();
    // Credentials or a permission refused: every other create would be refused the same way.
    if (fatal) {
      outcomes.push(failed(r, fatal));
      continue;
    }
    const outcome = await openTicket(http, client, config, system, r, ctx);
    if ('fatal' in outcome) {
      if (outcome.fatal) fatal = outcome;
      outcomes.push(failed(r, outcome));
    } else outcomes.push(outcome);
  }
  return outcomes;
}

/** Search by label, then create; after a create without a clear answer, wait and search again. */
async function openTicket(http: HttpDeps, client: JiraClient, config: JiraTicketConfig, system: SystemConfig, r: Remediation, ctx: RemovalContext): Promise<RemovalOutcome | JiraFailure> {
  const label = ticketLabel(r.id);
  const budget = new RetryBudget(http, ctx.signal);
  for (;;) {
    const existing = await client.searchByLabel(label, ctx.signal);
    if (!Array.isArray(existing)) return existing;
    if (existing.length > 0) return requested(client, r, [...existing].sort((a, b) => a.key.localeCompare(b.key, 'en', { numeric: true }))[0]!, true);

    const got = await client.createOnce(issueFields(config, system, r), ctx.signal);
    let failure: JiraFailure;
    let wait: number | null = null;
    if ('network' in got) failure = { error: `Jira unreachable while ${JIRA_OPS.create.what}: ${got.network}`, fatal: false };
    else {
      const { answer } = got;
      if (answer.status === 201 || answer.status === 200) {
        const issue = jsonOf(answer) as { id?: unknown; key?: unknown } | null;
        if (typeof issue?.key === 'string') return requested(client, r, { id: String(issue.id), key: issue.key }, false);
        failure = { error: 'Jira answered the create without an issue key', fatal: false }; // created or not: the next search tells
      } else {
        failure = client.failure(answer, JIRA_OPS.create);
        if (!retriableStatus(answer.status)) return failure;
        wait = retryAfterMs(answer.headers, ctx.now());
      }
    }
    const stop = await budget.wait(wait);
    if (stop) return { ...failure, error: `${failure.error} (${stop})` };
  }
}

/** Comments on (and, with doneTransition, transitions) the tickets of verified remediations; one without a ticket is left alone. */
export async function closeInJira(client: JiraClient, config: JiraTicketConfig, remediations: readonly Remediation[], ctx: RemovalContext): Promise<VerifiedFollowUp[]> {
  const results: VerifiedFollowUp[] = [];
  for (const r of remediations) {
    ctx.signal?.throwIfAborted();
    const found = await client.searchByLabel(ticketLabel(r.id), ctx.signal);
    if (!Array.isArray(found)) {
      results.push({ id: r.id, error: found.error });
      continue;
    }
    for (const issue of found) results.push(await closeOne(client, config, r, issue.key, ctx));
  }
  return results;
}

async function closeOne(client: JiraClient, config: JiraTicketConfig, r: Remediation, key: string, ctx: RemovalContext): Promise<VerifiedFollowUp> {
  if (!config.doneTransition) {
    const done = await client.comment(key, verifiedComment(r), ctx.signal);
    return done === true ? { id: r.id, ref: key, done: 'commented' } : { id: r.id, ref: key, error: done.error };
  }
  const transitions = await client.transitions(key, ctx.signal);
  if (!Array.isArray(transitions)) return { id: r.id, ref: key, error: transitions.error };
  const wanted = config.doneTransition.toLowerCase();
  const t = transitions.find((x) => x.name.toLowerCase() === wanted);
  if (!t) {
    return { id: r.id, ref: key, error: `Jira offers no transition "${config.doneTransition}" from the ticket's status (available: ${transitions.map((x) => x.name).join(', ') || 'none'}); is it already done?` };
  }
  const done = await client.transition(key, t.id, verifiedComment(r), ctx.signal);
  return done === true ? { id: r.id, ref: key, done: `commented and moved by "${t.name}"` } : { id: r.id, ref: key, error: done.error };
}
