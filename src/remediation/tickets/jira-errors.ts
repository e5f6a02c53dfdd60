/**
 * Jira Cloud's error answers as failure reasons. Jira answers a refused request with
 * `{"errorMessages":[...],"errors":{"<field>":"<message>"}}`; a 401 means the email/token pair
 * is not accepted, a 403 a missing project permission.
 */
import type { HttpAnswer } from './ticket-http.js';
import { excerpt, jsonOf } from './ticket-http.js';

export interface JiraFailure {
  error: string;
  /** Field id -> Jira's message, for a 400 naming fields. */
  fields?: Record<string, string>;
  /** The same answer would come for every remediation of the batch (credentials, permission): stop asking. */
  fatal: boolean;
}

/** What was being done, and the project permission it needs (https://support.atlassian.com/jira-cloud-administration/docs/manage-project-permissions/). */
export interface JiraOperation {
  what: string;
  permission: string;
}

export const JIRA_OPS = {
  search: { what: 'the search for an existing ticket', permission: 'Browse projects' },
  create: { what: 'creating the ticket', permission: 'Create issues' },
  transitions: { what: 'reading the transitions', permission: 'Browse projects' },
  transition: { what: 'the done transition', permission: 'Transition issues (and Add comments)' },
  comment: { what: 'the verification comment', permission: 'Add comments' },
} satisfies Record<string, JiraOperation>;

export function jiraFailure(answer: HttpAnswer, op: JiraOperation, credentials: string): JiraFailure {
  const body = jsonOf(answer) as { errorMessages?: unknown; errors?: unknown } | null;
  const messages = Array.isArray(body?.errorMessages) ? body.errorMessages.filter((m): m is string => typeof m === 'string') : [];
  const fields = body?.errors && typeof body.errors === 'object' && !Array.isArray(body.errors) ? Object.fromEntries(Object.entries(body.errors as Record<string, unknown>).map(([k, v]) => [k, String(v)])) : {};
  const said = [...messages, ...Object.entries(fields).map(([k, v]) => `field ${k}: ${v}`)].join('; ') || excerpt(answer.text);
  switch (answer.status) {
    case 400:
      return { error: `Jira refused ${op.what} (400): ${said}`, ...(Object.keys(fields).length > 0 ? { fields } : {}), fatal: false };
    case 401:
      return { error: `Jira did not accept the credentials (401) for ${op.what}: check ${credentials}`, fatal: true };
    case 403:
      return { error: `Jira denied ${op.what} (403): the account needs the "${op.permission}" permission in the project${said ? ` (${said})` : ''}`, fatal: true };
    default:
      return { error: `Jira answered ${answer.status} for ${op.what}${said ? `: ${said}` : ''}`, fatal: answer.status === 410 };
  }
}
