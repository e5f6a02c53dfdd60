/**
 * Runs that ended without finishing (the process was killed, the disk filled up before the
 * outcome could be written) leave a snapshot `running` with no ledger event. Before a system
 * is synced, its stale runs are closed as `failed` and ledgered as `sync.failed`, so nothing
 * stays running and every failure lands in the ledger, at the latest on the next sync.
 *
 * A run is stale when the process that started it is gone (recorded at its start: same host,
 * no such process), when it is this process's own but no longer going (its outcome could not
 * be written), or, when that cannot be known (another host, no record), when it is older
 * than its own time limit plus a grace period: a live run aborts itself at its limit.
 * finish() only moves a running snapshot, so of two processes closing the same stale run one
 * wins and only it ledgers the failure.
 */
import type { AuditLog } from '../audit/audit-log.js';
import { EVENT } from '../audit/event-types.js';
import type { Snapshot } from '../domain/index.js';
import type { Store } from '../store/ports.js';

/** Who runs a sync: recorded with each run so a later process can tell a dead run from a live one. */
export interface RunOwner {
  host: string;
  pid: number;
}

export interface RunLiveness {
  /** This process, as recorded with the runs it starts. */
  self: RunOwner;
  /**
   * The runs (snapshot ids) this process has going now. A run recorded as this process's
   * that is not among them ended without finishing (its outcome could not be written, e.g.
   * on a full disk): a long-lived `serve` closes it on its next sync instead of keeping it
   * running until a restart.
   */
  readonly active: Set<string>;
  /** Whether a process of this host with that pid exists. */
  isAlive(pid: number): boolean;
}

/** Time after a run's limit before a run of another host (or with no owner record) counts as dead. */
export const STALE_GRACE_MS = 10 * 60_000;

const ownerKey = (snapshotId: string) => `sync-run:${snapshotId}`;

export async function recordRunOwner(store: Store, snapshotId: string, owner: RunOwner): Promise<void> {
  await store.kv.set(ownerKey(snapshotId), JSON.stringify(owner));
}

export interface StaleRunDeps {
  store: Store;
  audit: AuditLog;
  now: () => Date;
  liveness: RunLiveness;
}

/** Closes the system's stale running snapshots as failed (ledgered); returns the ids closed. */
export async function closeStaleRuns(systemId: string, timeoutMs: number, deps: StaleRunDeps, actor: string): Promise<string[]> {
  const closed: string[] = [];
  for (const snapshot of await deps.store.snapshots.list({ systemId, status: 'running' })) {
    const why = await staleBecause(snapshot, timeoutMs, deps);
    if (why === null) continue;
    const now = deps.now();
    const problems = [`the run stopped without finishing (${why}); closed as failed by a later sync`];
    // The failed outcome and its sync.failed commit together; false when it was no longer running.
    const finished = await deps.store.snapshots.finish(
      snapshot.id,
      {
        status: 'failed',
        finishedAt: now.toISOString(),
        durationMs: now.getTime() - Date.parse(snapshot.startedAt),
        counts: snapshot.counts,
        problems,
        contentHash: null,
        previousSnapshotId: snapshot.previousSnapshotId,
      },
      () => [deps.audit.event(EVENT.syncFailed, actor, systemId, { snapshotId: snapshot.id, status: 'failed', counts: snapshot.counts, problems, previousSnapshotId: snapshot.previousSnapshotId, stale: true })],
    );
    if (!finished) continue; // another process closed it, or it finished after all
    closed.push(snapshot.id);
  }
  return closed;
}

async function staleBecause(snapshot: Snapshot, timeoutMs: number, deps: StaleRunDeps): Promise<string | null> {
  const text = await deps.store.kv.get(ownerKey(snapshot.id));
  const owner = text ? (JSON.parse(text) as RunOwner) : null;
  const { self } = deps.liveness;
  if (owner && owner.host === self.host) {
    if (owner.pid === self.pid) return deps.liveness.active.has(snapshot.id) ? null : 'this process ended it without writing its outcome';
    return deps.liveness.isAlive(owner.pid) ? null : `process ${owner.pid} on ${owner.host} is gone`;
  }
  const age = deps.now().getTime() - Date.parse(snapshot.startedAt);
  if (age <= timeoutMs + STALE_GRACE_MS) return null;
  return `started ${Math.round(age / 60_000)} minutes ago, past its ${Math.round(timeoutMs / 60_000)}-minute limit${owner ? ` (on ${owner.host})` : ''}`;
}

/** This process and the host's process table (signal 0 tests for existence without signalling). */
export function processLiveness(host: string): RunLiveness {
  return {
    self: { host, pid: process.pid },
    active: new Set(),
    isAlive(pid) {
      try {
        process.kill(pid, 0);
        return true;
      } catch (error) {
        // EPERM: it exists, under another user.
        return (error as NodeJS.ErrnoException).code === 'EPERM';
      }
    },
  };
}
