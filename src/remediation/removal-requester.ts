/**
 * How a removal is asked for, one implementation per `remediation.mode` of a system:
 * `manual` (the owner is asked, e.g. a Slack DM), `ticket` (a webhook or Jira ticket),
 * `auto` (the connector removes the grant itself). requestRemovals (request-removals.ts)
 * hands each requester the remediations of one system that await a request, and records
 * what it reports: `requested` with its reference, or `failed` with the reason. A request is
 * never a verification: only a later complete snapshot verifies.
 */
import type { SystemConfig } from '../config/system-config.js';
import type { RemediationMode } from '../config/remediation-config.js';
import type { Remediation } from '../domain/index.js';

export type RemovalOutcome =
  /** The request went out: a ticket key, a message ts, a vendor call id (null when there is none). */
  | { id: string; outcome: 'requested'; ref: string | null; detail?: Record<string, unknown> }
  /** It could not be requested (the vendor refused, the retries ran out): recorded as failed, retried on the next run. */
  | { id: string; outcome: 'failed'; error: string; detail?: Record<string, unknown> }
  /** Not requested now, nothing to record (e.g. no channel to the owner): it stays as it is, on `remediation list`. */
  | { id: string; outcome: 'skipped'; why: string };

/** What a requester did about a remediation once it was verified (e.g. closed its ticket), or why it could not. */
export type VerifiedFollowUp = { id: string; ref: string | null; done: string } | { id: string; ref?: string | null; error: string };

export interface RemovalContext {
  now: () => Date;
  signal?: AbortSignal;
}

export interface RemovalRequester {
  readonly mode: RemediationMode;
  /**
   * Asks for the removal of `remediations` (all of `system`). Must be idempotent per
   * remediation id: a crash after the request and before it is recorded repeats the call on
   * the next run, which must not open a second ticket or send a second removal (use the
   * remediation id as the idempotency key). Returns one outcome per remediation, in any order;
   * one it leaves out is treated as skipped.
   */
  request(system: SystemConfig, remediations: readonly Remediation[], ctx: RemovalContext): Promise<RemovalOutcome[]>;
  /**
   * Optional: told of `remediations` of `system` that a snapshot just verified (e.g. comment on
   * and close their tickets). Best effort, after the verification committed: what it cannot do
   * it reports, nothing is undone, and it is not retried.
   */
  onVerified?(system: SystemConfig, remediations: readonly Remediation[], ctx: RemovalContext): Promise<VerifiedFollowUp[]>;
}
