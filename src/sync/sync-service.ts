/**
 * The sync stage as one service: what `sync`, the demo and the scheduler call. It reads the
 * config afresh per run (a new system or policy needs no restart), ledgers the config when it
 * changed, and runs the systems' connectors through syncSystems.
 */
import type { AuditLog } from '../audit/audit-log.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { SystemConfig } from '../config/system-config.js';
import type { ConnectorLog } from '../connectors/connector.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import type { Store } from '../store/ports.js';
import type { RunLiveness } from './stale-runs.js';
import type { SyncProgress, SyncResult } from './sync-system.js';
import type { SyncOutcome } from './sync-runner.js';
import { acceptQuarantined, syncSystems } from './sync-runner.js';

export interface SyncServiceDeps {
  store: Store;
  audit: AuditLog;
  connectors: ConnectorRegistry;
  env: (name: string) => string | undefined;
  log: ConnectorLog;
  now: () => Date;
  loadConfig(): LoadedConfig;
  recordConfig(config: LoadedConfig, actor: string): Promise<void>;
  /** Tells live runs from dead ones (stale running snapshots are closed before each run). */
  liveness: RunLiveness;
  /**
   * Called with the snapshots a run (or an acceptance) made current, once they are stored:
   * the composition root verifies the remediations of those systems against them.
   */
  afterApplied?(applied: readonly SyncResult[], actor: string): Promise<unknown>;
}

export interface SyncRunOptions {
  /** Who triggered the run, for the ledger: 'scheduler', 'demo', the CLI operator (an email or user@host). */
  actor: string;
  onProgress?: (p: SyncProgress) => void;
  signal?: AbortSignal;
}

/** A system id that no file in connectors/ defines. */
export class UnknownSystemError extends Error {
  constructor(
    readonly systemId: string,
    readonly known: readonly string[],
  ) {
    super(`unknown system "${systemId}" (known: ${known.join(', ')})`);
  }
}

export class SyncService {
  constructor(private readonly deps: SyncServiceDeps) {}

  /** Syncs every configured system, or the one named (UnknownSystemError when none has that id). */
  async runConfigured(systemId: string | undefined, opts: SyncRunOptions): Promise<SyncOutcome[]> {
    const config = this.deps.loadConfig();
    await this.deps.recordConfig(config, opts.actor);
    const systems = systemId === undefined ? config.systems : config.systems.filter((s) => s.id === systemId);
    if (systemId !== undefined && systems.length === 0) throw new UnknownSystemError(systemId, config.systems.map((s) => s.id));
    return this.run(config, systems, opts);
  }

  /** Syncs the given systems (which may differ from their files, e.g. the demo's later export) under `config`. */
  async run(config: LoadedConfig, systems: readonly SystemConfig[], opts: SyncRunOptions): Promise<SyncOutcome[]> {
    const { store, audit, connectors, env, log, now, liveness } = this.deps;
    const outcomes = await syncSystems(
      systems,
      { store, audit, connectors, env, log, now, liveness, configDir: `${config.configDir}/connectors`, maxRemovalShare: config.global.maxRemovalShare },
      { actor: opts.actor, onProgress: opts.onProgress, signal: opts.signal },
    );
    const applied = outcomes.flatMap((o) => (o.ok && o.result.applied ? [o.result] : []));
    if (applied.length > 0) await this.deps.afterApplied?.(applied, opts.actor);
    return outcomes;
  }

  /** Applies a quarantined snapshot deliberately (ledgered as sync.quarantine-accepted). */
  async acceptQuarantined(snapshotId: string, by: string): Promise<void> {
    await acceptQuarantined(this.deps.store, this.deps.audit, snapshotId, by);
    const snapshot = await this.deps.store.snapshots.get(snapshotId);
    if (snapshot) await this.deps.afterApplied?.([{ systemId: snapshot.systemId, snapshot, applied: true }], by);
  }
}
