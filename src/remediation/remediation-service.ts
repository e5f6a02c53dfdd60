/**
 * The remediation stage as one service: what `decide`, `remediation`, the sync (after a
 * snapshot is applied) and later `serve` call. It reads the config afresh per call.
 */
import type { AuditLog } from '../audit/audit-log.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { RemediationMode } from '../config/remediation-config.js';
import type { Remediation, RemediationState, Snapshot } from '../domain/index.js';
import type { Store } from '../store/ports.js';
import { claimRemediation } from './claim-remediation.js';
import { markOverdue } from './mark-overdue.js';
import type { RemovalRequester, VerifiedFollowUp } from './removal-requester.js';
import type { RequestRemovalsOptions, SystemRequests } from './request-removals.js';
import { requestRemovals } from './request-removals.js';
import type { OpenFindingRemediationsResult } from './open-finding-remediations.js';
import { openFindingRemediations } from './open-finding-remediations.js';
import type { OpenRemediationsResult } from './open-remediations.js';
import { openRemediations } from './open-remediations.js';
import type { RemediationDeps } from './remediation-deps.js';
import type { VerifyResult } from './verify-remediations.js';
import { verifyRemediations } from './verify-remediations.js';

export interface RemediationServiceDeps {
  store: Store;
  audit: AuditLog;
  now: () => Date;
  loadConfig(): LoadedConfig;
  /** Who asks for removals, by `remediation.mode` (built by the composition root); a mode without one is not dispatched. */
  requesters?: ReadonlyMap<RemediationMode, RemovalRequester>;
}

/** A verification, and what the system's requester did about the verified remediations (e.g. closed their tickets). */
export interface VerifyOutcome extends VerifyResult {
  followUps?: VerifiedFollowUp[];
}

export class RemediationService {
  constructor(private readonly deps: RemediationServiceDeps) {}

  /** Opens a remediation for every revoke decision that has none (idempotent). */
  open(actor?: string): Promise<OpenRemediationsResult> {
    return openRemediations(this.withConfig(), actor);
  }

  /**
   * Opens a remediation for every open finding of a type in policies/global.yaml
   * `remediation.findings` that has none and whose grant has no removal under way (idempotent;
   * nothing when the list is empty). Call it after an evaluation saved its findings.
   */
  openForFindings(actor?: string): Promise<OpenFindingRemediationsResult> {
    return openFindingRemediations(this.withConfig(), actor);
  }

  /**
   * Verifies the remediations of the snapshot's system against it: call it after a snapshot
   * was applied (it does nothing for one that is not complete and current).
   */
  async verify(snapshot: Snapshot, actor?: string): Promise<VerifyOutcome> {
    const result: VerifyOutcome = await verifyRemediations(this.deps, snapshot, actor);
    if (result.verified > 0) await this.followUpVerified(snapshot, result);
    return result;
  }

  /**
   * Hook: the requester of the system's mode, if it has onVerified, is told of the remediations
   * this snapshot verified (a ticket gets its comment and done transition). Best effort after
   * the commit: a failure is reported in followUps, never thrown into the sync.
   */
  private async followUpVerified(snapshot: Snapshot, result: VerifyOutcome): Promise<void> {
    try {
      const system = this.deps.loadConfig().systems.find((s) => s.id === snapshot.systemId);
      const requester = system ? this.deps.requesters?.get(system.remediation?.mode ?? 'manual') : undefined;
      if (!system || !requester?.onVerified) return;
      const verified = (await this.deps.store.remediations.list({ state: 'verified', systemId: system.id })).filter((r) => r.verifiedSnapshotId === snapshot.id);
      result.followUps = await requester.onVerified(system, verified, { now: this.deps.now });
    } catch (err) {
      result.followUps = [{ id: '*', error: err instanceof Error ? err.message : String(err) }];
    }
  }

  /**
   * What the sync calls once its snapshots are stored: verify() against each one that was
   * applied (a partial, failed or quarantined one is not, and would verify nothing anyway).
   * The shape is the sync's SyncResult (systemId, snapshot, applied).
   */
  async verifyApplied(results: readonly { snapshot: Snapshot; applied: boolean }[], actor = 'sync'): Promise<VerifyOutcome[]> {
    const verified: VerifyOutcome[] = [];
    for (const r of results) if (r.applied) verified.push(await this.verify(r.snapshot, actor));
    return verified;
  }

  /** verify() against the current snapshot of every system (or the one named) that has one. */
  async verifyCurrent(systemId?: string, actor?: string): Promise<VerifyOutcome[]> {
    const current = await this.deps.store.snapshots.currentAll();
    const snapshots = [...current.values()].filter((s) => systemId === undefined || s.systemId === systemId).sort((a, b) => a.systemId.localeCompare(b.systemId));
    const results: VerifyOutcome[] = [];
    for (const snapshot of snapshots) results.push(await this.verify(snapshot, actor));
    return results;
  }

  /**
   * Asks for the removals due a request, through the requester of each system's mode
   * (`remediate --apply`, and `serve` after decisions); with dryRun only lists them.
   */
  requestRemovals(opts: RequestRemovalsOptions = {}): Promise<SystemRequests[]> {
    return requestRemovals(this.withConfig(), this.deps.requesters ?? new Map(), opts);
  }

  markOverdue(now = this.deps.now()): Promise<{ overdue: number }> {
    return markOverdue(this.deps, now);
  }

  claim(id: string, actor: string, note?: string | null, operator?: string | null): Promise<Remediation> {
    return claimRemediation(this.withConfig(), { id, actor, note, operator });
  }

  list(filter: { state?: RemediationState; systemId?: string } = {}): Promise<Remediation[]> {
    return this.deps.store.remediations.list(filter);
  }

  get(id: string): Promise<Remediation | null> {
    return this.deps.store.remediations.get(id);
  }

  private withConfig(): RemediationDeps {
    return { store: this.deps.store, audit: this.deps.audit, now: this.deps.now, config: this.deps.loadConfig() };
  }
}
