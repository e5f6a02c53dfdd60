/**
 * Runs the sync of several systems: identity sources first (grants correlate against
 * them), then the other systems a few at a time. One system's failure never stops the
 * others; each outcome is reported.
 */
import type { AuditLog } from '../audit/audit-log.js';
import { EVENT } from '../audit/event-types.js';
import type { SystemConfig } from '../config/system-config.js';
import { IdentityIndex } from '../domain/index.js';
import type { Store } from '../store/ports.js';
import { syncSystem } from './sync-system.js';
import type { SyncDeps, SyncOptions, SyncResult } from './sync-system.js';

export type SyncOutcome = { systemId: string; ok: true; result: SyncResult } | { systemId: string; ok: false; error: string };

export async function syncSystems(systems: readonly SystemConfig[], deps: SyncDeps, opts: SyncOptions & { concurrency?: number } = {}): Promise<SyncOutcome[]> {
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
  const limit = Math.max(1, opts.concurrency ?? 2);
  let next = 0;
  const worker = async () => {
    while (next < rest.length) outcomes.push(await run(rest[next++]!, restDeps));
  };
  await Promise.all(Array.from({ length: Math.min(limit, rest.length) }, worker));
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
