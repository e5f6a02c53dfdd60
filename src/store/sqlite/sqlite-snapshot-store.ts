import { resolve } from 'node:path';
import type Database from 'better-sqlite3';
import type { AccountStatus, AccountType, Grant, GrantChange, Identity, Snapshot, SnapshotStatus } from '../../domain/index.js';
import { ACCEPTANCE, assertCreatable, grantDetailText, parseGrantDetail, assertFinishOutcome, promotionOf, requireSnapshot, requireWritable, WRITABLE_SNAPSHOT_STATUS } from '../../domain/index.js';
import type { Counts, LedgerEvents, SnapshotFinish, SnapshotStore } from '../ports.js';
import { IDENTITY_COLUMNS, toIdentity, type IdentityRow } from './identity-row.js';
import type { LedgerAppender } from './ledger-appender.js';
import { pageSize } from './page-size.js';
import { SNAPSHOT_COLUMNS, toSnapshot, type SnapshotRow } from './snapshot-row.js';
import { SqliteBulkWorker } from './sqlite-bulk-worker.js';

const DEFAULT_GRANT_BATCH = 5_000;

/**
 * Batches of at least this many rows go to the bulk worker (a file database only), which
 * inserts them on another core while the caller goes on; smaller ones are written in place,
 * unless the worker is up (then everything goes through it, to keep the order of writes).
 * Reading a snapshot's grants in pages of this size or more, the pages after the first are
 * read ahead by the worker while the caller works on the current one.
 */
const WORKER_MIN_ROWS = 1_000;
/** Rows one worker transaction may commit when batches queue up (group commit). */
const WORKER_MAX_GROUP_ROWS = 100_000;
const WORKER_IDLE_MS = 2_000;
/** Pages of a large snapshot the worker reads per request, ahead of the caller. */
const WORKER_READ_AHEAD_PAGES = 2;
/**
 * The worker's connection: its own page cache for the index pages a 1M-grant snapshot
 * touches, and WAL checkpoints every ~200 MB instead of every 4 MB (the default): random-order
 * index inserts dirty most index pages in every commit, and checkpointing each commit copies
 * (and syncs) the same pages over and over.
 */
const WORKER_CACHE_KIB = 131_072;
const WORKER_WAL_AUTOCHECKPOINT_PAGES = 50_000;

/** Positional parameters: binding a million rows by name costs ~2x more in better-sqlite3. */
const INSERT_GRANT_SQL = `INSERT OR REPLACE INTO grants (snapshot_key, id, account_id, role, scope, identity_id, identity_ref,
    account_display_name, account_type, account_status, last_activity_at, first_seen_at, detail)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const INSERT_CHANGE_SQL = `INSERT OR IGNORE INTO grant_changes (snapshot_id, grant_id, kind, system_id, account_id, role, scope, before, after)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/**
 * Keyset pages over the (snapshot_key, id) index: each page is one index range scan,
 * whatever the snapshot's size. The first page has no lower bound so that any id is read.
 * The grant's systemId is the snapshot's, bound as the first parameter.
 */
const GRANT_COLUMNS = `id, ? AS systemId, account_id AS accountId, role, scope, identity_id AS identityId,
  identity_ref AS identityRef, account_display_name AS accountDisplayName, account_type AS accountType,
  account_status AS accountStatus, last_activity_at AS lastActivityAt, first_seen_at AS firstSeenAt, detail`;
export const GRANTS_FIRST_PAGE_SQL = `SELECT ${GRANT_COLUMNS} FROM grants WHERE snapshot_key = ? ORDER BY id LIMIT ?`;
export const GRANTS_NEXT_PAGE_SQL = `SELECT ${GRANT_COLUMNS} FROM grants WHERE snapshot_key = ? AND id > ? ORDER BY id LIMIT ?`;
/** The worker's page: the same keyset read, the fields in insert order (GRANT_FIELDS) and no system id. */
const WORKER_GRANTS_PAGE_SQL = `SELECT id, account_id, role, scope, identity_id, identity_ref, account_display_name, account_type,
  account_status, last_activity_at, first_seen_at, detail FROM grants WHERE snapshot_key = ? AND id > ? ORDER BY id LIMIT ?`;
/**
 * A snapshot's grants in storage order: a rowid range scan from a row on (NOT INDEXED: the
 * (snapshot_key, id) index would make SQLite sort the whole snapshot by row), skipping rows of
 * other snapshots. Rows were written in pull order, so this reads the table sequentially where
 * id order costs a random row lookup per grant.
 */
const SCAN_FROM = 'FROM grants NOT INDEXED WHERE row > ? AND snapshot_key = ? ORDER BY row LIMIT ?';
export const GRANTS_SCAN_PAGE_SQL = `SELECT ${GRANT_COLUMNS}, row ${SCAN_FROM}`;
const WORKER_GRANTS_SCAN_PAGE_SQL = `SELECT id, account_id, role, scope, identity_id, identity_ref, account_display_name, account_type,
  account_status, last_activity_at, first_seen_at, detail, row ${SCAN_FROM}`;

const CHANGE_COLUMNS = `snapshot_id AS snapshotId, grant_id AS grantId, kind, system_id AS systemId,
  account_id AS accountId, role, scope, before, after`;
export const CHANGES_FIRST_PAGE_SQL = `SELECT ${CHANGE_COLUMNS} FROM grant_changes WHERE snapshot_id = ? ORDER BY grant_id LIMIT ?`;
export const CHANGES_NEXT_PAGE_SQL = `SELECT ${CHANGE_COLUMNS} FROM grant_changes WHERE snapshot_id = ? AND grant_id > ? ORDER BY grant_id LIMIT ?`;

/**
 * Superseded snapshots beyond the newest `keep` per system: not current, not running (a sync
 * is still writing it) and older than the current one (a newer quarantined snapshot may
 * still be accepted, so it keeps its grants).
 */
const PRUNABLE_SNAPSHOTS_SQL = `
  SELECT key FROM (
    SELECT s.key, ROW_NUMBER() OVER (PARTITION BY s.system_id ORDER BY s.started_at DESC, s.key DESC) AS rank
    FROM snapshots s
    JOIN system_state st ON st.system_id = s.system_id
    JOIN snapshots c ON c.id = st.snapshot_id
    WHERE s.key <> c.key AND s.status <> 'running' AND (s.started_at, s.key) < (c.started_at, c.key)
  ) WHERE rank > ?`;

/** A row of GRANT_COLUMNS, in order. */
type GrantTuple = [string, string, string, string, string, string | null, string | null, string | null, AccountType, AccountStatus, string | null, string | null, string | null];

/** The system id is the snapshot's (bound into the query): one shared string, not one per row. */
function toGrant(r: GrantTuple, systemId: string): Grant {
  const g: Grant = {
    id: r[0],
    systemId,
    accountId: r[2],
    role: r[3],
    scope: r[4],
    identityId: r[5],
    identityRef: r[6],
    accountDisplayName: r[7],
    accountType: r[8],
    accountStatus: r[9],
    lastActivityAt: r[10],
    firstSeenAt: r[11],
  };
  // Absent, not null, when there is none (as connectors report it): most grants have none.
  if (r[12] !== null) g.detail = parseGrantDetail(r[12]);
  return g;
}

/** The internal handle of a snapshot (grants are stored under its integer key). */
interface SnapshotHandle {
  key: number;
  systemId: string;
  status: SnapshotStatus;
}

export class SqliteSnapshotStore implements SnapshotStore {
  private readonly insertSnapshot;
  private readonly selectSnapshot;
  private readonly selectHandle;
  private readonly insertGrant;
  private readonly insertIdentity;
  private readonly finishSnapshot;
  private readonly listSnapshots;
  private readonly selectCurrent;
  private readonly selectCurrentId;
  private readonly selectCurrentAll;
  private readonly setCurrent;
  private readonly acceptSnapshot;
  private readonly grantsFirstPage;
  private readonly grantsScanPage;
  private readonly selectFirstRow;
  private readonly grantsNextPage;
  private readonly countGrantsOf;
  private readonly countStatuses;
  private readonly identitiesOf;
  private readonly insertChange;
  private readonly changesFirstPage;
  private readonly changesNextPage;
  private readonly prunable;
  private readonly deleteGrantsOf;
  private readonly appendGrantsTx;
  private readonly appendIdentitiesTx;
  private readonly finishTx;
  private readonly promoteTx;
  private readonly appendChangesTx;
  private readonly pruneTx;
  /** Null for an in-memory database: another connection cannot share it. */
  private readonly worker: SqliteBulkWorker | null;

  constructor(
    db: Database.Database,
    private readonly appendLedger: LedgerAppender,
  ) {
    this.worker =
      db.memory || db.name === ''
        ? null
        : new SqliteBulkWorker({
            file: resolve(db.name),
            busyTimeoutMs: db.pragma('busy_timeout', { simple: true }) as number,
            sql: { insertGrant: INSERT_GRANT_SQL, insertChange: INSERT_CHANGE_SQL, grantsPage: WORKER_GRANTS_PAGE_SQL, grantsScanPage: WORKER_GRANTS_SCAN_PAGE_SQL },
            // The same durability and integrity as this connection.
            pragmas: [
              `synchronous = ${db.pragma('synchronous', { simple: true }) as number}`,
              `foreign_keys = ${db.pragma('foreign_keys', { simple: true }) as number}`,
              `cache_size = -${WORKER_CACHE_KIB}`,
              `wal_autocheckpoint = ${WORKER_WAL_AUTOCHECKPOINT_PAGES}`,
            ],
            maxGroupRows: WORKER_MAX_GROUP_ROWS,
            idleMs: WORKER_IDLE_MS,
          });
    this.insertSnapshot = db.prepare<[Snapshot, string, string]>(
      `INSERT OR IGNORE INTO snapshots (id, system_id, status, started_at, finished_at, duration_ms, counts, problems,
         content_hash, previous_snapshot_id, accepted_by)
       VALUES (@id, @systemId, @status, @startedAt, @finishedAt, @durationMs, ?, ?, @contentHash, @previousSnapshotId, @acceptedBy)`,
    );
    this.selectSnapshot = db.prepare<[string], SnapshotRow>(`SELECT ${SNAPSHOT_COLUMNS} FROM snapshots s WHERE s.id = ?`);
    this.selectHandle = db.prepare<[string], SnapshotHandle>('SELECT key, system_id AS systemId, status FROM snapshots WHERE id = ?');
    this.insertGrant = db.prepare<[number, string, string, string, string, string | null, string | null, string | null, string, string, string | null, string | null, string | null]>(INSERT_GRANT_SQL);
    this.insertIdentity = db.prepare<[string, Identity, string, string]>(
      `INSERT OR REPLACE INTO identities (snapshot_id, id, email, display_name, department, job_title, manager_id,
         groups, aliases, status, employment_type, contract_end, last_sign_in_at, source_system_id)
       VALUES (?, @id, @email, @displayName, @department, @jobTitle, @managerId, ?, ?, @status, @employmentType,
         @contractEnd, @lastSignInAt, @sourceSystemId)`,
    );
    // Conditional on the status the domain lets a snapshot finish from (the snapshot lifecycle).
    this.finishSnapshot = db.prepare<[SnapshotFinish, string, string, string, SnapshotStatus]>(
      `UPDATE snapshots SET status = @status, finished_at = @finishedAt, duration_ms = @durationMs, counts = ?,
         problems = ?, content_hash = @contentHash, previous_snapshot_id = @previousSnapshotId
       WHERE id = ? AND status = ?`,
    );
    this.listSnapshots = db.prepare<[{ systemId: string | null; status: string | null; limit: number }], SnapshotRow>(
      `SELECT ${SNAPSHOT_COLUMNS} FROM snapshots s
       WHERE (@systemId IS NULL OR s.system_id = @systemId) AND (@status IS NULL OR s.status = @status)
       ORDER BY s.started_at DESC, s.key DESC LIMIT @limit`,
    );
    this.selectCurrent = db.prepare<[string], SnapshotRow>(
      `SELECT ${SNAPSHOT_COLUMNS} FROM system_state st JOIN snapshots s ON s.id = st.snapshot_id WHERE st.system_id = ?`,
    );
    this.selectCurrentId = db.prepare<[string], string>('SELECT snapshot_id FROM system_state WHERE system_id = ?').pluck();
    this.selectCurrentAll = db.prepare<[], SnapshotRow>(
      `SELECT ${SNAPSHOT_COLUMNS} FROM system_state st JOIN snapshots s ON s.id = st.snapshot_id ORDER BY st.system_id`,
    );
    this.setCurrent = db.prepare<[string, string]>(
      `INSERT INTO system_state (system_id, snapshot_id) VALUES (?, ?)
       ON CONFLICT (system_id) DO UPDATE SET snapshot_id = excluded.snapshot_id`,
    );
    this.acceptSnapshot = db.prepare<[SnapshotStatus, string, string, SnapshotStatus]>(
      'UPDATE snapshots SET status = ?, accepted_by = ? WHERE id = ? AND status = ?',
    );
    // Raw rows, made into objects below: faster than better-sqlite3's named-column rows.
    this.grantsFirstPage = db.prepare<[string, number, number], GrantTuple>(GRANTS_FIRST_PAGE_SQL).raw();
    this.grantsScanPage = db.prepare<[string, number, number, number], [...GrantTuple, number]>(GRANTS_SCAN_PAGE_SQL).raw();
    this.selectFirstRow = db.prepare<[number], number | null>('SELECT min(row) FROM grants WHERE snapshot_key = ?').pluck();
    this.grantsNextPage = db.prepare<[string, number, string, number], GrantTuple>(GRANTS_NEXT_PAGE_SQL).raw();
    this.countGrantsOf = db.prepare<[number], number>('SELECT count(*) FROM grants WHERE snapshot_key = ?').pluck();
    this.countStatuses = db.prepare<[], { systemId: string; status: SnapshotStatus; count: number }>(
      'SELECT system_id AS systemId, status, count(*) AS count FROM snapshots GROUP BY system_id, status ORDER BY system_id, status',
    );
    this.identitiesOf = db.prepare<[string], IdentityRow>(
      `SELECT ${IDENTITY_COLUMNS} FROM identities i WHERE i.snapshot_id = ? ORDER BY i.id`,
    );
    this.insertChange = db.prepare<[string, string, string, string, string, string, string, string | null, string | null]>(INSERT_CHANGE_SQL);
    this.changesFirstPage = db.prepare<[string, number], GrantChange>(CHANGES_FIRST_PAGE_SQL);
    this.changesNextPage = db.prepare<[string, string, number], GrantChange>(CHANGES_NEXT_PAGE_SQL);
    this.prunable = db.prepare<[number], number>(PRUNABLE_SNAPSHOTS_SQL).pluck();
    this.deleteGrantsOf = db.prepare<[number]>('DELETE FROM grants WHERE snapshot_key = ?');
    // One transaction per batch: the status check and the inserts see the same state.
    this.appendGrantsTx = db.transaction((snapshotId: string, grants: readonly Grant[]) => {
      const { key, systemId } = this.requireRunning(snapshotId);
      for (const grant of grants) {
        // system_id is not stored per grant row; a grant of another system would be misfiled.
        if (grant.systemId !== systemId) {
          throw new Error(`grant ${grant.id} belongs to ${grant.systemId}, not to ${systemId} of snapshot ${snapshotId}`);
        }
        const g = grant;
        this.insertGrant.run(key, g.id, g.accountId, g.role, g.scope, g.identityId, g.identityRef, g.accountDisplayName, g.accountType, g.accountStatus, g.lastActivityAt, g.firstSeenAt, grantDetailText(g.detail));
      }
    });
    this.appendIdentitiesTx = db.transaction((snapshotId: string, identities: readonly Identity[]) => {
      this.requireRunning(snapshotId);
      for (const identity of identities) {
        this.insertIdentity.run(snapshotId, identity, JSON.stringify(identity.groups), JSON.stringify(identity.aliases));
      }
    });
    // The outcome, the promotion and the events commit together; a snapshot no longer running changes nothing.
    this.finishTx = db.transaction((snapshotId: string, outcome: SnapshotFinish, events: LedgerEvents<Snapshot>, promote: boolean): boolean => {
      const result = this.finishSnapshot.run(outcome, JSON.stringify(outcome.counts), JSON.stringify(outcome.problems), snapshotId, WRITABLE_SNAPSHOT_STATUS);
      if (result.changes !== 1) return false;
      if (promote) this.setCurrent.run(promotionOf(snapshotId, this.selectHandle.get(snapshotId) ?? null).snapshot.systemId, snapshotId);
      this.appendLedger(events(this.snapshotRow(snapshotId)));
      return true;
    });
    this.promoteTx = db.transaction((snapshotId: string, acceptedBy: string | null, events: LedgerEvents<Snapshot>): boolean => {
      const promotion = promotionOf(snapshotId, this.selectHandle.get(snapshotId) ?? null, acceptedBy ?? undefined);
      const accepted = promotion.acceptedBy !== null && this.acceptSnapshot.run(ACCEPTANCE.to, promotion.acceptedBy, snapshotId, ACCEPTANCE.from).changes === 1;
      if (!accepted && this.selectCurrentId.get(promotion.snapshot.systemId) === snapshotId) return false;
      this.setCurrent.run(promotion.snapshot.systemId, snapshotId);
      this.appendLedger(events(this.snapshotRow(snapshotId)));
      return true;
    });
    this.appendChangesTx = db.transaction((changes: readonly GrantChange[]) => {
      for (const c of changes) this.insertChange.run(c.snapshotId, c.grantId, c.kind, c.systemId, c.accountId, c.role, c.scope, c.before, c.after);
    });
    this.pruneTx = db.transaction((keep: number): number => {
      let deleted = 0;
      for (const key of this.prunable.all(keep)) deleted += this.deleteGrantsOf.run(key).changes;
      return deleted;
    });
  }

  async create(snapshot: Snapshot): Promise<void> {
    assertCreatable(snapshot);
    this.insertSnapshot.run(snapshot, JSON.stringify(snapshot.counts), JSON.stringify(snapshot.problems));
  }

  async appendGrants(snapshotId: string, grants: readonly Grant[]): Promise<void> {
    if (grants.length === 0) return;
    if (this.worker && (this.worker.active || grants.length >= WORKER_MIN_ROWS)) {
      // The worker checks the status inside its transaction; the system id is checked here.
      const { systemId } = requireSnapshot(snapshotId, this.selectHandle.get(snapshotId) ?? null);
      return this.worker.appendGrants(snapshotId, systemId, grants);
    }
    this.appendGrantsTx.immediate(snapshotId, grants);
  }

  async appendIdentities(snapshotId: string, identities: readonly Identity[]): Promise<void> {
    if (identities.length === 0) return;
    this.appendIdentitiesTx.immediate(snapshotId, identities);
  }

  private requireRunning(snapshotId: string): SnapshotHandle {
    return requireWritable(snapshotId, this.selectHandle.get(snapshotId) ?? null);
  }

  async finish(snapshotId: string, outcome: SnapshotFinish, events: LedgerEvents<Snapshot>, options: { promote?: boolean } = {}): Promise<boolean> {
    assertFinishOutcome(snapshotId, outcome.status);
    const promote = options.promote === true;
    // promote()'s rule, on the outcome, before anything is written.
    if (promote) promotionOf(snapshotId, { status: outcome.status });
    // Grants sent before the outcome are in the snapshot, or failed (their callers were told).
    await this.worker?.flush();
    return this.finishTx.immediate(snapshotId, outcome, events, promote);
  }

  async get(snapshotId: string): Promise<Snapshot | null> {
    const row = this.selectSnapshot.get(snapshotId);
    return row ? toSnapshot(row) : null;
  }

  /** A snapshot known to exist (inside a transaction that just wrote it). */
  private snapshotRow(snapshotId: string): Snapshot {
    return toSnapshot(this.selectSnapshot.get(snapshotId)!);
  }

  async list(filter: { systemId?: string; status?: SnapshotStatus; limit?: number } = {}): Promise<Snapshot[]> {
    const rows = this.listSnapshots.all({ systemId: filter.systemId ?? null, status: filter.status ?? null, limit: filter.limit ?? -1 });
    return rows.map(toSnapshot);
  }

  async current(systemId: string): Promise<Snapshot | null> {
    const row = this.selectCurrent.get(systemId);
    return row ? toSnapshot(row) : null;
  }

  async currentAll(): Promise<Map<string, Snapshot>> {
    return new Map(this.selectCurrentAll.all().map((row) => [row.systemId, toSnapshot(row)]));
  }

  async countByStatus(): Promise<Counts<{ systemId: string; status: SnapshotStatus }>> {
    return this.countStatuses.all();
  }

  async promote(snapshotId: string, acceptedBy: string | null, events: LedgerEvents<Snapshot>): Promise<boolean> {
    await this.worker?.flush();
    return this.promoteTx.immediate(snapshotId, acceptedBy, events);
  }

  async *grants(snapshotId: string, batchSize?: number): AsyncIterable<Grant[]> {
    const size = pageSize(batchSize, DEFAULT_GRANT_BATCH);
    const snapshot = this.selectHandle.get(snapshotId);
    if (!snapshot) return;
    const { key, systemId } = snapshot;
    const first = this.grantsFirstPage.all(systemId, key, size).map((r) => toGrant(r, systemId));
    if (first.length < size) {
      if (first.length > 0) yield first;
      return;
    }
    let last = (first[first.length - 1] as Grant).id;
    if (this.worker && size >= WORKER_MIN_ROWS) {
      // A large snapshot: the worker reads the next WORKER_READ_AHEAD_PAGES pages while the
      // caller works on the current ones (a caller that stops early leaves a read unawaited:
      // it must not count as an unhandled rejection).
      const worker = this.worker;
      const span = size * WORKER_READ_AHEAD_PAGES;
      let next = worker.readGrants(key, systemId, last, span);
      next.catch(() => undefined);
      yield first;
      for (;;) {
        const rows = await next;
        if (rows.length === span) {
          next = worker.readGrants(key, systemId, (rows[span - 1] as Grant).id, span);
          next.catch(() => undefined);
        }
        for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
        if (rows.length < span) return;
      }
    }
    yield first;
    for (;;) {
      const page = this.grantsNextPage.all(systemId, key, last, size).map((r) => toGrant(r, systemId));
      if (page.length > 0) yield page;
      if (page.length < size) return;
      last = (page[page.length - 1] as Grant).id;
    }
  }

  async *scanGrants(snapshotId: string, batchSize?: number): AsyncIterable<Grant[]> {
    const size = pageSize(batchSize, DEFAULT_GRANT_BATCH);
    const snapshot = this.selectHandle.get(snapshotId);
    if (!snapshot) return;
    const { key, systemId } = snapshot;
    // Where the snapshot's rows begin (from the index: no table read), so the scan skips older snapshots.
    const firstRow = this.selectFirstRow.get(key);
    if (firstRow === undefined || firstRow === null) return;
    let after = firstRow - 1;
    if (this.worker && size >= WORKER_MIN_ROWS) {
      // As grants(): the worker reads the next pages while the caller works on the current ones.
      const worker = this.worker;
      const span = size * WORKER_READ_AHEAD_PAGES;
      let next = worker.scanGrants(key, systemId, after, span);
      for (;;) {
        next.catch(() => undefined);
        const { grants, lastRow } = await next;
        if (grants.length === span) next = worker.scanGrants(key, systemId, lastRow!, span);
        for (let i = 0; i < grants.length; i += size) yield grants.slice(i, i + size);
        if (grants.length < span) return;
      }
    }
    for (;;) {
      const rows = this.grantsScanPage.all(systemId, after, key, size);
      if (rows.length > 0) yield rows.map((r) => toGrant(r as unknown as GrantTuple, systemId));
      if (rows.length < size) return;
      after = rows[rows.length - 1]![13];
    }
  }

  async countGrants(snapshotId: string): Promise<number> {
    const snapshot = this.selectHandle.get(snapshotId);
    return snapshot ? (this.countGrantsOf.get(snapshot.key) ?? 0) : 0;
  }

  async identities(snapshotId: string): Promise<Identity[]> {
    return this.identitiesOf.all(snapshotId).map(toIdentity);
  }

  async appendChanges(changes: readonly GrantChange[]): Promise<void> {
    if (changes.length === 0) return;
    if (this.worker && (this.worker.active || changes.length >= WORKER_MIN_ROWS)) return this.worker.appendChanges(changes);
    this.appendChangesTx.immediate(changes);
  }

  async *changes(snapshotId: string, batchSize?: number): AsyncIterable<GrantChange[]> {
    const size = pageSize(batchSize, DEFAULT_GRANT_BATCH);
    let page = this.changesFirstPage.all(snapshotId, size);
    while (page.length > 0) {
      yield page;
      if (page.length < size) return;
      const last = page[page.length - 1] as GrantChange;
      page = this.changesNextPage.all(snapshotId, last.grantId, size);
    }
  }

  async pruneGrants(keep: number): Promise<number> {
    if (!Number.isInteger(keep) || keep < 0) throw new RangeError(`keep must be a non-negative integer, got ${keep}`);
    await this.worker?.flush();
    return this.pruneTx.immediate(keep);
  }
}
