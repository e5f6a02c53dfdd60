/**
 * Remediation mode `auto`: the system's own connector removes the grant (its optional
 * `revokeGrant`, src/connectors/connector.ts). For each remediation the grant is looked up in
 * the system's current snapshot (what the connector reported: account, role, scope); then
 * - absent from that snapshot: `requested`, ref "already gone: ..." (nothing is sent; the next
 *   applied snapshot verifies it, as for any other removal);
 * - `removed` / `already-gone` from the connector: `requested`, the ref says which and what was
 *   changed (a request, NOT a verification: only a later complete snapshot verifies);
 * - `refused` (a missing write permission, a grant held through a group, a PIM eligibility):
 *   `failed` with the reason, naming the permission (retried by the next run);
 * - thrown (throttled after the client's own retries, an outage): the system's writes are held
 *   off for the Retry-After and the grant is tried again, up to `attempts` times; then `failed`.
 *
 * Idempotent per remediation: connectors read the vendor's current state right before they
 * write, so a repeat after a crash (the removal went out, the ledger did not record it) finds
 * the grant gone and answers `already-gone`, which is recorded as requested again, once.
 * Writes are paced per system by a WritePacer shared by every call of this requester.
 *
 * The connector side is reached through GrantRevokers, which the composition root builds from
 * the connector registry (remediation/ does not import connectors/): its shapes mirror the
 * connector contract's `revokeGrant` and RevokeResult.
 */
import type { SystemConfig } from '../config/system-config.js';
import type { Grant, Remediation } from '../domain/index.js';
import type { SnapshotStore } from '../store/ports.js';
import type { RemovalContext, RemovalOutcome, RemovalRequester } from './removal-requester.js';
import { WritePacer } from './write-pacer.js';

/** What a connector's revokeGrant answers (the connector contract's RevokeResult). */
export type RevokeAnswer =
  | { outcome: 'removed'; ref: string }
  | { outcome: 'already-gone'; ref: string }
  | { outcome: 'refused'; reason: string; permission?: string };

/** One system's connector, able to remove grants. */
export interface SystemRevoker {
  revoke(grant: Grant, signal?: AbortSignal): Promise<RevokeAnswer>;
  close(): Promise<void>;
}

/** Opens the connector of a system for removals, or says why it cannot remove anything. */
export interface GrantRevokers {
  open(system: SystemConfig): SystemRevoker | { unavailable: string };
}

export interface AutoRemovalDeps {
  snapshots: Pick<SnapshotStore, 'current' | 'scanGrants'>;
  revokers: GrantRevokers;
  /** Shared by every call (one per process): the vendors' write limits are per app, not per run. */
  pacer?: WritePacer;
  /** Tries per grant while the vendor throttles or is unavailable. Default 3. */
  attempts?: number;
  /** Hold-off after a transient failure that named no Retry-After. Default 5 s. */
  defaultHoldOffMs?: number;
}

/** Grants looked up per snapshot scan batch. */
const SCAN_BATCH = 5_000;

export class AutoRemovalRequester implements RemovalRequester {
  readonly mode = 'auto' as const;
  private readonly pacer: WritePacer;

  constructor(private readonly deps: AutoRemovalDeps) {
    this.pacer = deps.pacer ?? new WritePacer();
  }

  async request(system: SystemConfig, remediations: readonly Remediation[], ctx: RemovalContext): Promise<RemovalOutcome[]> {
    const current = await this.deps.snapshots.current(system.id);
    if (current === null) return remediations.map((r) => ({ id: r.id, outcome: 'skipped', why: `${system.id} has no current snapshot to find the grant in` }));
    const opened = this.deps.revokers.open(system);
    if ('unavailable' in opened) return remediations.map((r) => ({ id: r.id, outcome: 'failed', error: opened.unavailable }));
    const grants = await this.findGrants(current.id, remediations);
    const outcomes: RemovalOutcome[] = [];
    try {
      for (const r of remediations) {
        ctx.signal?.throwIfAborted();
        const grant = grants.get(r.grantId);
        if (!grant) {
          outcomes.push({ id: r.id, outcome: 'requested', ref: `already gone: not in the current snapshot ${current.id}`, detail: { result: 'already-gone', snapshotId: current.id } });
          continue;
        }
        outcomes.push(await this.revoke(system, opened, grant, r, ctx));
      }
    } finally {
      await opened.close();
    }
    return outcomes;
  }

  private async revoke(system: SystemConfig, revoker: SystemRevoker, grant: Grant, r: Remediation, ctx: RemovalContext): Promise<RemovalOutcome> {
    const attempts = this.deps.attempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      await this.pacer.take(system.id);
      let answer: RevokeAnswer;
      try {
        answer = await revoker.revoke(grant, ctx.signal);
      } catch (err) {
        ctx.signal?.throwIfAborted();
        const { transient, retryAfterMs } = err as { transient?: unknown; retryAfterMs?: unknown };
        const message = err instanceof Error ? err.message : String(err);
        if (transient !== true || attempt >= attempts) {
          return { id: r.id, outcome: 'failed', error: `${transient === true ? `still failing after ${attempt} attempts: ` : ''}${message}` };
        }
        this.pacer.holdOff(system.id, typeof retryAfterMs === 'number' ? retryAfterMs : (this.deps.defaultHoldOffMs ?? 5_000));
        continue;
      }
      switch (answer.outcome) {
        case 'removed':
          return { id: r.id, outcome: 'requested', ref: `removed: ${answer.ref}`, detail: { result: 'removed' } };
        case 'already-gone':
          return { id: r.id, outcome: 'requested', ref: `already gone: ${answer.ref}`, detail: { result: 'already-gone' } };
        case 'refused': {
          const named = answer.permission === undefined || answer.reason.includes(answer.permission) ? '' : ` (missing permission: ${answer.permission})`;
          return { id: r.id, outcome: 'failed', error: `refused: ${answer.reason}${named}`, detail: { result: 'refused', ...(answer.permission ? { permission: answer.permission } : {}) } };
        }
      }
    }
  }

  /** The remediations' grants in the snapshot, by grant id (one scan, stopping once all are found). */
  private async findGrants(snapshotId: string, remediations: readonly Remediation[]): Promise<Map<string, Grant>> {
    const wanted = new Set(remediations.map((r) => r.grantId));
    const found = new Map<string, Grant>();
    for await (const batch of this.deps.snapshots.scanGrants(snapshotId, SCAN_BATCH)) {
      for (const g of batch) if (wanted.has(g.id)) found.set(g.id, g);
      if (found.size === wanted.size) break;
    }
    return found;
  }
}
