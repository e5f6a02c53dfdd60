/**
 * Last activity of Fireblocks users from the workspace audit logs.
 *
 * `GET /v1/management/audit_logs` (ts-sdk docs/apis/AuditLogsApi.md; "Endpoint Permission:
 * Admin, Non-Signing Admin, Auditor, Security Admin, Security Auditor") answers
 * GetAuditLogsResponse `{ data: AuditLogData[], next }`, newest first by default, with
 * AuditLogData `{ id, timestamp, createdAt, user, subject, event, category, tenantId, userId }`.
 * `startTime` (epoch ms) may be at most one year back; `userId` filters by user id. One
 * request per user with `pageSize=1` gives that user's newest event of the last year.
 */
import type { FireblocksClient } from './fireblocks-client.js';

/** How far back the newest event is looked for: just under the documented one-year limit. */
export const AUDIT_LOG_LOOKBACK_DAYS = 364;

export function auditLogQuery(userId: string, now: Date): string {
  const startTime = now.getTime() - AUDIT_LOG_LOOKBACK_DAYS * 86_400_000;
  const q = new URLSearchParams({ startTime: String(startTime), userId, order: 'DESC', pageSize: '1' });
  return `/v1/management/audit_logs?${q.toString()}`;
}

/**
 * The newest event time of an answer as ISO, or null when it has none. Throws on an answer
 * that is not `{ data: [...] }`. `timestamp` (else `createdAt`) is epoch milliseconds.
 */
export function newestEventAt(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { data?: unknown }).data)) {
    throw new Error('unexpected answer from GET /v1/management/audit_logs: expected { "data": [...] }');
  }
  let newest: number | null = null;
  for (const e of (body as { data: unknown[] }).data) {
    if (typeof e !== 'object' || e === null) continue;
    const { timestamp, createdAt } = e as { timestamp?: unknown; createdAt?: unknown };
    const at = typeof timestamp === 'number' ? timestamp : typeof createdAt === 'number' ? createdAt : null;
    if (at !== null && Number.isFinite(at) && (newest === null || at > newest)) newest = at;
  }
  return newest === null ? null : new Date(newest).toISOString();
}

/** The user's newest audit-log event of the last year (ISO), or null. Errors are the client's. */
export async function lastActivityOf(client: FireblocksClient, userId: string, now: Date, signal?: AbortSignal): Promise<string | null> {
  return newestEventAt(await client.getJson(auditLogQuery(userId, now), signal));
}
