import type Database from 'better-sqlite3';
import type { Remediation, RemediationPatch, RemediationState } from '../../domain/index.js';
import { movesInto, UNVERIFIED_STATES } from '../../domain/index.js';
import type { AttachedItem, Counts, FindingToRemediate, ItemAttachment, LedgerEvents, RemediationCheck, RemediationMove, RemediationStore, Revocation } from '../ports.js';
import type { LedgerAppender } from './ledger-appender.js';
import { SNAPSHOT_VIEW_SQL, snapshotViewParams, VISIBLE, type SnapshotView } from './grant-view.js';
import { pageSize } from './page-size.js';
import { FINDING_COLUMNS, toStoredFinding, type FindingRow } from './sqlite-finding-store.js';
import { DECISION_COLUMNS, ITEM_COLUMNS, toDecision, toItem, type DecisionRow, type ItemRow } from './review-item-row.js';

/** The columns of a remediation, in RemediationTuple's order. */
const COLUMNS = `id, item_id, campaign_id, grant_id, system_id, account_id, role, scope, reason_kind, reason_ref, requested_by,
  opened_at, due_at, state, requested_at, claimed_at, claimed_by, claim_note, overdue_at, verified_at,
  verified_snapshot_id, verified_snapshot_hash, reappeared_at, reappeared_snapshot_id, failure, updated_at`;

/** Remediations per page of all(). */
const DEFAULT_PAGE = 2_000;

/**
 * A row of COLUMNS, in order. Rows are read raw (arrays): better-sqlite3 builds a named row
 * object of 26 columns at about twice the cost, and a verification reads 100k rows.
 */
type RemediationTuple = [
  id: string, itemId: string | null, campaignId: string | null, grantId: string, systemId: string, accountId: string, role: string, scope: string,
  reasonKind: Remediation['reason']['kind'], reasonRef: string, requestedBy: string, openedAt: string, dueAt: string, state: RemediationState,
  requestedAt: string | null, claimedAt: string | null, claimedBy: string | null, claimNote: string | null, overdueAt: string | null,
  verifiedAt: string | null, verifiedSnapshotId: string | null, verifiedSnapshotHash: string | null, reappearedAt: string | null,
  reappearedSnapshotId: string | null, failure: string | null, updatedAt: string,
];

/** The columns a move may set (RemediationPatch), by domain field. */
const PATCH_COLUMNS = {
  requestedAt: 'requested_at',
  claimedAt: 'claimed_at',
  claimedBy: 'claimed_by',
  claimNote: 'claim_note',
  overdueAt: 'overdue_at',
  verifiedAt: 'verified_at',
  verifiedSnapshotId: 'verified_snapshot_id',
  verifiedSnapshotHash: 'verified_snapshot_hash',
  reappearedAt: 'reappeared_at',
  reappearedSnapshotId: 'reappeared_snapshot_id',
  failure: 'failure',
} as const satisfies Record<keyof RemediationPatch, string>;

/** Field by field: an object spread over the row costs several microseconds a row on Node 20. */
function toRemediation(r: RemediationTuple): Remediation {
  return {
    id: r[0],
    itemId: r[1],
    campaignId: r[2],
    grantId: r[3],
    systemId: r[4],
    accountId: r[5],
    role: r[6],
    scope: r[7],
    reason: { kind: r[8], ref: r[9] },
    requestedBy: r[10],
    openedAt: r[11],
    dueAt: r[12],
    state: r[13],
    requestedAt: r[14],
    claimedAt: r[15],
    claimedBy: r[16],
    claimNote: r[17],
    overdueAt: r[18],
    verifiedAt: r[19],
    verifiedSnapshotId: r[20],
    verifiedSnapshotHash: r[21],
    reappearedAt: r[22],
    reappearedSnapshotId: r[23],
    failure: r[24],
    updatedAt: r[25],
  };
}

/**
 * Revoke decisions without a remediation, by item id: the partial index decisions_revoked
 * (migration 5) walks the revocations, the remediations' unique item_id answers "has one".
 */
export const REVOCATIONS_WITHOUT_SQL = `SELECT d.item_id FROM decisions d INDEXED BY decisions_revoked
  WHERE d.outcome = 'revoke' AND d.item_id > ? AND NOT EXISTS (SELECT 1 FROM remediations r WHERE r.item_id = d.item_id)
  ORDER BY d.item_id LIMIT ?`;

const UNVERIFIED = UNVERIFIED_STATES.map((state) => `'${state}'`).join(', ');

/**
 * Open findings of some types without a remediation of their raising (its id is derived from
 * key and first-seen time: a primary key lookup), walked in the open-key index, each with the
 * unverified remediation of its grant (remediations_by_grant) if there is one.
 */
export const FINDINGS_WITHOUT_SQL = `SELECT ${FINDING_COLUMNS},
  (SELECT r.id FROM remediations r WHERE r.grant_id = f.grant_id AND r.state IN (${UNVERIFIED}) ORDER BY r.id LIMIT 1) AS coveredBy
  FROM findings f INDEXED BY findings_open_key
  WHERE f.resolved_at IS NULL AND f.key > ? AND f.grant_id IS NOT NULL AND f.type IN (SELECT value FROM json_each(?))
    AND NOT EXISTS (SELECT 1 FROM remediations r WHERE r.id = 'rem:finding:' || f.key || '@' || f.first_seen_at)
  ORDER BY f.key LIMIT ?`;

/**
 * Verification's page: each remediation's grant looked up in the (system_key, id) index among
 * the rows the snapshot reads (VISIBLE, with the snapshot's system key and view parameters).
 */
export const CHECK_PAGE_SQL = (states: number) => `SELECT r.id, r.state,
  EXISTS (SELECT 1 FROM grants WHERE system_key = ? AND id = r.grant_id AND ${VISIBLE}) AS present
  FROM remediations r WHERE r.system_id = ? AND r.state IN (${Array.from({ length: states }, () => '?').join(', ')}) AND r.id > ?
  ORDER BY r.id LIMIT ?`;

/**
 * Remediations. Every change is one write transaction (BEGIN IMMEDIATE) that checks the state
 * it starts from, writes, and appends the events of exactly the rows it changed.
 */
export class SqliteRemediationStore implements RemediationStore {
  private readonly insert;
  private readonly selectOne;
  private readonly selectMany;
  private readonly selectList;
  private readonly countStates;
  private readonly selectSnapshotView;
  private readonly selectRevocations;
  private readonly selectItem;
  private readonly selectDecision;
  private readonly selectPastDue;
  private readonly selectPage;
  private readonly selectItemRemediation;
  private readonly selectFindingsWithout;
  private readonly selectAwaiting;
  private readonly attachItem;
  private readonly findingOpenTx;
  private readonly attachTx;
  private readonly checkPages = new Map<number, Database.Statement<unknown[], { id: string; state: RemediationState; present: number }>>();
  private readonly updates = new Map<string, Database.Statement<Record<string, unknown>>>();
  private readonly openTx;
  private readonly moveTx;

  constructor(
    private readonly db: Database.Database,
    private readonly appendLedger: LedgerAppender,
  ) {
    this.insert = db.prepare<[Record<string, unknown>]>(
      `INSERT OR IGNORE INTO remediations (id, item_id, campaign_id, grant_id, system_id, account_id, role, scope, reason_kind, reason_ref,
         requested_by, opened_at, due_at, state, requested_at, claimed_at, claimed_by, claim_note, overdue_at, verified_at,
         verified_snapshot_id, verified_snapshot_hash, reappeared_at, reappeared_snapshot_id, failure, updated_at)
       VALUES (@id, @itemId, @campaignId, @grantId, @systemId, @accountId, @role, @scope, @reasonKind, @reasonRef,
         @requestedBy, @openedAt, @dueAt, @state, @requestedAt, @claimedAt, @claimedBy, @claimNote, @overdueAt, @verifiedAt,
         @verifiedSnapshotId, @verifiedSnapshotHash, @reappearedAt, @reappearedSnapshotId, @failure, @updatedAt)`,
    );
    this.selectOne = db.prepare<[string], RemediationTuple>(`SELECT ${COLUMNS} FROM remediations WHERE id = ?`).raw();
    this.selectMany = db.prepare<[string], RemediationTuple>(`SELECT ${COLUMNS} FROM remediations WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`).raw();
    this.countStates = db.prepare<[], { state: RemediationState; count: number }>('SELECT state, count(*) AS count FROM remediations GROUP BY state ORDER BY state');
    this.selectList = db
      .prepare<[{ state: string | null; systemId: string | null }], RemediationTuple>(
        `SELECT ${COLUMNS} FROM remediations WHERE (@state IS NULL OR state = @state) AND (@systemId IS NULL OR system_id = @systemId)
         ORDER BY due_at, id`,
      )
      .raw();
    this.selectSnapshotView = db.prepare<[string], SnapshotView>(SNAPSHOT_VIEW_SQL);
    this.selectRevocations = db.prepare<[string, number], string>(REVOCATIONS_WITHOUT_SQL).pluck();
    this.selectItem = db.prepare<[string], ItemRow>(`SELECT ${ITEM_COLUMNS} FROM review_items i WHERE i.id = ?`);
    this.selectDecision = db.prepare<[string], DecisionRow>(`SELECT ${DECISION_COLUMNS} FROM decisions WHERE item_id = ?`);
    this.selectPastDue = db
      .prepare<[string, number], RemediationTuple>(
        `SELECT ${COLUMNS} FROM remediations WHERE due_at <= ? AND overdue_at IS NULL
           AND state IN (${movesInto('overdue').map((state) => `'${state}'`).join(', ')}) ORDER BY due_at, id LIMIT ?`,
      )
      .raw();

    this.selectPage = db.prepare<[string, number], RemediationTuple>(`SELECT ${COLUMNS} FROM remediations WHERE id > ? ORDER BY id LIMIT ?`).raw();

    this.selectItemRemediation = db.prepare<[string], string>('SELECT id FROM remediations WHERE item_id = ?').pluck();
    this.selectFindingsWithout = db.prepare<[string, string, number], FindingRow & { coveredBy: string | null }>(FINDINGS_WITHOUT_SQL);
    this.selectAwaiting = db.prepare<[string], RemediationTuple>(`SELECT ${COLUMNS} FROM remediations WHERE grant_id = ? AND state IN (${UNVERIFIED}) ORDER BY id`).raw();
    this.attachItem = db.prepare<[{ id: string; itemId: string; campaignId: string; at: string }]>(
      `UPDATE remediations SET item_id = @itemId, campaign_id = @campaignId, updated_at = @at WHERE id = @id AND item_id IS NULL`,
    );
    // The grant's unverified remediations are read under the write lock: one removal per grant.
    this.findingOpenTx = db.transaction((remediations: readonly Remediation[], events: LedgerEvents<readonly Remediation[]>) => {
      const inserted = remediations.filter((r) => this.selectAwaiting.all(r.grantId).length === 0 && this.insert.run(toParams(r)).changes === 1);
      if (inserted.length > 0) this.appendLedger(events(inserted));
      return inserted.length;
    });
    this.attachTx = db.transaction((attachments: readonly ItemAttachment[], at: string, events: LedgerEvents<readonly AttachedItem[]>) => {
      const attached: AttachedItem[] = [];
      for (const attachment of attachments) {
        if (this.selectItemRemediation.get(attachment.itemId) !== undefined) continue;
        const target = this.selectAwaiting.all(attachment.grantId).map(toRemediation).find((r) => r.itemId === null && r.reason.kind === 'finding');
        if (!target || this.attachItem.run({ id: target.id, itemId: attachment.itemId, campaignId: attachment.campaignId, at }).changes !== 1) continue;
        attached.push({ attachment, remediation: { ...target, itemId: attachment.itemId, campaignId: attachment.campaignId, updatedAt: at } });
      }
      if (attached.length > 0) this.appendLedger(events(attached));
      return attached;
    });

    // INSERT OR IGNORE reports 0 changes for a remediation another opener inserted first. A
    // revoke whose grant a finding's removal is already under way (opened since the caller
    // tried attachItems) is not opened: it stays a revocation without remediation, and the next
    // run attaches it, so a grant never gets a second removal that way.
    this.openTx = db.transaction((remediations: readonly Remediation[], events: LedgerEvents<readonly Remediation[]>) => {
      const inserted = remediations.filter((r) => !this.findingRemovalUnderWay(r) && this.insert.run(toParams(r)).changes === 1);
      if (inserted.length > 0) this.appendLedger(events(inserted));
      return inserted.length;
    });
    // Two statements per batch, not per row: read the rows, pick those in `from` (and, into
    // overdue, not marked yet), update exactly those. The write lock (BEGIN IMMEDIATE) is held
    // from the read on, so what was read is what is updated.
    this.moveTx = db.transaction((ids: readonly string[], from: readonly RemediationState[], to: RemediationState, patch: RemediationPatch & { updatedAt: string }) => {
      const moving = this.selectMany.all(JSON.stringify(ids)).map(toRemediation).filter((r) => from.includes(r.state) && (to !== 'overdue' || r.overdueAt === null));
      if (moving.length === 0) return [];
      const changed = this.updateFor(patch).run({ ...patch, ids: JSON.stringify(moving.map((r) => r.id)), state: to }).changes;
      if (changed !== moving.length) throw new Error(`remediation move changed ${changed} of ${moving.length} rows`);
      // Each row as the UPDATE left it: the patch and the new state over what was read.
      return moving.map((remediation): RemediationMove => {
        const move = { from: remediation.state, remediation: Object.assign(remediation, patch) };
        remediation.state = to;
        return move;
      });
    });
  }

  /** A decision's remediation whose grant has an unverified finding removal no item joined yet. */
  private findingRemovalUnderWay(r: Remediation): boolean {
    if (r.reason.kind !== 'decision') return false;
    return this.selectAwaiting.all(r.grantId).map(toRemediation).some((a) => a.itemId === null && a.reason.kind === 'finding');
  }

  async open(remediations: readonly Remediation[], events: LedgerEvents<readonly Remediation[]>): Promise<number> {
    if (remediations.length === 0) return 0;
    return this.openTx.immediate(remediations, events);
  }

  async transition(id: string, from: readonly RemediationState[], to: RemediationState, patch: RemediationPatch & { updatedAt: string }, events: LedgerEvents<RemediationMove>): Promise<boolean> {
    return this.db.transaction(() => {
      const [move] = this.moveTx([id], from, to, patch);
      if (move) this.appendLedger(events(move));
      return move !== undefined;
    }).immediate();
  }

  async transitionMany(ids: readonly string[], from: readonly RemediationState[], to: RemediationState, patch: RemediationPatch & { updatedAt: string }, events: LedgerEvents<readonly RemediationMove[]>): Promise<number> {
    if (ids.length === 0) return 0;
    return this.db.transaction(() => {
      const moves = this.moveTx(ids, from, to, patch);
      if (moves.length > 0) this.appendLedger(events(moves));
      return moves.length;
    }).immediate();
  }

  async get(id: string): Promise<Remediation | null> {
    const row = this.selectOne.get(id);
    return row ? toRemediation(row) : null;
  }

  async countByState(): Promise<Counts<{ state: RemediationState }>> {
    return this.countStates.all();
  }

  async list(filter: { state?: RemediationState; systemId?: string } = {}): Promise<Remediation[]> {
    return this.selectList.all({ state: filter.state ?? null, systemId: filter.systemId ?? null }).map(toRemediation);
  }

  async checkAgainst(snapshotId: string, systemId: string, states: readonly RemediationState[], after: string | null, limit: number): Promise<RemediationCheck[]> {
    if (states.length === 0) return [];
    const view = this.selectSnapshotView.get(snapshotId);
    if (view === undefined) throw new Error(`unknown snapshot ${snapshotId}`);
    let page = this.checkPages.get(states.length);
    if (!page) this.checkPages.set(states.length, (page = this.db.prepare(CHECK_PAGE_SQL(states.length))));
    return page.all(view.systemKey, ...snapshotViewParams(view), systemId, ...states, after ?? '', limit).map((row) => ({ id: row.id, state: row.state, present: row.present === 1 }));
  }

  async revocationsWithout(after: string | null, limit: number): Promise<{ rows: Revocation[]; next: string | null }> {
    return this.db.transaction(() => {
      const ids = this.selectRevocations.all(after ?? '', limit);
      const rows = ids.map((id) => ({ item: toItem(this.selectItem.get(id) as ItemRow), decision: toDecision(this.selectDecision.get(id) as DecisionRow) }));
      return { rows, next: ids.length === limit ? ids[ids.length - 1]! : null };
    }).deferred();
  }

  async findingsWithout(types: readonly string[], after: string | null, limit: number): Promise<{ rows: FindingToRemediate[]; next: string | null }> {
    if (types.length === 0) return { rows: [], next: null };
    const rows = this.selectFindingsWithout.all(after ?? '', JSON.stringify(types), limit);
    return {
      rows: rows.map(({ coveredBy, ...finding }) => ({ finding: toStoredFinding(finding), coveredBy })),
      next: rows.length === limit ? rows[rows.length - 1]!.key : null,
    };
  }

  async openForFindings(remediations: readonly Remediation[], events: LedgerEvents<readonly Remediation[]>): Promise<number> {
    if (remediations.length === 0) return 0;
    return this.findingOpenTx.immediate(remediations, events);
  }

  async attachItems(attachments: readonly ItemAttachment[], at: string, events: LedgerEvents<readonly AttachedItem[]>): Promise<AttachedItem[]> {
    if (attachments.length === 0) return [];
    return this.attachTx.immediate(attachments, at, events);
  }

  async pastDue(at: string, limit: number): Promise<Remediation[]> {
    return this.selectPastDue.all(at, limit).map(toRemediation);
  }

  /** Pages of the primary key's index: each starts after the last id of the one before. */
  async *all(batchSize?: number): AsyncIterable<Remediation[]> {
    const size = pageSize(batchSize, DEFAULT_PAGE);
    for (let after = ''; ; ) {
      const rows = this.selectPage.all(after, size);
      if (rows.length === 0) return;
      after = rows[rows.length - 1]![0];
      yield rows.map(toRemediation);
      if (rows.length < size) return;
    }
  }

  /** The conditional UPDATE of a move setting these patch fields (one statement per field set, prepared once). */
  private updateFor(patch: RemediationPatch & { updatedAt: string }): Database.Statement<Record<string, unknown>> {
    const fields = (Object.keys(PATCH_COLUMNS) as (keyof RemediationPatch)[]).filter((f) => patch[f] !== undefined);
    const key = fields.join(',');
    let statement = this.updates.get(key);
    if (!statement) {
      const sets = ['state = @state', 'updated_at = @updatedAt', ...fields.map((f) => `${PATCH_COLUMNS[f]} = @${f}`)];
      statement = this.db.prepare(`UPDATE remediations SET ${sets.join(', ')} WHERE id IN (SELECT value FROM json_each(@ids))`);
      this.updates.set(key, statement);
    }
    return statement;
  }
}

function toParams(r: Remediation): Record<string, unknown> {
  const { reason, ...rest } = r;
  return { ...rest, reasonKind: reason.kind, reasonRef: reason.ref };
}
