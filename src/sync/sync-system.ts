/**
 * Runs one system's connector into a new snapshot and decides what it means.
 *
 * Safety rules (a failing connector never reads as "all access removed"):
 * - an error fails the run: the snapshot is stored as `failed` and the current state stays;
 * - records the connector could not read make it `partial`: stored, never applied;
 * - a pull that returns nothing where there was data, or removes more than the allowed
 *   share, is `quarantined`: stored with its diff for inspection, applied only by
 *   `sync --accept-quarantined ID`;
 * - only a `complete` snapshot becomes the system's current state.
 *
 * A snapshot starts from the current state (SnapshotStore.create fromPrevious): the pull
 * streams through the diff once, and only what changed is written (new and changed grants,
 * and grants whose last activity or identity reference moved; removeGrants for the ones gone).
 * The content hash still covers every pulled grant: it is carried forward from the previous
 * snapshot's stored sum (GrantSetHash), so only the grants added, changed or removed are hashed.
 */
import { createHash, randomUUID } from 'node:crypto';
import { EVENT } from '../audit/event-types.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { SystemConfig } from '../config/system-config.js';
import type { ConnectorContext, ConnectorLog, GrantRecord, IdentityRecord, Page } from '../connectors/connector.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import type { Grant, GrantChange, Identity, Snapshot, SnapshotCounts } from '../domain/index.js';
import { EMPTY_COUNTS, grantId, GrantSetHash, IdentityIndex, normalizeEmail, quarantineReason, UNVERIFIED_STATES } from '../domain/index.js';
import type { Store } from '../store/ports.js';
import { drainPages } from './drain-pages.js';
import type { RetryPolicy, Sleep } from './drain-pages.js';
import { GrantDiff } from './grant-diff.js';
import { sameCanonicalJson } from './same-canonical-json.js';
import type { RunLiveness } from './stale-runs.js';
import { closeStaleRuns, recordRunOwner } from './stale-runs.js';

export interface SyncDeps {
  store: Store;
  audit: AuditLog;
  connectors: ConnectorRegistry;
  configDir: string;
  env: (name: string) => string | undefined;
  log: ConnectorLog;
  now: () => Date;
  /** Default share of grants a pull may remove before quarantine (global.yaml). */
  maxRemovalShare: number;
  retry?: RetryPolicy;
  sleep?: Sleep;
  /**
   * Tells live runs from dead ones. When set, each run records its owner, and the system's
   * stale running snapshots are closed as failed (ledgered) before a new run starts.
   */
  liveness?: RunLiveness;
  /**
   * The current identities as an index, shared by the systems of one run (syncSystems sets it
   * once the identity sources are synced): loading and indexing every identity costs as much
   * per system as a small system's whole pull. Without it each system loads its own.
   */
  identityIndex?: () => Promise<IdentityIndex>;
}

export interface SyncProgress {
  systemId: string;
  phase: 'identities' | 'grants' | 'finishing';
  records: number;
}

export interface SyncOptions {
  signal?: AbortSignal;
  onProgress?: (p: SyncProgress) => void;
  /** Who triggered the run, for the ledger: 'scheduler', 'demo', the CLI operator (an email or user@host). */
  actor?: string;
}

export interface SyncResult {
  systemId: string;
  snapshot: Snapshot;
  /** True when the snapshot became the system's current state. */
  applied: boolean;
}

const BATCH = 5000;
/**
 * Grants are handed to the store a thousand at a time: the grants waiting to be written
 * are live objects the young-generation collector copies on every run.
 */
const GRANT_WRITE_BATCH = 1000;
/**
 * Grant and change batches a pull keeps in flight: the SQLite store commits large batches on
 * a worker thread, so parsing the next pages overlaps with writing the last ones, and the
 * batches queued there are committed together (each commit rewrites the index pages it touched).
 */
const MAX_WRITES_IN_FLIGHT = 64;
const MAX_STORED_PROBLEMS = 200;
const DEFAULT_TIMEOUT_S = 30 * 60;

export async function syncSystem(system: SystemConfig, deps: SyncDeps, opts: SyncOptions = {}): Promise<SyncResult> {
  const { store } = deps;
  const started = deps.now();
  const startedAt = started.toISOString();
  const snapshotId = `${system.id}@${startedAt}#${randomUUID().slice(0, 8)}`;
  const timeoutMs = (system.sync?.timeoutSeconds ?? DEFAULT_TIMEOUT_S) * 1000;
  if (!deps.liveness) return runSystem(system, deps, opts, snapshotId, started, timeoutMs);
  const { active } = deps.liveness;
  await closeStaleRuns(system.id, timeoutMs, { store, audit: deps.audit, now: deps.now, liveness: deps.liveness }, opts.actor ?? 'system');
  active.add(snapshotId);
  try {
    await recordRunOwner(store, snapshotId, deps.liveness.self);
    return await runSystem(system, deps, opts, snapshotId, started, timeoutMs);
  } finally {
    active.delete(snapshotId);
  }
}

async function runSystem(system: SystemConfig, deps: SyncDeps, opts: SyncOptions, snapshotId: string, started: Date, timeoutMs: number): Promise<SyncResult> {
  const { store } = deps;
  const startedAt = started.toISOString();
  const previous = await store.snapshots.current(system.id);
  // The snapshot starts as its previous one: the pull writes only the grants that changed.
  await store.snapshots.create(
    {
      id: snapshotId,
      systemId: system.id,
      status: 'running',
      startedAt,
      finishedAt: null,
      durationMs: null,
      counts: { ...EMPTY_COUNTS },
      problems: [],
      contentHash: null,
      previousSnapshotId: previous?.id ?? null,
      acceptedBy: null,
    },
    { fromPrevious: true },
  );

  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const counts: SnapshotCounts = { ...EMPTY_COUNTS };
  const problems: string[] = [];
  let problemCount = 0;
  const addProblems = (ps: readonly string[] | undefined) => {
    for (const p of ps ?? []) {
      problemCount++;
      if (problems.length < MAX_STORED_PROBLEMS) problems.push(p);
    }
  };
  let contentHash: string | null = null;
  /** The running sum behind the grants' content hash (GrantSetHash.state()), kept for the next sync. */
  let contentSum: string | null = null;
  let previousCount = 0;
  let duplicates = 0;
  /** Removed grants that were awaiting removal (an unverified remediation): see quarantineReason. */
  let expectedRemovals = 0;
  let error: Error | null = null;

  const type = deps.connectors.get(system.connector.type);
  const ctxBase: Omit<ConnectorContext, 'signal'> = { systemId: system.id, configDir: deps.configDir, env: deps.env, log: deps.log, now: deps.now };
  try {
    if (!type) throw new Error(`unknown connector type "${system.connector.type}"`);
    const connector = type.create(system.connector.settings as never, ctxBase);
    const ctx: ConnectorContext = { ...ctxBase, signal };
    const drain = { signal, retry: deps.retry, sleep: deps.sleep, onRetry: (r: { attempt: number; delayMs: number; error: Error }) => deps.log.warn('connector call failed, retrying', { systemId: system.id, attempt: r.attempt, delayMs: r.delayMs, error: r.error.message }) };
    try {
      if (connector.listIdentities) {
        const listIdentities = connector.listIdentities.bind(connector);
        const records: IdentityRecord[] = [];
        for await (const page of drainPages((t) => listIdentities(t, ctx), drain)) {
          records.push(...page.items);
          addProblems(page.problems);
          opts.onProgress?.({ systemId: system.id, phase: 'identities', records: records.length });
        }
        const result = await storeIdentities(snapshotId, system.id, records, previous, deps);
        Object.assign(counts, { identities: result.count, added: result.added, removed: result.removed, changed: result.changed });
        addProblems(result.problems);
        previousCount = result.previousCount;
        contentHash = result.contentHash;
      }
      if (connector.listGrants) {
        const listGrants = connector.listGrants.bind(connector);
        const result = await storeGrants(snapshotId, system.id, (t) => listGrants(t, ctx), drain, previous, deps, addProblems, opts.onProgress);
        Object.assign(counts, { grants: result.grants, accounts: result.accounts, added: counts.added + result.added, removed: counts.removed + result.removed, changed: counts.changed + result.changed });
        previousCount += result.previousCount;
        expectedRemovals = result.expectedRemovals;
        duplicates = result.duplicates;
        contentHash = result.contentHash;
        contentSum = result.contentSum;
      }
    } finally {
      await connector.close?.();
    }
  } catch (err) {
    error = err instanceof Error ? err : new Error(String(err));
    if (signal.aborted && timeout.aborted) error = new Error(`timed out after ${system.sync?.timeoutSeconds ?? DEFAULT_TIMEOUT_S} s (${error.message})`);
  }

  if (problemCount > problems.length) problems.push(`... and ${problemCount - problems.length} more problems`);
  const finishedAt = deps.now();
  let status: Exclude<Snapshot['status'], 'running'>;
  if (error) {
    status = 'failed';
    problems.unshift(error.message);
  } else if (problemCount > 0) {
    status = 'partial';
  } else {
    const total = counts.identities + counts.grants;
    const reason = quarantineReason(
      previous ? previousCount : null,
      { grants: total, removed: counts.removed },
      { maxRemovalShare: system.sync?.maxRemovalShare ?? deps.maxRemovalShare },
      system.kind === 'directory' ? (counts.grants === 0 ? 'identities' : 'identities and grants') : 'grants',
      expectedRemovals,
    );
    if (reason) {
      status = 'quarantined';
      problems.push(reason);
    } else {
      status = 'complete';
    }
  }
  const eventType = { complete: EVENT.syncCompleted, partial: EVENT.syncPartial, failed: EVENT.syncFailed, quarantined: EVENT.syncQuarantined }[status];
  // The outcome, the promotion of a complete snapshot and the sync.* event commit together.
  // False when the snapshot was no longer running (a later sync closed it as stale): nothing changed.
  const finished = await store.snapshots.finish(
    snapshotId,
    {
      status,
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - started.getTime(),
      counts,
      problems,
      contentHash,
      // Kept only where the next sync may start from it: a complete snapshot holds exactly the
      // grants it hashed. (Another snapshot may become current only by an acceptance: its next
      // sync hashes every grant.)
      contentSum: status === 'complete' ? contentSum : null,
      previousSnapshotId: previous?.id ?? null,
    },
    () => [
      deps.audit.event(eventType, opts.actor ?? 'system', system.id, {
        snapshotId,
        status,
        counts,
        // Rows repeating a grant of the same pull (dropped; the first row is kept).
        duplicates,
        contentHash,
        previousSnapshotId: previous?.id ?? null,
        problems: problems.slice(0, 20),
        connector: system.connector.type,
      }),
    ],
    { promote: status === 'complete' },
  );
  const applied = finished && status === 'complete';
  const snapshot = await store.snapshots.get(snapshotId);
  return { systemId: system.id, snapshot: snapshot!, applied };
}

/**
 * The grants of a system still to be removed (an unverified remediation): their removal from
 * a pull is what the remediation waits for, so the quarantine does not count it.
 */
async function grantsAwaitingRemoval(store: Store, systemId: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const state of UNVERIFIED_STATES) {
    for (const r of await store.remediations.list({ systemId, state })) ids.add(r.grantId);
  }
  return ids;
}

async function storeGrants(
  snapshotId: string,
  systemId: string,
  fetchPage: (t: string | null) => Promise<Page<GrantRecord>>,
  drain: Parameters<typeof drainPages>[1],
  previous: Snapshot | null,
  deps: SyncDeps,
  addProblems: (ps: readonly string[] | undefined) => void,
  onProgress: SyncOptions['onProgress'],
) {
  const { store } = deps;
  const diff = new GrantDiff();
  const index = deps.identityIndex ? await deps.identityIndex() : new IdentityIndex(await store.identities.current());
  const pages = drainPages(fetchPage, drain);
  const now = deps.now().toISOString();
  const writes = new PendingWrites();
  let grants: Grant[] = [];
  let changes: GrantChange[] = [];
  // The content hash carried forward from the previous snapshot's sum: then only the grants
  // added, changed or removed are hashed. Without a stored sum (a snapshot finished before
  // sums were kept, or not complete), every pulled grant is hashed. So is every grant when the
  // stored sum does not digest to the previous snapshot's content hash (the one its ledger event
  // recorded): an edited or damaged sum never carries into a new snapshot's hash.
  const carried = previous ? carriedSum(GrantSetHash.from(await store.snapshots.contentSum(previous.id)), previous) : null;
  const contentHash = carried ?? new GrantSetHash();
  const hashAll = previous !== null && carried === null;
  let count = 0;
  let added = 0;
  let changed = 0;
  let duplicates = 0;
  const flushChanges = async (force: boolean) => {
    if (changes.length >= BATCH || (force && changes.length > 0)) {
      await writes.add(store.snapshots.appendChanges(changes));
      changes = [];
    }
  };
  // The owner of the last reference resolved: an export lists an account's grants together.
  let lastRef: string | null = null;
  let lastOwner: string | null = null;
  const take = async (page: Page<GrantRecord>) => {
    addProblems(page.problems);
    for (const r of page.items) {
      const identityRef = r.identityRef === null ? null : r.identityRef.trim() || null;
      if (identityRef !== lastRef) {
        lastRef = identityRef;
        lastOwner = index.resolve(identityRef)?.id ?? null;
      }
      const { result, before, after, firstSeenAt, restore } = diff.classify(r, lastOwner, identityRef, now);
      if (result === 'duplicate' || result === 'conflict') {
        // The first row of a grant is kept; a contradicting repeat makes the pull unreliable.
        duplicates++;
        if (result === 'conflict') {
          addProblems([`${systemId}: account ${r.accountId} role ${r.role} scope ${r.scope || '(none)'} appears twice with different owner/status`]);
        }
        continue;
      }
      count++;
      // The snapshot holds its previous one's grants: only new and changed ones are written, and
      // an unchanged grant's term is already in the carried content hash.
      if (result === 'unchanged' && restore !== true) {
        if (hashAll) contentHash.add(toGrant(systemId, r, lastOwner, identityRef, null));
        continue;
      }
      const grant = toGrant(systemId, r, lastOwner, identityRef, firstSeenAt);
      if (result === 'added') {
        added++;
        // A first snapshot (no previous state) derives its added changes from its grants (SnapshotStore.changes).
        if (previous) changes.push({ snapshotId, grantId: grant.id, kind: 'added', systemId, accountId: grant.accountId, role: grant.role, scope: grant.scope, before: null, after });
        contentHash.add(grant, after!);
      } else if (result === 'changed') {
        changed++;
        changes.push({ snapshotId, grantId: grant.id, kind: 'changed', systemId, accountId: grant.accountId, role: grant.role, scope: grant.scope, before, after });
        if (!hashAll) contentHash.remove(grant.id, before!);
        contentHash.add(grant, after!);
      } else if (hashAll) {
        contentHash.add(grant);
      }
      grants.push(grant);
      if (grants.length >= GRANT_WRITE_BATCH) {
        await writes.add(store.snapshots.appendGrants(snapshotId, grants));
        grants = [];
      }
    }
    await flushChanges(false);
    onProgress?.({ systemId, phase: 'grants', records: count });
  };
  try {
    // The previous state loads before the pull is read. Reading the pull ahead meanwhile (up to
    // 20,000 records, until 2026-12) saved no wall time with two systems syncing at once (the
    // other one's pull keeps this thread busy) and cost CPU: the records read ahead, and those
    // the file reader queues behind them, outlived young-generation collections and were copied
    // into the old one (at 1M grants, 485 -> 199 MB promoted, GC pauses 2.6 -> 0.9 s, peak RSS
    // ~600 -> ~460 MB without it).
    if (previous) for await (const rows of store.snapshots.scanGrantRows(previous.id, BATCH)) diff.addPreviousRows(rows);
    for await (const page of pages) await take(page);
    if (grants.length > 0) await writes.add(store.snapshots.appendGrants(snapshotId, grants));
    let removed = 0;
    let expectedRemovals = 0;
    const awaiting = previous ? await grantsAwaitingRemoval(store, systemId) : new Set<string>();
    let gone: string[] = [];
    for (const change of diff.removals(snapshotId, systemId)) {
      removed++;
      if (awaiting.has(change.grantId)) expectedRemovals++;
      if (!hashAll) contentHash.remove(change.grantId, change.before!);
      changes.push(change);
      gone.push(change.grantId);
      if (gone.length >= BATCH) {
        await writes.add(store.snapshots.removeGrants(snapshotId, gone));
        gone = [];
      }
      await flushChanges(false);
    }
    if (gone.length > 0) await writes.add(store.snapshots.removeGrants(snapshotId, gone));
    await flushChanges(true);
    await writes.all();
    onProgress?.({ systemId, phase: 'finishing', records: count });
    return { grants: count, accounts: diff.accountCount, added, changed, removed, expectedRemovals, duplicates, previousCount: diff.previousCount, contentHash: contentHash.digest(), contentSum: contentHash.state() };
  } finally {
    // On any failure, nothing may still be writing when the snapshot is finished.
    await writes.settled();
    await pages.return(undefined);
  }
}

/** The previous snapshot's stored sum, when it is the sum behind that snapshot's content hash. */
function carriedSum(sum: GrantSetHash | null, previous: Snapshot): GrantSetHash | null {
  return sum !== null && sum.digest() === previous.contentHash ? sum : null;
}

/** A pulled grant as stored, its id derived (grantId). */
function toGrant(systemId: string, r: GrantRecord, identityId: string | null, identityRef: string | null, firstSeenAt: string | null): Grant {
  const grant: Grant = {
    id: grantId(systemId, r.accountId, r.role, r.scope),
    systemId,
    accountId: r.accountId,
    role: r.role,
    scope: r.scope,
    identityId,
    identityRef,
    accountDisplayName: r.accountDisplayName,
    accountType: r.accountType,
    accountStatus: r.accountStatus,
    lastActivityAt: r.lastActivityAt,
    firstSeenAt,
  };
  if (r.detail !== null && r.detail !== undefined) grant.detail = r.detail;
  return grant;
}

/**
 * Store writes kept in flight while the pull goes on, at most MAX_WRITES_IN_FLIGHT, awaited
 * in the order they were made: a failed write fails the run a few batches later at most.
 */
class PendingWrites {
  private readonly queue: Promise<void>[] = [];

  async add(write: Promise<void>): Promise<void> {
    // Awaited below; until then a failure must not count as an unhandled rejection.
    write.catch(() => {});
    this.queue.push(write);
    while (this.queue.length > MAX_WRITES_IN_FLIGHT) await this.queue.shift();
  }

  /** Waits for every write; throws the first failure. */
  async all(): Promise<void> {
    while (this.queue.length > 0) await this.queue.shift();
  }

  /** Waits for every write, failed or not. */
  async settled(): Promise<void> {
    await Promise.allSettled(this.queue.splice(0));
  }
}

/** Recomputes a stored snapshot's content hash (see GrantSetHash), e.g. for an auditor's check. */
export async function hashSnapshotGrants(store: Store, snapshotId: string): Promise<string> {
  const h = new GrantSetHash();
  for await (const batch of store.snapshots.grants(snapshotId, BATCH)) for (const g of batch) h.add(g);
  return h.digest();
}

async function storeIdentities(snapshotId: string, systemId: string, records: IdentityRecord[], previous: Snapshot | null, deps: SyncDeps) {
  const problems: string[] = [];
  const byId = new Map<string, IdentityRecord>();
  for (const r of records) {
    if (byId.has(r.id)) {
      problems.push(`identity id "${r.id}" appears twice`);
      continue;
    }
    byId.set(r.id, r);
  }
  // Managers are references (id, email or alias) into the same source.
  const lookup = new IdentityIndex([...byId.values()].map((r) => toIdentity(r, systemId, null)));
  const identities: Identity[] = [];
  for (const r of byId.values()) {
    const manager = r.managerRef ? lookup.resolve(r.managerRef) : null;
    if (r.managerRef && !manager) deps.log.warn('manager not found in identity source', { systemId, identity: r.id, manager: r.managerRef });
    identities.push(toIdentity(r, systemId, manager?.id ?? null));
  }
  identities.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (let i = 0; i < identities.length; i += BATCH) await deps.store.snapshots.appendIdentities(snapshotId, identities.slice(i, i + BATCH));

  const before = previous ? await deps.store.snapshots.identities(previous.id) : [];
  const beforeById = new Map(before.map((i) => [i.id, i]));
  let added = 0;
  let changed = 0;
  const h = createHash('sha256');
  for (const i of identities) {
    const prev = beforeById.get(i.id);
    if (prev === undefined) added++;
    else if (!sameCanonicalJson(prev, i)) changed++;
    beforeById.delete(i.id);
    h.update(`${i.id} ${i.status} ${i.email ?? ''} ${i.managerId ?? ''}\n`);
  }
  return { count: identities.length, added, changed, removed: beforeById.size, previousCount: before.length, problems, contentHash: h.digest('hex') };
}

function toIdentity(r: IdentityRecord, sourceSystemId: string, managerId: string | null): Identity {
  return {
    id: r.id,
    email: normalizeEmail(r.email),
    displayName: r.displayName,
    department: r.department,
    jobTitle: r.jobTitle,
    managerId,
    groups: r.groups,
    aliases: r.aliases,
    status: r.status,
    employmentType: r.employmentType,
    contractEnd: r.contractEnd,
    lastSignInAt: r.lastSignInAt,
    sourceSystemId,
  };
}
