import { z } from 'zod';

/**
 * connectors/<system>.yaml `remediation.ticket`: where the tickets of `mode: ticket` go, either a
 * generic signed webhook or Jira Cloud. Secrets are never written here: `secretEnv`, `emailEnv`
 * and `tokenEnv` name the environment variables that hold them.
 */
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name (A-Z, 0-9, _)');
const httpUrl = z.url({ protocol: /^https?$/, error: 'an http(s) URL' });

/** One request per remediation, or one per system and run holding all its remediations. */
export const WEBHOOK_BATCHES = ['per-remediation', 'per-system'] as const;
export type WebhookBatch = (typeof WEBHOOK_BATCHES)[number];

export const webhookTicketSchema = z.strictObject({
  url: httpUrl,
  /** The HMAC-SHA256 key of the signature (X-IAM-Review-Signature). */
  secretEnv: envName,
  batch: z.enum(WEBHOOK_BATCHES).default('per-remediation'),
});
export type WebhookTicketConfig = z.infer<typeof webhookTicketSchema>;

/** Placeholders a `fields` string may hold, filled from the remediation. */
export const TICKET_PLACEHOLDERS = ['id', 'systemId', 'systemName', 'owner', 'accountId', 'role', 'scope', 'dueAt', 'reason', 'requestedBy'] as const;
const PLACEHOLDER = /\{([^{}]*)\}/g;

/** Fields iam-review sets itself (from project/issueType, and its own description and label). */
export const RESERVED_JIRA_FIELDS = ['project', 'issuetype', 'description', 'labels'] as const;

/** A field value: JSON as Jira takes it for that field; strings may hold {placeholders}. */
type FieldValue = string | number | boolean | null | FieldValue[] | { [key: string]: FieldValue };
const fieldValue: z.ZodType<FieldValue> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(fieldValue), z.record(z.string(), fieldValue)]));

/** Every string in a field value, with its key path below the field. */
function stringsOf(v: FieldValue, path: (string | number)[] = []): [string, (string | number)[]][] {
  if (typeof v === 'string') return [[v, path]];
  if (Array.isArray(v)) return v.flatMap((x, i) => stringsOf(x, [...path, i]));
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => stringsOf(x, [...path, k]));
  return [];
}

export const jiraTicketSchema = z.strictObject({
  /** The site, e.g. https://example.atlassian.net (REST API v3 paths are appended). */
  baseUrl: httpUrl,
  emailEnv: envName,
  /** An Atlassian API token of that account (Basic auth email:token). */
  tokenEnv: envName,
  /** The project key, e.g. SEC. */
  project: z.string().regex(/^[A-Z][A-Z0-9_]{1,254}$/, 'a Jira project key (upper case, e.g. SEC)'),
  /** The issue type name, e.g. Task. */
  issueType: z.string().min(1),
  /**
   * More fields of the created issue, by Jira field id (`summary`, `priority`,
   * `customfield_10050`...), as Jira's create call takes them; strings may hold placeholders
   * such as {accountId} or {dueAt}. `summary` defaults to "Remove <role> of <account> in <system>".
   */
  fields: z
    .record(z.string().min(1), fieldValue)
    .superRefine((fields, ctx) => {
      for (const [key, value] of Object.entries(fields)) {
        if ((RESERVED_JIRA_FIELDS as readonly string[]).includes(key)) {
          ctx.addIssue({ code: 'custom', path: [key], message: `"${key}" is set by iam-review (project and issueType name the project and type; the description and the iam-review label are its own)` });
        }
        for (const [text, path] of stringsOf(value)) {
          for (const m of text.matchAll(PLACEHOLDER)) {
            if (!(TICKET_PLACEHOLDERS as readonly string[]).includes(m[1]!)) {
              ctx.addIssue({ code: 'custom', path: [key, ...path], message: `unknown placeholder {${m[1]}} (known: ${TICKET_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})` });
            }
          }
        }
      }
    })
    .optional(),
  /** The transition (by name, e.g. Done) made, with a comment, once the removal is verified; without it only the comment is added. */
  doneTransition: z.string().min(1).optional(),
});
export type JiraTicketConfig = z.infer<typeof jiraTicketSchema>;

export const ticketConfigSchema = z
  .strictObject({
    webhook: webhookTicketSchema.optional(),
    jira: jiraTicketSchema.optional(),
  })
  .superRefine((t, ctx) => {
    if (t.webhook && t.jira) ctx.addIssue({ code: 'custom', path: ['jira'], message: 'give either webhook or jira, not both' });
    if (!t.webhook && !t.jira) ctx.addIssue({ code: 'custom', path: [], message: 'give webhook: { url, secretEnv } or jira: { baseUrl, emailEnv, tokenEnv, project, issueType }' });
  });
export type TicketConfig = z.infer<typeof ticketConfigSchema>;

/** Fills the {placeholders} of a configured field value. */
export function fillPlaceholders(v: FieldValue, values: Readonly<Record<(typeof TICKET_PLACEHOLDERS)[number], string>>): FieldValue {
  if (typeof v === 'string') return v.replace(PLACEHOLDER, (whole, name: string) => (name in values ? values[name as keyof typeof values] : whole));
  if (Array.isArray(v)) return v.map((x) => fillPlaceholders(x, values));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fillPlaceholders(x, values)]));
  return v;
}
export type { FieldValue };
