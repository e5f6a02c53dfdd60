/**
 * Tickets through a generic webhook: a JSON POST per remediation (or per system batch), signed
 * with HMAC-SHA256 over "<timestamp>.<body>" (X-IAM-Review-Timestamp, X-IAM-Review-Signature:
 * sha256=<hex>) and carrying an Idempotency-Key (the remediation id, or the batch key). Network
 * errors, 408, 429 and 5xx are retried with backoff (Retry-After honoured) within the retry
 * budget; the same key is sent on every retry and on the next run after a crash, so the
 * receiver, which must dedupe on it, never opens two tickets. The ticket reference is the
 * answer's JSON `id` or `key` when there is one (a huge or non-JSON answer gives none).
 * docs/remediation.md documents the request for receivers.
 */
import { createHmac } from 'node:crypto';
import type { SystemConfig } from '../../config/system-config.js';
import type { WebhookTicketConfig } from '../../config/ticket-config.js';
import type { Remediation } from '../../domain/index.js';
import type { RemovalContext, RemovalOutcome, VerifiedFollowUp } from '../removal-requester.js';
import type { HttpAnswer, HttpDeps } from './ticket-http.js';
import { excerpt, jsonOf, NetworkError, RetryBudget, retriableStatus, retryAfterMs, send } from './ticket-http.js';
import { batchKey, idempotencyKey, remediationJson, systemJson } from './ticket-payload.js';

export const SIGNATURE_HEADER = 'X-IAM-Review-Signature';
export const TIMESTAMP_HEADER = 'X-IAM-Review-Timestamp';
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** `sha256=` and the hex HMAC-SHA256, keyed with the secret, of "<timestamp>.<body>". */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The request body: the same bytes for the same remediations, whenever it is sent. */
export function webhookBody(system: SystemConfig, remediations: readonly Remediation[], key: string, batch: WebhookTicketConfig['batch']): string {
  return JSON.stringify({ type: 'iam-review.removal-requested', idempotencyKey: key, batch, system: systemJson(system), remediations: remediations.map(remediationJson) });
}

/** The ticket reference in a receiver's answer: a JSON `id` or `key` (string or number), else null. */
export function ticketRef(answer: HttpAnswer): string | null {
  const body = jsonOf(answer);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  for (const field of ['id', 'key'] as const) {
    const v = (body as Record<string, unknown>)[field];
    if ((typeof v === 'string' && v !== '') || typeof v === 'number') return String(v).slice(0, 200);
  }
  return null;
}

export async function requestByWebhook(http: HttpDeps, secret: string, config: WebhookTicketConfig, system: SystemConfig, remediations: readonly Remediation[], ctx: RemovalContext): Promise<RemovalOutcome[]> {
  const groups = config.batch === 'per-system' ? [{ key: batchKey(system.id, remediations.map((r) => r.id)), remediations }] : remediations.map((r) => ({ key: idempotencyKey(r.id), remediations: [r] }));
  const outcomes: RemovalOutcome[] = [];
  for (const group of groups) {
    ctx.signal?.throwIfAborted();
    const result = await post(http, secret, config.url, webhookBody(system, group.remediations, group.key, config.batch), group.key, ctx);
    for (const r of group.remediations) {
      outcomes.push('error' in result ? { id: r.id, outcome: 'failed', error: result.error, detail: { webhook: { idempotencyKey: group.key } } } : { id: r.id, outcome: 'requested', ref: result.ref, detail: { webhook: { idempotencyKey: group.key, status: result.status, ...(result.note ? { note: result.note } : {}) } } });
    }
  }
  return outcomes;
}

type PostResult = { ref: string | null; status: number; note: string | null } | { error: string };

/** One delivery with its retries: re-signed (a fresh timestamp) on every attempt, the same body and key. */
async function post(http: HttpDeps, secret: string, url: string, body: string, key: string, ctx: RemovalContext): Promise<PostResult> {
  const budget = new RetryBudget(http, ctx.signal);
  for (;;) {
    const timestamp = String(Math.floor(ctx.now().getTime() / 1000));
    const headers = { 'content-type': 'application/json', accept: 'application/json', [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: webhookSignature(secret, timestamp, body), [IDEMPOTENCY_HEADER]: key, 'user-agent': 'iam-review' };
    let why: string;
    let wait: number | null = null;
    try {
      const answer = await send(http, url, { method: 'POST', headers, body }, ctx.signal);
      if (answer.status >= 200 && answer.status < 300) {
        const ref = ticketRef(answer);
        const note = ref !== null ? null : answer.truncated ? 'the answer exceeded the size cap: no ticket reference read' : answer.text.trim() === '' ? null : 'the answer was not JSON with an id or key: no ticket reference';
        return { ref, status: answer.status, note };
      }
      why = `webhook answered ${answer.status}${answer.text.trim() ? `: ${excerpt(answer.text)}` : ''}`;
      if (!retriableStatus(answer.status)) return { error: why };
      wait = retryAfterMs(answer.headers, ctx.now());
    } catch (err) {
      if (!(err instanceof NetworkError)) throw err;
      why = `webhook unreachable: ${err.message}`;
    }
    const stop = await budget.wait(wait);
    if (stop) return { error: `${why} (${stop})` };
  }
}

/**
 * Tells the receiver that removals were verified (type iam-review.removal-verified, the
 * verifying snapshot in each remediation), signed and keyed like a request ("verified:" and
 * the request's key), so it can close its tickets.
 */
export async function verifiedByWebhook(http: HttpDeps, secret: string, config: WebhookTicketConfig, system: SystemConfig, remediations: readonly Remediation[], ctx: RemovalContext): Promise<VerifiedFollowUp[]> {
  const groups = config.batch === 'per-system' ? [{ key: `verified:${batchKey(system.id, remediations.map((r) => r.id))}`, remediations }] : remediations.map((r) => ({ key: `verified:${idempotencyKey(r.id)}`, remediations: [r] }));
  const results: VerifiedFollowUp[] = [];
  for (const group of groups) {
    ctx.signal?.throwIfAborted();
    const body = JSON.stringify({
      type: 'iam-review.removal-verified',
      idempotencyKey: group.key,
      batch: config.batch,
      system: systemJson(system),
      remediations: group.remediations.map((r) => ({ ...remediationJson(r), verifiedAt: r.verifiedAt, verifiedSnapshotId: r.verifiedSnapshotId, verifiedSnapshotHash: r.verifiedSnapshotHash })),
    });
    const result = await post(http, secret, config.url, body, group.key, ctx);
    for (const r of group.remediations) results.push('error' in result ? { id: r.id, error: result.error } : { id: r.id, ref: result.ref, done: `verification sent (${result.status})` });
  }
  return results;
}
