/**
 * The connector contract (after ConductorOne's baton-sdk): a connector type declares its
 * settings as data (a zod schema; secrets only as `{ env: VAR_NAME }`) and answers paged
 * questions — identities and/or grants of one system — with opaque page tokens. The sync
 * core (src/sync/) drains the pages, rejects a token that does not advance, applies
 * timeouts and retries, and decides what the result means. Connectors never decide that
 * access was removed: they only report what they saw, and what they could not read.
 */
import type { z } from 'zod';
import type { AccountStatus, AccountType, EmploymentType, GrantDetail, IdentityStatus } from '../domain/index.js';

/** An identity as a source reports it: the manager is still a reference (email or id). */
export interface IdentityRecord {
  id: string;
  email: string | null;
  displayName: string;
  department: string | null;
  jobTitle: string | null;
  /** The manager's id or email, resolved by sync against the same source. */
  managerRef: string | null;
  groups: string[];
  aliases: string[];
  status: IdentityStatus;
  employmentType: EmploymentType;
  contractEnd: string | null;
  lastSignInAt: string | null;
}

/** A role an account holds, as a system reports it. Sync derives the grant id and correlation. */
export interface GrantRecord {
  accountId: string;
  role: string;
  /** '' when the system has no scope. */
  scope: string;
  /** Email, directory id or alias of the owner; null for an unowned (service/orphan) account. */
  identityRef: string | null;
  accountDisplayName: string | null;
  accountType: AccountType;
  accountStatus: AccountStatus;
  lastActivityAt: string | null;
  /**
   * What the role means here, structured (see GrantDetail): privileges, the custody-policy rule,
   * the path it reaches the account by. Optional: most systems have none. A change of it is a
   * changed grant, not a new one; put what identifies the access in role and scope instead.
   */
  detail?: GrantDetail | null;
}

/**
 * One page of answers. `nextToken` null means the collection is complete. `problems` are
 * records the connector could not read (a bad CSV row, an object it did not understand):
 * they make the snapshot `partial`, so it is stored but never applied.
 */
export interface Page<T> {
  items: T[];
  nextToken: string | null;
  problems?: string[];
}

export interface ConnectorContext {
  systemId: string;
  /** The connectors/ folder: relative paths in settings resolve against it. */
  configDir: string;
  /** Reads an environment variable named in settings (`{ env: NAME }`). */
  env: (name: string) => string | undefined;
  /** Aborted when the run times out or the process stops. */
  signal: AbortSignal;
  log: ConnectorLog;
  now: () => Date;
}

export interface ConnectorLog {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * What one revokeGrant call did. `ref` says what was changed (or found), for the ledger.
 * - removed: this call removed the grant at the vendor.
 * - already-gone: the grant was not there (a 404, or a read showed it absent): nothing to do.
 * - refused: it cannot be removed this way (a missing write permission, a grant held through
 *   a group, a kind of grant the connector does not remove); nothing was changed. `permission`
 *   names the vendor permission or capability that is missing, when that is the reason.
 */
export type RevokeResult =
  | { outcome: 'removed'; ref: string }
  | { outcome: 'already-gone'; ref: string }
  | { outcome: 'refused'; reason: string; permission?: string };

/** A configured connector for one system. Either or both list methods exist. */
export interface Connector {
  listIdentities?(pageToken: string | null, ctx: ConnectorContext): Promise<Page<IdentityRecord>>;
  listGrants?(pageToken: string | null, ctx: ConnectorContext): Promise<Page<GrantRecord>>;
  /**
   * Removes one grant, as this connector reported it (`accountId`, `role`, `scope` are what
   * listGrants returned). Only called for systems whose `remediation.mode` is `auto`; a
   * connector without it is read-only.
   *
   * Contract:
   * - Idempotent by state, not by memory: it reads the vendor's current state first and
   *   removes only what is still there, so a repeat after a crash (the call went out, the
   *   ledger did not record it) finds nothing and answers `already-gone`. A 404 on the
   *   removal itself also means `already-gone`.
   * - It removes exactly this grant or nothing: when the only way would take more (a
   *   group membership that carries other roles, a shared assignment) or is not the
   *   grant's own (it holds the role through a group), it answers `refused` with the reason
   *   and what a person should do instead.
   * - A missing write permission is `refused` naming the permission, not an exception.
   * - Throttling and outages are thrown as transient ConnectorErrors (with `retryAfterMs`)
   *   after the client's own retries; anything else unexpected is thrown as a ConnectorError.
   * - It never reports access as removed that it did not remove: only a later snapshot verifies.
   */
  revokeGrant?(grant: GrantRecord, ctx: ConnectorContext): Promise<RevokeResult>;
  /** Releases clients, files, timers. */
  close?(): Promise<void>;
}

export interface ConnectorType<S = unknown> {
  /** The `connector.type` value in a system's YAML. */
  readonly type: string;
  /** Settings schema: the `connector:` mapping without `type`. Strict: unknown keys are errors. */
  readonly settingsSchema: z.ZodType<S>;
  /** Dot paths of the settings that are secrets (each an `{ env: NAME }`), for docs and redaction. */
  readonly secretSettings: readonly string[];
  create(settings: S, ctx: Omit<ConnectorContext, 'signal'>): Connector;
}

/**
 * Thrown by connectors for failures the core should understand. `transient` errors are
 * retried with backoff (honouring `retryAfterMs`); others fail the run at once.
 */
export class ConnectorError extends Error {
  readonly transient: boolean;
  readonly retryAfterMs: number | null;
  readonly status: number | null;

  constructor(message: string, opts: { transient?: boolean; retryAfterMs?: number | null; status?: number | null; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ConnectorError';
    this.transient = opts.transient ?? false;
    this.retryAfterMs = opts.retryAfterMs ?? null;
    this.status = opts.status ?? null;
  }
}

/**
 * Parses an HTTP Retry-After header (delta-seconds or an HTTP date) into milliseconds;
 * null when absent or unparseable.
 */
export function parseRetryAfter(value: string | null | undefined, now: Date = new Date()): number | null {
  if (value == null || value.trim() === '') return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now.getTime());
}
