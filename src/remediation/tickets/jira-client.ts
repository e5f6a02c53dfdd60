/**
 * Jira Cloud REST API v3 over plain fetch (HTTP and auth only): Basic auth with the account's
 * email and API token; the calls a removal ticket needs:
 * - GET  /rest/api/3/search/jql          (enhanced JQL search; the old /rest/api/3/search was removed in 2025, CHANGE-2046)
 * - POST /rest/api/3/issue               (create; description in ADF)
 * - GET/POST /rest/api/3/issue/{key}/transitions   (POST may carry a comment in `update`)
 * - POST /rest/api/3/issue/{key}/comment (body in ADF)
 * https://developer.atlassian.com/cloud/jira/platform/rest/v3/
 *
 * Reads are retried on network errors, 408, 429 and 5xx (Retry-After honoured); a write is
 * retried only on 429 (Jira did not do it), never blindly after an error where it may have
 * been done: creating is guarded by a search for its label (jira-tickets.ts).
 */
import type { AdfDoc } from './jira-adf.js';
import type { JiraFailure, JiraOperation } from './jira-errors.js';
import { JIRA_OPS, jiraFailure } from './jira-errors.js';
import type { HttpAnswer, HttpDeps } from './ticket-http.js';
import { jsonOf, NetworkError, RetryBudget, retriableStatus, retryAfterMs, send } from './ticket-http.js';

export interface JiraCredentials {
  baseUrl: string;
  email: string;
  token: string;
  /** How to name the credentials in a 401 failure (the env variable names, never values). */
  describe: string;
}

/** One attempt's result: an answer, or no answer at all (network). */
export type JiraAttempt = { answer: HttpAnswer } | { network: string };

export interface JiraIssueRef {
  id: string;
  key: string;
}

export interface JiraTransition {
  id: string;
  name: string;
}

export class JiraClient {
  private readonly auth: string;

  constructor(
    private readonly http: HttpDeps,
    private readonly creds: JiraCredentials,
    private readonly now: () => Date,
  ) {
    this.auth = `Basic ${Buffer.from(`${creds.email}:${creds.token}`).toString('base64')}`;
  }

  /** Issues carrying the label (any project: a ticket stays found if the project setting changes). */
  async searchByLabel(label: string, signal?: AbortSignal): Promise<JiraIssueRef[] | JiraFailure> {
    const query = new URLSearchParams({ jql: `labels = "${label}"`, fields: 'status', maxResults: '10' });
    const got = await this.withRetries(JIRA_OPS.search, 'any', () => this.attempt('GET', `/rest/api/3/search/jql?${query}`, undefined, signal), signal);
    if ('error' in got) return got;
    const issues = (jsonOf(got) as { issues?: { id?: unknown; key?: unknown }[] } | null)?.issues;
    if (!Array.isArray(issues)) return { error: 'Jira answered the search without an issues list', fatal: false };
    return issues.filter((i) => typeof i.key === 'string').map((i) => ({ id: String(i.id), key: i.key as string }));
  }

  /** One create attempt: the caller decides about retrying (after a new search). */
  createOnce(fields: Record<string, unknown>, signal?: AbortSignal): Promise<JiraAttempt> {
    return this.attempt('POST', '/rest/api/3/issue', { fields }, signal);
  }

  async transitions(key: string, signal?: AbortSignal): Promise<JiraTransition[] | JiraFailure> {
    const got = await this.withRetries(JIRA_OPS.transitions, 'any', () => this.attempt('GET', `/rest/api/3/issue/${encodeURIComponent(key)}/transitions`, undefined, signal), signal);
    if ('error' in got) return got;
    const list = (jsonOf(got) as { transitions?: { id?: unknown; name?: unknown }[] } | null)?.transitions;
    return Array.isArray(list) ? list.map((t) => ({ id: String(t.id), name: String(t.name) })) : [];
  }

  /** Makes the transition and adds the comment in the same request. */
  async transition(key: string, transitionId: string, comment: AdfDoc, signal?: AbortSignal): Promise<true | JiraFailure> {
    const body = { transition: { id: transitionId }, update: { comment: [{ add: { body: comment } }] } };
    const got = await this.withRetries(JIRA_OPS.transition, 'throttle', () => this.attempt('POST', `/rest/api/3/issue/${encodeURIComponent(key)}/transitions`, body, signal), signal);
    return 'error' in got ? got : true;
  }

  async comment(key: string, comment: AdfDoc, signal?: AbortSignal): Promise<true | JiraFailure> {
    const got = await this.withRetries(JIRA_OPS.comment, 'throttle', () => this.attempt('POST', `/rest/api/3/issue/${encodeURIComponent(key)}/comment`, { body: comment }, signal), signal);
    return 'error' in got ? got : true;
  }

  /** The failure of an answer, in words naming the operation and what it needs. */
  failure(answer: HttpAnswer, op: JiraOperation): JiraFailure {
    return jiraFailure(answer, op, this.creds.describe);
  }

  browseUrl(key: string): string {
    return `${this.creds.baseUrl.replace(/\/+$/, '')}/browse/${encodeURIComponent(key)}`;
  }

  async attempt(method: 'GET' | 'POST', path: string, body: unknown, signal?: AbortSignal): Promise<JiraAttempt> {
    const headers: Record<string, string> = { authorization: this.auth, accept: 'application/json', 'user-agent': 'iam-review' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return { answer: await send(this.http, `${this.creds.baseUrl.replace(/\/+$/, '')}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }, signal) };
    } catch (err) {
      if (err instanceof NetworkError) return { network: err.message };
      throw err;
    }
  }

  /**
   * Repeats an attempt while it may: `any` (a read) on network errors, 408, 429 and 5xx;
   * `throttle` (a write) on 429 only. Returns the 2xx answer or the failure.
   */
  private async withRetries(op: JiraOperation, retryOn: 'any' | 'throttle', attempt: () => Promise<JiraAttempt>, signal?: AbortSignal): Promise<HttpAnswer | JiraFailure> {
    const budget = new RetryBudget(this.http, signal);
    for (;;) {
      const got = await attempt();
      let failure: JiraFailure;
      let wait: number | null = null;
      if ('network' in got) {
        failure = { error: `Jira unreachable during ${op.what}: ${got.network}`, fatal: false };
        if (retryOn !== 'any') return failure;
      } else {
        const { answer } = got;
        if (answer.status >= 200 && answer.status < 300) return answer;
        failure = this.failure(answer, op);
        const retriable = retryOn === 'any' ? retriableStatus(answer.status) : answer.status === 429;
        if (!retriable) return failure;
        wait = retryAfterMs(answer.headers, this.now());
      }
      const stop = await budget.wait(wait);
      if (stop) return { ...failure, error: `${failure.error} (${stop})` };
    }
  }
}
