import { resolve } from 'node:path';
import type Database from 'better-sqlite3';
import type { AccountStatus, AccountType, Grant, GrantChange, Identity, Snapshot, SnapshotStatus } from '../../domain/index.js';
import { ACCEPTANCE, assertCreatable, grantDetailText, parseGrantDetail, assertFinishOutcome, promotionOf, requireSnapshot, requireWritable, WRITABLE_SNAPSHOT_STATUS } from '../../domain/index.js';
import type { Counts, LedgerEvents, SnapshotFinish, SnapshotStore } from '../ports.js';
import { toIdentity, type IdentityRow } from './identity-row.js';
import type { IdentityVersionRow } from './identity-version.js';
import { identityContentKey, identityVersionRow } from './identity-version.js';
import type { IdentityView, MemberParams } from './identity-members.js';
import {
  FINISHED_IDENTITIES_SQL, IDENTITY_VIEW_SQL, MEMBER_AT_SQL, memberParams, REBASE_COPY_MEMBERS_SQL, REBASE_REMOVE_MEMBERS_SQL,
  REMOVE_MARKED_MEMBERS_SQL, REMOVE_UNSEEN_SQL, RUNNING_IDENTITIES_SQL,
} from './identity-members.js';
import type { LedgerAppender } from './ledger-appender.js';
import { AT_VERSION, NOT_PENDING_REMOVAL, snapshotViewParams, VISIBLE, type SnapshotView, type ViewParams } from './grant-view.js';
import { addedChange, addedChanges } from '../added-changes.js';
import type { GrantRows } from '../grant-rows.js';
import { grantRowsOf } from '../grant-rows.js';
import { pageSize } from './page-size.js';
import { SNAPSHOT_COLUMNS, toSnapshot, type SnapshotRow } from './snapshot-row.js';
import { SqliteBulkWorker } from './sqlite-bulk-worker.js';
import {
  BEFORE_FIRST_ROW,
  GRANT_PAGE_REST,
  GRANT_ROW_TEXTS_SQL,
  GRANT_STORED_COLUMNS_SQL,
  GRANT_STORED_ROW_TEXTS_SQL,
  GrantPageThread,
  grantsOfRowTexts,
  readGrantPages,
  storedGrantsOfColumns,
  storedGrantsOfRowTexts,
} from './sqlite-grant-pages.js';

const DEFAULT_GRANT_BATCH = 5_000;

/**
 * Batches of at least this many rows go to the bulk worker (a file database only), which
 * inserts them on another core while the caller goes on; smaller ones are written in place,
 * unless the worker is up (then everything goes through it, to keep the order of writes).
 * Reading a snapshot's grants in pages of this size or more, the pages after the first are
 * read ahead by the worker while the caller works on the current one.
 */
export const WORKER_MIN_ROWS = 1_000;
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

/**
 * How grants are stored (migration 12): once per change, not once per snapshot. Each applied
 * state of a system is a version (global, increasing). A grant row belongs to the delta that
 * added it (delta_key: one per snapshot, plus one per re-promotion of an older snapshot) and
 * carries the version that removed it (removed, null while current). Applying a snapshot gives
 * its delta the next version and marks the rows it replaced or dropped (grant_removals, held
 * until then) as removed at that version: a sync at 1% churn writes 1% of the rows.
 *
 * A snapshot reads (VISIBLE): at version v = its delta's version once applied, else its base
 * version (the state it was pulled against, null: none), the rows of its system's deltas of
 * versions <= v not removed at or before v, minus its pending removals; plus, while never
 * applied, its own delta's rows. So an applied snapshot reads the same forever, and a snapshot
 * held (quarantined) reads its whole content without touching the applied state.
 */

/** Positional parameters: binding a million rows by name costs ~2x more in better-sqlite3. */
const INSERT_GRANT_SQL = `INSERT OR REPLACE INTO grants (system_key, delta_key, id, account_id, role, scope, identity_id, identity_ref,
    account_display_name, account_type, account_status, last_activity_at, first_seen_at, detail)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
/**
 * Changes are keyed by the snapshot's key (migration 13), looked up from its id; an unknown id
 * gets key -1, which no snapshot has: the insert fails on the foreign key (OR IGNORE would drop a NULL).
 * So does the id of a snapshot whose changes are derived from its grants (changes_derived,
 * migration 19): it takes no change rows.
 */
const INSERT_CHANGE_SQL = `INSERT OR IGNORE INTO grant_changes (snapshot_key, grant_id, kind, system_id, account_id, role, scope, before, after)
  VALUES (coalesce((SELECT key FROM snapshots WHERE id = ? AND changes_derived = 0), -1), ?, ?, ?, ?, ?, ?, ?, ?)`;

const SELECT_HANDLE_SQL = `SELECT s.key, s.system_id AS systemId, s.status, d.system_key AS systemKey, s.delta_key AS deltaKey,
    s.base_version AS baseVersion, d.version
  FROM snapshots s JOIN grant_deltas d ON d.key = s.delta_key WHERE s.id = ?`;


/**
 * Keyset pages over the (system_key, id, delta_key) index: each page is one index range scan,
 * whatever the snapshot's size (grant ids are never empty: the first page reads after '').
 * The grant's systemId is the snapshot's, bound as the first parameter.
 */
const GRANT_COLUMNS = `id, ? AS systemId, account_id AS accountId, role, scope, identity_id AS identityId,
  identity_ref AS identityRef, account_display_name AS accountDisplayName, account_type AS accountType,
  account_status AS accountStatus, last_activity_at AS lastActivityAt, first_seen_at AS firstSeenAt, detail`;
export const GRANTS_NEXT_PAGE_SQL = `SELECT ${GRANT_COLUMNS} ${GRANT_PAGE_REST}`;
/**
 * A snapshot's grants in storage order: a rowid range scan (NOT INDEXED: the index would make
 * SQLite sort the whole snapshot by row) from a row on, up to the snapshot's last row, skipping
 * rows it does not read. Rows were written in pull order, so this reads the table sequentially
 * where id order costs a random row lookup per grant. Without the upper bound a system's scan
 * went on through the rows of every system written after it (at 1M grants in 5 systems, the
 * worker's scans of a re-sync cost ~9 s of CPU).
 */
const SCAN_FROM = `FROM grants NOT INDEXED WHERE row > ? AND row <= ? AND system_key = ? AND ${VISIBLE} ORDER BY row LIMIT ?`;
export const GRANTS_SCAN_PAGE_SQL = `SELECT ${GRANT_COLUMNS}, row ${SCAN_FROM}`;
const WORKER_GRANTS_SCAN_PAGE_SQL = `SELECT id, account_id, role, scope, identity_id, identity_ref, account_display_name, account_type,
  account_status, last_activity_at, first_seen_at, detail, row ${SCAN_FROM}`;
/** WORKER_GRANTS_SCAN_PAGE_SQL without the id: GrantRows' fields, then the row number. */
const WORKER_GRANT_ROWS_SCAN_PAGE_SQL = `SELECT account_id, role, scope, identity_id, identity_ref, account_display_name, account_type,
  account_status, last_activity_at, first_seen_at, detail, row ${SCAN_FROM}`;
const COUNT_SQL = `SELECT count(*) FROM grants NOT INDEXED WHERE row >= ? AND system_key = ? AND ${VISIBLE}`;
/** The deltas a snapshot may read rows of (params: system key, version, own delta key). */
const READ_DELTAS_SQL = 'SELECT key FROM grant_deltas WHERE system_key = ? AND (version <= ? OR key = ?) ORDER BY key';

/** The row a delta snapshot's grant id replaces in its base (params: delta, system, grant id, base version x2). */
const MARK_REPLACED_SQL = `INSERT OR IGNORE INTO grant_removals (delta_key, row)
  SELECT ?, g.row FROM grants g JOIN grant_deltas d ON d.key = g.delta_key
  WHERE g.system_key = ? AND g.id = ? AND d.version <= ? AND (g.removed IS NULL OR g.removed > ?)`;

const DELETE_OWN_SQL = 'DELETE FROM grants WHERE system_key = ? AND id = ? AND delta_key = ?';

const GRANT_FIELD_COLUMNS = `id, account_id, role, scope, identity_id, identity_ref, account_display_name, account_type, account_status,
  last_activity_at, first_seen_at, detail`;
/**
 * Rebasing a snapshot onto its system's current version (it was pulled against another one, or
 * an older applied snapshot is promoted again): the rows it reads at `from` (minus its pending
 * removals) that the current version lacks are copied into `into`, and the current version's
 * rows it does not read are removed at the new version.
 * Params: into, system, from (AT_VERSION), removals delta, current (AT_VERSION).
 */
const REBASE_COPY_SQL = `INSERT INTO grants (system_key, delta_key, ${GRANT_FIELD_COLUMNS})
  SELECT system_key, ?, ${GRANT_FIELD_COLUMNS} FROM grants NOT INDEXED
  WHERE system_key = ? AND ${AT_VERSION} AND ${NOT_PENDING_REMOVAL} AND NOT ${AT_VERSION}`;
/** Params: next version, system, current (AT_VERSION), from (AT_VERSION), removals delta. */
const REBASE_REMOVE_SQL = `UPDATE grants NOT INDEXED SET removed = ?
  WHERE system_key = ? AND ${AT_VERSION} AND NOT (${AT_VERSION} AND ${NOT_PENDING_REMOVAL})`;

const CHANGE_COLUMNS = `s.id AS snapshotId, c.grant_id AS grantId, c.kind, c.system_id AS systemId,
  c.account_id AS accountId, c.role, c.scope, c.before, c.after`;
const CHANGES_FROM = 'FROM snapshots s JOIN grant_changes c ON c.snapshot_key = s.key';
export const CHANGES_FIRST_PAGE_SQL = `SELECT ${CHANGE_COLUMNS} ${CHANGES_FROM} WHERE s.id = ? ORDER BY c.grant_id LIMIT ?`;
export const CHANGES_NEXT_PAGE_SQL = `SELECT ${CHANGE_COLUMNS} ${CHANGES_FROM} WHERE s.id = ? AND c.grant_id > ? ORDER BY c.grant_id LIMIT ?`;

/**
 * Superseded snapshots never applied (their delta has no version) beyond the newest `keep`
 * per system: not current, not running (a sync is still writing it) and older than the
 * current one (a newer quarantined snapshot may still be accepted, so it keeps its grants).
 */
const PRUNABLE_DELTAS_SQL = `
  SELECT delta_key FROM (
    SELECT s.delta_key, ROW_NUMBER() OVER (PARTITION BY s.system_id ORDER BY s.started_at DESC, s.key DESC) AS rank
    FROM snapshots s
    JOIN grant_deltas d ON d.key = s.delta_key
    JOIN system_state st ON st.system_id = s.system_id
    JOIN snapshots c ON c.id = st.snapshot_id
    WHERE d.version IS NULL AND s.key <> c.key AND s.status <> 'running' AND (s.started_at, s.key) < (c.started_at, c.key)
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


/** The internal handle of a snapshot (its grants are read through its system and delta keys). */
interface SnapshotHandle extends SnapshotView {
  key: number;
  systemId: string;
  status: SnapshotStatus;
}



export class SqliteSnapshotStore implements SnapshotStore {
  private readonly insertSnapshot;
  private readonly selectSnapshot;
  private readonly selectContentSum;
  private readonly selectHandle;
  private readonly insertSystem;
  private readonly selectSystemKey;
  private readonly insertDelta;
  private readonly setDelta;
  private readonly selectSystemVersion;
  private readonly selectLastVersion;
  private readonly setVersion;
  private readonly insertGrant;
  private readonly markReplaced;
  private readonly deleteOwn;
  private readonly removeMarked;
  private readonly clearRemovals;
  private readonly rebaseCopy;
  private readonly rebaseRemove;
  private readonly selectIdentityVersion;
  private readonly insertIdentityVersion;
  private readonly selectIdentityView;
  private readonly selectBaseMember;
  private readonly putMember;
  private readonly deleteOwnMember;
  private readonly markMemberRemoved;
  private readonly unmarkMemberRemoved;
  private readonly markSeen;
  private readonly unmarkSeen;
  private readonly countSeen;
  private readonly clearSeen;
  private readonly removeUnseen;
  private readonly dropIdentityBase;
  private readonly selectIdentityBase;
  private readonly clearMemberRemovals;
  private readonly removeMarkedMembers;
  private readonly rebaseCopyMembers;
  private readonly rebaseRemoveMembers;
  private readonly finishSnapshot;
  private readonly listSnapshots;
  private readonly selectCurrent;
  private readonly selectCurrentId;
  private readonly selectCurrentAll;
  private readonly setCurrent;
  private readonly acceptSnapshot;
  private readonly grantsPage;
  private readonly grantRowTexts;
  private readonly storedRowTexts;
  private readonly storedColumns;
  private readonly grantsScanPage;
  private readonly readDeltas;
  private readonly selectFirstRow;
  private readonly selectLastRow;
  private readonly countVisible;
  private readonly countStatuses;
  private readonly finishedMembers;
  private readonly runningMembers;
  private readonly insertChange;
  private readonly changesFirstPage;
  private readonly changesNextPage;
  private readonly prunable;
  private readonly deleteDeltaRows;
  private readonly dropBase;
  private readonly selectDerived;
  private readonly derivedOfDelta;
  private readonly clearDerived;
  private readonly createTx;
  private readonly appendGrantsTx;
  private readonly removeGrantsTx;
  private readonly appendIdentitiesTx;
  private readonly finishTx;
  private readonly promoteTx;
  private readonly appendChangesTx;
  private readonly pruneTx;
  /** Null for an in-memory database: another connection cannot share it. */
  private readonly worker: SqliteBulkWorker | null;
  /** The database file and busy timeout, for the page reader (a file database only). */
  private readonly file: string;
  private readonly busyTimeoutMs: number;

  constructor(
    db: Database.Database,
    private readonly appendLedger: LedgerAppender,
  ) {
    this.file = resolve(db.name);
    this.busyTimeoutMs = db.pragma('busy_timeout', { simple: true }) as number;
    this.worker =
      db.memory || db.name === ''
        ? null
        : new SqliteBulkWorker({
            file: resolve(db.name),
            busyTimeoutMs: db.pragma('busy_timeout', { simple: true }) as number,
            sql: { selectHandle: SELECT_HANDLE_SQL, insertGrant: INSERT_GRANT_SQL, markReplaced: MARK_REPLACED_SQL, deleteOwn: DELETE_OWN_SQL, insertChange: INSERT_CHANGE_SQL, grantsScanPage: WORKER_GRANTS_SCAN_PAGE_SQL, grantRowsScanPage: WORKER_GRANT_ROWS_SCAN_PAGE_SQL },
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
    this.selectContentSum = db.prepare<[string], string | null>('SELECT content_sum FROM snapshots WHERE id = ?').pluck();
    this.selectHandle = db.prepare<[string], SnapshotHandle>(SELECT_HANDLE_SQL);
    this.insertSystem = db.prepare<[string]>('INSERT OR IGNORE INTO grant_systems (system_id) VALUES (?)');
    this.selectSystemKey = db.prepare<[string], number>('SELECT key FROM grant_systems WHERE system_id = ?').pluck();
    this.insertDelta = db.prepare<[number, number, number | null]>('INSERT INTO grant_deltas (system_key, snapshot_key, version) VALUES (?, ?, ?)');
    this.setDelta = db.prepare<[number, number | null, number | null, number, number]>(
      'UPDATE snapshots SET delta_key = ?, base_version = ?, identity_base = ?, changes_derived = ? WHERE key = ?',
    );
    this.selectSystemVersion = db.prepare<[number], number | null>('SELECT max(version) FROM grant_deltas WHERE system_key = ?').pluck();
    this.selectLastVersion = db.prepare<[], number | null>('SELECT max(version) FROM grant_deltas').pluck();
    this.setVersion = db.prepare<[number, number]>('UPDATE grant_deltas SET version = ? WHERE key = ?');
    this.insertGrant = db.prepare<[number, number, string, string, string, string, string | null, string | null, string | null, string, string, string | null, string | null, string | null]>(INSERT_GRANT_SQL);
    this.markReplaced = db.prepare<[number, number, string, number, number]>(MARK_REPLACED_SQL);
    this.deleteOwn = db.prepare<[number, string, number]>(DELETE_OWN_SQL);
    this.removeMarked = db.prepare<[number, number]>('UPDATE grants SET removed = ? WHERE row IN (SELECT row FROM grant_removals WHERE delta_key = ?)');
    this.clearRemovals = db.prepare<[number]>('DELETE FROM grant_removals WHERE delta_key = ?');
    this.rebaseCopy = db.prepare<[number, number, number, number | null, number | null, number, number, number | null, number | null]>(REBASE_COPY_SQL);
    this.rebaseRemove = db.prepare<[number, number, number, number | null, number | null, number, number | null, number | null, number]>(REBASE_REMOVE_SQL);
    // Identities: one version row per distinct content, the snapshot's people by (snapshot key, id) (migration 15).
    this.selectIdentityVersion = db.prepare<[string], number>('SELECT vkey FROM identity_versions WHERE content_key = ?').pluck();
    this.insertIdentityVersion = db.prepare<[string, ...IdentityVersionRow]>(
      `INSERT INTO identity_versions (content_key, id, email, display_name, department, job_title, manager_id,
         groups, aliases, status, employment_type, contract_end, last_sign_in_at, source_system_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // The snapshot's people: membership rows of its changes only (migration 20, identity-members.ts).
    this.selectIdentityView = db.prepare<[string], IdentityView>(IDENTITY_VIEW_SQL);
    this.selectBaseMember = db.prepare<[number, string, number, number], number>(MEMBER_AT_SQL).pluck();
    // Same id in one snapshot: last wins (appendIdentities).
    this.putMember = db.prepare<[number, string, number, number]>('INSERT OR REPLACE INTO identity_members (system_key, id, delta_key, removed, vkey) VALUES (?, ?, ?, NULL, ?)');
    this.deleteOwnMember = db.prepare<[number, string, number]>('DELETE FROM identity_members WHERE system_key = ? AND id = ? AND delta_key = ?');
    this.markMemberRemoved = db.prepare<[number, string]>('INSERT OR IGNORE INTO identity_removals (delta_key, id) VALUES (?, ?)');
    this.unmarkMemberRemoved = db.prepare<[number, string]>('DELETE FROM identity_removals WHERE delta_key = ? AND id = ?');
    this.markSeen = db.prepare<[number, string]>('INSERT OR IGNORE INTO identity_seen (delta_key, id) VALUES (?, ?)');
    this.unmarkSeen = db.prepare<[number, string]>('DELETE FROM identity_seen WHERE delta_key = ? AND id = ?');
    this.countSeen = db.prepare<[number], number>('SELECT count(*) FROM identity_seen WHERE delta_key = ?').pluck();
    this.clearSeen = db.prepare<[number]>('DELETE FROM identity_seen WHERE delta_key = ?');
    this.removeUnseen = db.prepare<[number, number, number, number, number]>(REMOVE_UNSEEN_SQL);
    this.selectIdentityBase = db.prepare<[number], number | null>('SELECT identity_base FROM snapshots WHERE key = ?').pluck();
    this.dropIdentityBase = db.prepare<[number]>('UPDATE snapshots SET identity_base = NULL WHERE key = ?');
    this.clearMemberRemovals = db.prepare<[number]>('DELETE FROM identity_removals WHERE delta_key = ?');
    this.removeMarkedMembers = db.prepare<[number, number, number, number]>(REMOVE_MARKED_MEMBERS_SQL);
    this.rebaseCopyMembers = db.prepare<[number, number, number, number | null, number | null, number, number, number | null, number | null]>(REBASE_COPY_MEMBERS_SQL);
    this.rebaseRemoveMembers = db.prepare<[number, number, number, number | null, number | null, number, number | null, number | null, number]>(REBASE_REMOVE_MEMBERS_SQL);
    // Conditional on the status the domain lets a snapshot finish from (the snapshot lifecycle).
    this.finishSnapshot = db.prepare<[SnapshotFinish, string, string, string, SnapshotStatus]>(
      `UPDATE snapshots SET status = @status, finished_at = @finishedAt, duration_ms = @durationMs, counts = ?,
         problems = ?, content_hash = @contentHash, content_sum = @contentSum, previous_snapshot_id = @previousSnapshotId
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
    this.grantsPage = db.prepare<[string, number, string, ...ViewParams, number], GrantTuple>(GRANTS_NEXT_PAGE_SQL).raw();
    this.grantRowTexts = db.prepare<[number, string, ...ViewParams, number], string>(GRANT_ROW_TEXTS_SQL).pluck();
    this.storedRowTexts = db.prepare<[number, number, ...ViewParams, number], string>(GRANT_STORED_ROW_TEXTS_SQL).pluck();
    this.storedColumns = db.prepare<[number, number, ...ViewParams, number], (string | number | null)[]>(GRANT_STORED_COLUMNS_SQL).raw();
    this.grantsScanPage = db.prepare<[string, number, number, number, ...ViewParams, number], [...GrantTuple, number]>(GRANTS_SCAN_PAGE_SQL).raw();
    this.readDeltas = db.prepare<[number, number | null, number], number>(READ_DELTAS_SQL).pluck();
    this.selectFirstRow = db.prepare<[number], number | null>('SELECT min(row) FROM grants WHERE delta_key = ?').pluck();
    this.selectLastRow = db.prepare<[number], number | null>('SELECT max(row) FROM grants WHERE delta_key = ?').pluck();
    this.countVisible = db.prepare<[number, number, ...ViewParams], number>(COUNT_SQL).pluck();
    this.countStatuses = db.prepare<[], { systemId: string; status: SnapshotStatus; count: number }>(
      'SELECT system_id AS systemId, status, count(*) AS count FROM snapshots GROUP BY system_id, status ORDER BY system_id, status',
    );
    this.finishedMembers = db.prepare<MemberParams, IdentityRow>(FINISHED_IDENTITIES_SQL);
    this.runningMembers = db.prepare<MemberParams, IdentityRow>(RUNNING_IDENTITIES_SQL);
    this.insertChange = db.prepare<[string, string, string, string, string, string, string, string | null, string | null]>(INSERT_CHANGE_SQL);
    this.changesFirstPage = db.prepare<[string, number], GrantChange>(CHANGES_FIRST_PAGE_SQL);
    this.changesNextPage = db.prepare<[string, string, number], GrantChange>(CHANGES_NEXT_PAGE_SQL);
    this.prunable = db.prepare<[number], number>(PRUNABLE_DELTAS_SQL).pluck();
    this.deleteDeltaRows = db.prepare<[number]>('DELETE FROM grants WHERE delta_key = ?');
    this.dropBase = db.prepare<[number]>('UPDATE snapshots SET base_version = NULL WHERE delta_key = ?');
    this.selectDerived = db.prepare<[string], number>('SELECT changes_derived FROM snapshots WHERE id = ?').pluck();
    this.derivedOfDelta = db.prepare<[number], string>('SELECT id FROM snapshots WHERE delta_key = ? AND changes_derived = 1').pluck();
    this.clearDerived = db.prepare<[string]>('UPDATE snapshots SET changes_derived = 0 WHERE id = ?');
    this.createTx = db.transaction((snapshot: Snapshot, fromPrevious: boolean) => {
      const inserted = this.insertSnapshot.run(snapshot, JSON.stringify(snapshot.counts), JSON.stringify(snapshot.problems));
      if (inserted.changes === 0) return;
      this.insertSystem.run(snapshot.systemId);
      const systemKey = this.selectSystemKey.get(snapshot.systemId)!;
      const baseVersion = fromPrevious && snapshot.previousSnapshotId !== null ? this.baseVersionOf(snapshot) : null;
      const deltaKey = Number(this.insertDelta.run(systemKey, Number(inserted.lastInsertRowid), null).lastInsertRowid);
      // Started from the empty state: its changes are its grants, each added (derived, not stored).
      const derived = fromPrevious && snapshot.previousSnapshotId === null ? 1 : 0;
      // Its people start from the same base: only the changed ones are stored.
      this.setDelta.run(deltaKey, baseVersion, baseVersion, derived, Number(inserted.lastInsertRowid));
    });
    // One transaction per batch: the status check and the inserts see the same state.
    this.appendGrantsTx = db.transaction((snapshotId: string, grants: readonly Grant[]) => {
      const h = this.requireRunning(snapshotId);
      for (const grant of grants) {
        // system_id is not stored per grant row; a grant of another system would be misfiled.
        if (grant.systemId !== h.systemId) {
          throw new Error(`grant ${grant.id} belongs to ${grant.systemId}, not to ${h.systemId} of snapshot ${snapshotId}`);
        }
        const g = grant;
        if (h.baseVersion !== null) this.markReplaced.run(h.deltaKey, h.systemKey, g.id, h.baseVersion, h.baseVersion);
        this.insertGrant.run(h.systemKey, h.deltaKey, g.id, g.accountId, g.role, g.scope, g.identityId, g.identityRef, g.accountDisplayName, g.accountType, g.accountStatus, g.lastActivityAt, g.firstSeenAt, grantDetailText(g.detail));
      }
    });
    this.removeGrantsTx = db.transaction((snapshotId: string, grantIds: readonly string[]) => {
      const h = this.requireRunning(snapshotId);
      for (const id of grantIds) {
        if (h.baseVersion !== null) this.markReplaced.run(h.deltaKey, h.systemKey, id, h.baseVersion, h.baseVersion);
        this.deleteOwn.run(h.systemKey, id, h.deltaKey);
      }
    });
    this.appendIdentitiesTx = db.transaction((snapshotId: string, identities: readonly Identity[]) => {
      this.requireRunning(snapshotId);
      const v = this.selectIdentityView.get(snapshotId)!;
      const base = v.identityBase;
      for (const identity of identities) {
        const row = identityVersionRow(identity);
        const contentKey = identityContentKey(row);
        const vkey = this.selectIdentityVersion.get(contentKey) ?? Number(this.insertIdentityVersion.run(contentKey, ...row).lastInsertRowid);
        if (base !== null) {
          const baseVkey = this.selectBaseMember.get(v.systemKey, identity.id, base, base);
          if (baseVkey === vkey) {
            // Unchanged: its base row stays its row; only that it was seen is noted (until it finishes).
            this.deleteOwnMember.run(v.systemKey, identity.id, v.deltaKey);
            this.unmarkMemberRemoved.run(v.deltaKey, identity.id);
            this.markSeen.run(v.deltaKey, identity.id);
            continue;
          }
          if (baseVkey !== undefined) this.markMemberRemoved.run(v.deltaKey, identity.id);
          this.unmarkSeen.run(v.deltaKey, identity.id);
        }
        this.putMember.run(v.systemKey, identity.id, v.deltaKey, vkey);
      }
    });
    // The outcome, the promotion and the events commit together; a snapshot no longer running changes nothing.
    this.finishTx = db.transaction((snapshotId: string, outcome: SnapshotFinish, events: LedgerEvents<Snapshot>, promote: boolean): boolean => {
      const result = this.finishSnapshot.run({ ...outcome, contentSum: outcome.contentSum ?? null }, JSON.stringify(outcome.counts), JSON.stringify(outcome.problems), snapshotId, WRITABLE_SNAPSHOT_STATUS);
      if (result.changes !== 1) return false;
      this.closeIdentities(snapshotId);
      if (promote) {
        const promotion = promotionOf(snapshotId, this.selectHandle.get(snapshotId) ?? null);
        this.apply(promotion.snapshot);
        this.setCurrent.run(promotion.snapshot.systemId, snapshotId);
      }
      this.appendLedger(events(this.snapshotRow(snapshotId)));
      return true;
    });
    this.promoteTx = db.transaction((snapshotId: string, acceptedBy: string | null, events: LedgerEvents<Snapshot>): boolean => {
      const promotion = promotionOf(snapshotId, this.selectHandle.get(snapshotId) ?? null, acceptedBy ?? undefined);
      const accepted = promotion.acceptedBy !== null && this.acceptSnapshot.run(ACCEPTANCE.to, promotion.acceptedBy, snapshotId, ACCEPTANCE.from).changes === 1;
      if (!accepted && this.selectCurrentId.get(promotion.snapshot.systemId) === snapshotId) return false;
      this.apply(promotion.snapshot);
      this.setCurrent.run(promotion.snapshot.systemId, snapshotId);
      this.appendLedger(events(this.snapshotRow(snapshotId)));
      return true;
    });
    this.appendChangesTx = db.transaction((changes: readonly GrantChange[]) => {
      for (const c of changes) this.insertChange.run(c.snapshotId, c.grantId, c.kind, c.systemId, c.accountId, c.role, c.scope, c.before, c.after);
    });
    this.pruneTx = db.transaction((keep: number): number => {
      let deleted = 0;
      for (const deltaKey of this.prunable.all(keep)) {
        // Changes derived from the grants about to go are kept as rows first.
        const derivedId = this.derivedOfDelta.get(deltaKey);
        if (derivedId !== undefined) this.storeDerivedChanges(derivedId);
        // Its own rows, and the grants it read from its base: it reads none any more.
        deleted += this.deleteDeltaRows.run(deltaKey).changes;
        this.clearRemovals.run(deltaKey);
        this.dropBase.run(deltaKey);
      }
      return deleted;
    });
  }

  /**
   * A snapshot's people once it stops running (inside finishTx): the base's people it was not
   * given become its pending removals, and the seen marks go. Given none of them unchanged (a
   * failed pull, a system without people, everyone changed), its own rows are all its people:
   * it keeps no base.
   */
  private closeIdentities(snapshotId: string): void {
    const v = this.selectIdentityView.get(snapshotId)!;
    if (v.identityBase === null) return;
    if (this.countSeen.get(v.deltaKey) === 0) {
      this.dropIdentityBase.run(v.key);
      this.clearMemberRemovals.run(v.deltaKey);
      return;
    }
    this.removeUnseen.run(v.deltaKey, v.systemKey, v.identityBase, v.identityBase, v.deltaKey);
    this.clearSeen.run(v.deltaKey);
  }

  /**
   * Writes the changes a snapshot derives from its grants as change rows, and clears its flag
   * (inside pruneTx, before its grants are deleted): its changes then read the same from the rows.
   */
  private storeDerivedChanges(snapshotId: string): void {
    this.clearDerived.run(snapshotId);
    const h = this.selectHandle.get(snapshotId)!;
    const view = snapshotViewParams(h);
    let after = '';
    for (;;) {
      const page = this.grantsPage.all(h.systemId, h.systemKey, after, ...view, DEFAULT_GRANT_BATCH);
      for (const row of page) {
        const c = addedChange(snapshotId, toGrant(row, h.systemId));
        this.insertChange.run(c.snapshotId, c.grantId, c.kind, c.systemId, c.accountId, c.role, c.scope, c.before, c.after);
      }
      if (page.length < DEFAULT_GRANT_BATCH) return;
      after = page[page.length - 1]![0];
    }
  }

  /**
   * The version a snapshot created fromPrevious reads its previous one at: the system's current
   * version when the previous snapshot is current (a re-promoted snapshot's own version is older,
   * with the same grants), else the previous snapshot's own version.
   */
  private baseVersionOf(snapshot: Snapshot): number {
    const previousId = snapshot.previousSnapshotId!;
    const previous = this.selectHandle.get(previousId);
    if (!previous || previous.version === null || previous.systemId !== snapshot.systemId) {
      throw new Error(`snapshot ${snapshot.id} cannot start from ${previousId}: not an applied snapshot of ${snapshot.systemId}`);
    }
    return this.selectCurrentId.get(snapshot.systemId) === previousId ? this.selectSystemVersion.get(previous.systemKey)! : previous.version;
  }

  /**
   * Makes a snapshot's grants its system's next version (inside the promoting transaction).
   * A snapshot pulled against the current version only marks the rows it removed; one pulled
   * against another version (or none), or an applied one promoted again, is rebased: the
   * differences to the current version are written (copied rows, removals).
   */
  private apply(h: SnapshotHandle): void {
    const current = this.selectSystemVersion.get(h.systemKey) ?? null;
    if (h.version !== null && h.version === current) return;
    const next = (this.selectLastVersion.get() ?? 0) + 1;
    if (h.version === null) {
      // Its people, as its grants: removals where they were pulled against the current version, else a rebase.
      const identityBase = this.selectIdentityBase.get(h.key) ?? null;
      if (identityBase === current) this.removeMarkedMembers.run(next, h.systemKey, h.deltaKey, h.systemKey);
      else this.rebaseMembers(h.systemKey, identityBase, h.deltaKey, h.deltaKey, current, next);
      this.clearMemberRemovals.run(h.deltaKey);
      if (h.baseVersion === current) this.removeMarked.run(next, h.deltaKey);
      else this.rebase(h.systemKey, h.baseVersion, h.deltaKey, h.deltaKey, current, next);
      this.clearRemovals.run(h.deltaKey);
      this.setVersion.run(next, h.deltaKey);
      return;
    }
    // Promoted again: a delta of its own for the new version (its own version keeps reading as before).
    const into = Number(this.insertDelta.run(h.systemKey, h.key, next).lastInsertRowid);
    this.rebase(h.systemKey, h.version, -1, into, current, next);
    this.rebaseMembers(h.systemKey, h.version, -1, into, current, next);
  }

  private rebaseMembers(systemKey: number, from: number | null, removals: number, into: number, current: number | null, next: number): void {
    this.rebaseCopyMembers.run(into, systemKey, systemKey, from, from, removals, systemKey, current, current);
    this.rebaseRemoveMembers.run(next, systemKey, systemKey, current, current, systemKey, from, from, removals);
  }

  private rebase(systemKey: number, from: number | null, removals: number, into: number, current: number | null, next: number): void {
    this.rebaseCopy.run(into, systemKey, systemKey, from, from, removals, systemKey, current, current);
    this.rebaseRemove.run(next, systemKey, systemKey, current, current, systemKey, from, from, removals);
  }

  async create(snapshot: Snapshot, options: { fromPrevious?: boolean } = {}): Promise<void> {
    assertCreatable(snapshot);
    // Another system's rows may be committing on the worker: its lock is not waited on here.
    await this.whenWorkerIdle(() => this.createTx.immediate(snapshot, options.fromPrevious === true));
  }

  /**
   * Runs a write of this connection once no request is pending on the worker: every write sent
   * before is committed (or failed), and the worker holds no write lock this one would wait on
   * (a write of another sync, sent while waiting, is waited for too). The last check and the
   * write run in one synchronous step, so nothing can be sent between them.
   */
  private async whenWorkerIdle<T>(write: () => T): Promise<T> {
    while (this.worker && !this.worker.idle) await this.worker.flush();
    return write();
  }

  async appendGrants(snapshotId: string, grants: readonly Grant[]): Promise<void> {
    if (grants.length === 0) return;
    if (this.worker && (this.worker.active || grants.length >= WORKER_MIN_ROWS)) {
      // The worker checks the status (and marks the base rows replaced) inside its transaction; the system id is checked here.
      const { systemId } = requireSnapshot(snapshotId, this.selectHandle.get(snapshotId) ?? null);
      return this.worker.appendGrants(snapshotId, systemId, grants);
    }
    this.appendGrantsTx.immediate(snapshotId, grants);
  }

  async removeGrants(snapshotId: string, grantIds: readonly string[]): Promise<void> {
    if (grantIds.length === 0) return;
    // Its own rows may be on their way to the worker: then the removal follows them there.
    if (this.worker && (this.worker.active || grantIds.length >= WORKER_MIN_ROWS)) return this.worker.removeGrants(snapshotId, grantIds);
    this.removeGrantsTx.immediate(snapshotId, grantIds);
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
    // Grants sent before the outcome are in the snapshot, or failed (their callers were told); no
    // write of another snapshot is then in flight on the worker, whose lock would hold this one.
    return this.whenWorkerIdle(() => this.finishTx.immediate(snapshotId, outcome, events, promote));
  }

  async get(snapshotId: string): Promise<Snapshot | null> {
    const row = this.selectSnapshot.get(snapshotId);
    return row ? toSnapshot(row) : null;
  }

  async contentSum(snapshotId: string): Promise<string | null> {
    return this.selectContentSum.get(snapshotId) ?? null;
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
    return this.whenWorkerIdle(() => this.promoteTx.immediate(snapshotId, acceptedBy, events));
  }

  async *grants(snapshotId: string, batchSize?: number): AsyncIterable<Grant[]> {
    const size = pageSize(batchSize, DEFAULT_GRANT_BATCH);
    const thread = new GrantPageThread({ file: this.file, busyTimeoutMs: this.busyTimeoutMs, order: 'id' });
    try {
      yield* this.grantsWith(thread, snapshotId, size);
    } finally {
      await thread.close();
    }
  }

  /**
   * In storage order (each visible delta's rows by row, GRANT_STORED_PAGE_REST); the large
   * snapshots among them are read on one page reader thread, started once.
   */
  async *grantsOf(snapshotIds: readonly string[], batchSize?: number): AsyncIterable<Grant[]> {
    const size = pageSize(batchSize, DEFAULT_GRANT_BATCH);
    const thread = new GrantPageThread({ file: this.file, busyTimeoutMs: this.busyTimeoutMs, order: 'stored' });
    try {
      for (const snapshotId of snapshotIds) yield* this.storedGrantsWith(thread, snapshotId, size);
    } finally {
      await thread.close();
    }
  }

  /**
   * A snapshot's grants as stored, delta after delta (the deltas it may read rows of; VISIBLE
   * decides per row). A delta is read here a page at a time until a full page shows it is
   * large; then (a file database) the thread reads the rest, and every later delta, ahead of
   * the caller, as grantsWith does.
   */
  private async *storedGrantsWith(thread: GrantPageThread, snapshotId: string, size: number): AsyncIterable<Grant[]> {
    const h = this.selectHandle.get(snapshotId);
    if (!h) return;
    const { systemId } = h;
    const view = snapshotViewParams(h);
    const onThread = this.worker !== null && size >= WORKER_MIN_ROWS;
    for (const delta of this.readDeltas.all(h.systemKey, h.version ?? h.baseVersion, h.version === null ? h.deltaKey : -1)) {
      let after: number = BEFORE_FIRST_ROW;
      let large = onThread && thread.started;
      while (!large) {
        const page = this.storedGrantsHere(systemId, delta, after, view, size);
        if (page.grants.length > 0) yield page.grants;
        if (page.grants.length < size) break;
        after = page.lastRow!;
        large = onThread;
      }
      if (large) yield* readGrantPages({ thread, systemId, key: delta, view, after, pageRows: size * WORKER_READ_AHEAD_PAGES, size });
    }
  }

  /** A storage-order page of a delta's grants read on this connection: as row texts, or as columns when one does not decode. */
  private storedGrantsHere(systemId: string, delta: number, after: number, view: ViewParams, size: number): { grants: Grant[]; lastRow: number | null } {
    return storedGrantsOfRowTexts(this.storedRowTexts.all(delta, after, ...view, size), systemId) ?? storedGrantsOfColumns(this.storedColumns.all(delta, after, ...view, size), systemId);
  }

  private async *grantsWith(thread: GrantPageThread, snapshotId: string, size: number): AsyncIterable<Grant[]> {
    const h = this.selectHandle.get(snapshotId);
    if (!h) return;
    const { systemId, systemKey } = h;
    const view = snapshotViewParams(h);
    const onThread = this.worker !== null && size >= WORKER_MIN_ROWS;
    if (onThread && thread.started) {
      // A thread a previous snapshot started reads this one whole: its pages cost less there.
      yield* readGrantPages({ thread, systemId, key: systemKey, view, after: '', pageRows: size * WORKER_READ_AHEAD_PAGES, size });
      return;
    }
    const first = this.grantsHere(systemId, systemKey, '', view, size);
    if (first.length < size) {
      if (first.length > 0) yield first;
      return;
    }
    let last = (first[first.length - 1] as Grant).id;
    if (onThread) {
      // A large snapshot: the page reader's thread reads the next pages while the caller works
      // on the current ones (sqlite-grant-pages.ts).
      yield first;
      yield* readGrantPages({ thread, systemId, key: systemKey, view, after: last, pageRows: size * WORKER_READ_AHEAD_PAGES, size });
      return;
    }
    yield first;
    for (;;) {
      const page = this.grantsHere(systemId, systemKey, last, view, size);
      if (page.length > 0) yield page;
      if (page.length < size) return;
      last = (page[page.length - 1] as Grant).id;
    }
  }

  /** A page of a snapshot's grants read on this connection: as row texts, or as columns when one does not decode. */
  private grantsHere(systemId: string, systemKey: number, after: string, view: ViewParams, size: number): Grant[] {
    return grantsOfRowTexts(this.grantRowTexts.all(systemKey, after, ...view, size), systemId) ?? this.grantsPage.all(systemId, systemKey, after, ...view, size).map((r) => toGrant(r, systemId));
  }

  /** The first row a snapshot may read (from the deltas' index: no table read), or null when it reads none. */
  private firstRow(h: SnapshotHandle): number | null {
    return this.rowSpan(h)?.first ?? null;
  }

  /** The first and last rows a snapshot may read (from the deltas' index: no table read), or null when it reads none. */
  private rowSpan(h: SnapshotHandle): { first: number; last: number } | null {
    let span: { first: number; last: number } | null = null;
    for (const delta of this.readDeltas.all(h.systemKey, h.version ?? h.baseVersion, h.version === null ? h.deltaKey : -1)) {
      const first = this.selectFirstRow.get(delta) ?? null;
      if (first === null) continue;
      const last = this.selectLastRow.get(delta)!;
      if (span === null) span = { first, last };
      else span = { first: Math.min(span.first, first), last: Math.max(span.last, last) };
    }
    return span;
  }

  async *scanGrants(snapshotId: string, batchSize?: number): AsyncIterable<Grant[]> {
    const size = pageSize(batchSize, DEFAULT_GRANT_BATCH);
    const h = this.selectHandle.get(snapshotId);
    if (!h) return;
    const { systemId, systemKey } = h;
    const view = snapshotViewParams(h);
    // Where the snapshot's rows begin and end, so the scan skips the rows stored before and after them.
    const span = this.rowSpan(h);
    if (span === null) return;
    const { last } = span;
    let after = span.first - 1;
    if (this.worker && size >= WORKER_MIN_ROWS) {
      // As grants(): the worker reads the next pages while the caller works on the current ones.
      const worker = this.worker;
      const pages = size * WORKER_READ_AHEAD_PAGES;
      let next = worker.scanGrants([after, last, systemKey, ...view, pages], systemId);
      for (;;) {
        next.catch(() => undefined);
        const { grants, lastRow } = await next;
        if (grants.length === pages) next = worker.scanGrants([lastRow!, last, systemKey, ...view, pages], systemId);
        for (let i = 0; i < grants.length; i += size) yield grants.slice(i, i + size);
        if (grants.length < pages) return;
      }
    }
    for (;;) {
      const rows = this.grantsScanPage.all(systemId, after, last, systemKey, ...view, size);
      if (rows.length > 0) yield rows.map((r) => toGrant(r as unknown as GrantTuple, systemId));
      if (rows.length < size) return;
      after = rows[rows.length - 1]![13];
    }
  }

  async *scanGrantRows(snapshotId: string, batchSize?: number): AsyncIterable<GrantRows> {
    const size = pageSize(batchSize, DEFAULT_GRANT_BATCH);
    if (!this.worker || size < WORKER_MIN_ROWS) {
      for await (const grants of this.scanGrants(snapshotId, size)) yield grantRowsOf(grants);
      return;
    }
    const h = this.selectHandle.get(snapshotId);
    if (!h) return;
    const view = snapshotViewParams(h);
    const span = this.rowSpan(h);
    if (span === null) return;
    // As scanGrants: the worker reads the next page while the caller works on the current one,
    // and sends it as the fields' texts it reads (no id, no Grant).
    const worker = this.worker;
    let next = worker.scanGrantRows([span.first - 1, span.last, h.systemKey, ...view, size]);
    for (;;) {
      next.catch(() => undefined);
      const { rows, lastRow } = await next;
      if (rows.count === size) next = worker.scanGrantRows([lastRow!, span.last, h.systemKey, ...view, size]);
      if (rows.count > 0) yield rows;
      if (rows.count < size) return;
    }
  }

  async countGrants(snapshotId: string): Promise<number> {
    const h = this.selectHandle.get(snapshotId);
    if (!h) return 0;
    const firstRow = this.firstRow(h);
    return firstRow === null ? 0 : (this.countVisible.get(firstRow, h.systemKey, ...snapshotViewParams(h)) ?? 0);
  }

  async identities(snapshotId: string): Promise<Identity[]> {
    const v = this.selectIdentityView.get(snapshotId);
    if (!v) return [];
    const read = v.status === 'running' && v.version === null ? this.runningMembers : this.finishedMembers;
    return read.all(...memberParams(v)).map(toIdentity);
  }

  async appendChanges(changes: readonly GrantChange[]): Promise<void> {
    if (changes.length === 0) return;
    if (this.worker && (this.worker.active || changes.length >= WORKER_MIN_ROWS)) return this.worker.appendChanges(changes);
    this.appendChangesTx.immediate(changes);
  }

  async *changes(snapshotId: string, batchSize?: number): AsyncIterable<GrantChange[]> {
    const size = pageSize(batchSize, DEFAULT_GRANT_BATCH);
    if (this.selectDerived.get(snapshotId) === 1) {
      yield* addedChanges(snapshotId, this.grants(snapshotId, size), size);
      return;
    }
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
    return this.whenWorkerIdle(() => this.pruneTx.immediate(keep));
  }
}
