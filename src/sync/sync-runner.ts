/**
 * Runs the sync of several systems: identity sources first (grants correlate against
 * them), then the other systems a few at a time (a large one alone). One system's failure never stops the
 * others; each outcome is reported.
 */
import type { AuditLog } from '../audit/audit-log.js';
import { EVENT } from '../audit/event-types.js';
import type { SystemConfig } from '../config/system-config.js';
import { IdentityIndex } from '../domain/index.js';
import type { Snapshot } from '../domain/index.js';
import type { Store } from '../store/ports.js';
import { SyncLanes } from './sync-lanes.js';
import { syncSystem } from './sync-system.js';
import type { SyncDeps, SyncOptions, SyncResult } from './sync-system.js';

export type SyncOutcome = { systemId: string; ok: true; result: SyncResult } | { systemId: string; ok: false; error: string };

/** Grants in a system's current state from which its sync runs alone (see syncSystems). */
export const ALONE_FROM_GRANTS = 100_000;

export interface SyncRunOptions extends SyncOptions {
  /** Systems synced at a time (identity sources apart): 2 by default. */
  concurrency?: number;
  /** A system whose current state holds at least this many grants syncs alone: ALONE_FROM_GRANTS by default. */
  aloneFromGrants?: number;
}

export async function syncSystems(systems: readonly SystemConfig[], deps: SyncDeps, opts: SyncRunOptions = {}): Promise<SyncOutcome[]> {
  const run = async (s: SystemConfig, runDeps: SyncDeps = deps): Promise<SyncOutcome> => {
    try {
      return { systemId: s.id, ok: true, result: await syncSystem(s, runDeps, opts) };
    } catch (err) {
      // Store or ledger failure around the run (the connector's own errors are a failed snapshot).
      deps.log.warn('sync failed', { systemId: s.id, error: (err as Error).message });
      return { systemId: s.id, ok: false, error: (err as Error).message };
    }
  };
  const outcomes: SyncOutcome[] = [];
  for (const s of systems.filter((x) => x.kind === 'directory')) outcomes.push(await run(s));
  const rest = systems.filter((x) => x.kind !== 'directory');
  // The identities are final once the identity sources ran: the other systems share one index of them.
  let index: Promise<IdentityIndex> | null = null;
  const identityIndex = (): Promise<IdentityIndex> => (index ??= deps.store.identities.current().then((ids) => new IdentityIndex(ids)));
  const restDeps: SyncDeps = { ...deps, identityIndex: deps.identityIndex ?? identityIndex };
  // A system whose current state is large runs alone: each run holds its previous state's
  // diff (a few hundred bytes per grant) and its pipeline's batches, and the heap grows to a
  // multiple of what is live. Measured at 1M grants (5 systems, 1% churn): 880 -> 653 MB peak RSS.
  const lanes = new SyncLanes(Math.max(1, opts.concurrency ?? 2));
  const aloneFrom = opts.aloneFromGrants ?? ALONE_FROM_GRANTS;
  const current = rest.length > 1 ? await deps.store.snapshots.currentAll() : new Map<string, Snapshot>();
  await Promise.all(
    rest.map(async (s) => {
      const taken = await lanes.take((current.get(s.id)?.counts.grants ?? 0) >= aloneFrom ? lanes.size : 1);
      try {
        outcomes.push(await run(s, restDeps));
      } finally {
        lanes.release(taken);
      }
    }),
  );
  const order = new Map(systems.map((s, i) => [s.id, i]));
  return outcomes.sort((a, b) => (order.get(a.systemId) ?? 0) - (order.get(b.systemId) ?? 0));
}

/** Applies a quarantined snapshot deliberately (`sync --accept-quarantined ID`). */
export async function acceptQuarantined(store: Store, audit: AuditLog, snapshotId: string, by: string): Promise<void> {
  const snapshot = await store.snapshots.get(snapshotId);
  if (!snapshot) throw new Error(`no snapshot "${snapshotId}"`);
  if (snapshot.status !== 'quarantined') throw new Error(`snapshot "${snapshotId}" is ${snapshot.status}, not quarantined`);
  // The acceptance, the promotion and sync.quarantine-accepted commit together.
  const accepted = await store.snapshots.promote(snapshotId, by, () => [audit.event(EVENT.syncAccepted, by, snapshot.systemId, { snapshotId, counts: snapshot.counts, reason: snapshot.problems })]);
  // Accepted by a concurrent call meanwhile (and still current): that one ledgered it.
  if (!accepted) throw new Error(`snapshot "${snapshotId}" is complete, not quarantined (accepted meanwhile)`);
}
