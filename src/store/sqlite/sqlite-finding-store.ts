import type Database from 'better-sqlite3';
import type { Evaluation, Finding, FindingType, LedgerEventInput, Severity, StoredFinding } from '../../domain/index.js';
import type { Counts, FindingEvents, FindingState, FindingStore } from '../ports.js';
import type { LedgerAppender } from './ledger-appender.js';
import { pageSize } from './page-size.js';
import { parseJson } from './parse-json.js';

const DEFAULT_STATES_BATCH = 5_000;
/**
 * Events chained and inserted per appender call inside saveEvaluation's transaction: a first
 * check of 1M grants opens ~250k findings and ledgers ~150k of them; built and chained at once
 * they held ~300 MB of heap (inputs, canonical JSON, chained events) on top of the findings.
 */
const EVENT_CHUNK = 2_000;

export const FINDING_COLUMNS = `key, type, severity, system_id AS systemId, grant_id AS grantId, account_id AS accountId,
  identity_id AS identityId, role, scope, rule_id AS ruleId, reason, evidence, evaluation_id AS evaluationId,
  first_seen_at AS firstSeenAt, last_seen_at AS lastSeenAt, resolved_at AS resolvedAt`;
const OPEN = `SELECT ${FINDING_COLUMNS} FROM findings WHERE resolved_at IS NULL`;
const IN_GRANTS = `grant_id IN (SELECT value FROM json_each(?))`;

const SURROGATE = /[\ud800-\udfff]/;

export type FindingRow = Omit<StoredFinding, 'evidence'> & { evidence: string };
/** insertFinding's parameters, in column order. */
type FindingInsert = [string, string, Severity, string, string | null, string | null, string | null, string | null, string | null, string, string, string, string, string, string];
type EvaluationRow = Omit<Evaluation, 'systemIds' | 'counts'> & { systemIds: string; counts: string };

/** states()' columns, in StateRow's order: FINDING_COLUMNS without the evidence, after the row_id. */
const STATE_COLUMNS = `row_id, key, type, severity, system_id, grant_id, account_id, identity_id, role, scope, rule_id, reason,
  evaluation_id, first_seen_at, last_seen_at, resolved_at`;
type StateRow = [number, string, FindingType, Severity, string, string | null, string | null, string | null, string | null, string | null, string, string, string, string, string, string | null];

function toFindingState([, key, type, severity, systemId, grantId, accountId, identityId, role, scope, ruleId, reason, evaluationId, firstSeenAt, lastSeenAt, resolvedAt]: StateRow): FindingState {
  return { key, type, severity, systemId, grantId, accountId, identityId, role, scope, ruleId, reason, evaluationId, firstSeenAt, lastSeenAt, resolvedAt };
}

export function toStoredFinding(row: FindingRow): StoredFinding {
  return { ...row, evidence: parseJson(row.evidence, 'findings.evidence') };
}

/**
 * Findings keep their history: one row per raising of a key. An open row (resolved_at null,
 * at most one per key) is refreshed while evaluations keep raising it; once resolved, a
 * later raising opens a new row.
 */
export class SqliteFindingStore implements FindingStore {
  private readonly insertEvaluation;
  private readonly refreshFinding;
  private readonly insertFinding;
  private readonly resolveUnseen;
  private readonly selectOpenKeys;
  private readonly selectLatestEvaluation;
  private readonly selectOpen;
  private readonly selectOpenOfSystem;
  private readonly selectOpenOfGrants;
  private readonly selectOpenOfSystemAndGrants;
  private readonly selectOpenGrantIdsInRange;
  private readonly selectHistory;
  private readonly countOpenFindings;
  private readonly saveTx;
  private readonly selectEvaluations;
  private readonly selectStatesPage;

  constructor(
    db: Database.Database,
    private readonly appendLedger: LedgerAppender,
  ) {
    this.insertEvaluation = db.prepare<[Evaluation, string, string]>(
      `INSERT OR IGNORE INTO evaluations (id, at, system_ids, policy_hash, counts) VALUES (@id, @at, ?, @policyHash, ?)`,
    );
    // Positional parameters: binding a finding object by name costs a property lookup per column.
    this.refreshFinding = db.prepare<[Severity, string, string, string, string, string]>(
      `UPDATE findings SET severity = ?, reason = ?, evidence = ?, evaluation_id = ?, last_seen_at = ?
       WHERE key = ? AND resolved_at IS NULL`,
    );
    this.insertFinding = db.prepare<FindingInsert>(
      `INSERT INTO findings (key, type, severity, system_id, grant_id, account_id, identity_id, role, scope, rule_id,
         reason, evidence, evaluation_id, first_seen_at, last_seen_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // Index-only (findings_open_key): every open key, read once inside saveEvaluation's
    // transaction, so that a finding raised for the first time is inserted without first
    // running a refresh that finds no row (a first check of 1M grants opens ~90k findings).
    this.selectOpenKeys = db.prepare<[], string>('SELECT key FROM findings WHERE resolved_at IS NULL').pluck();
    // Every finding raised by this evaluation now carries its id; the other open ones of
    // the evaluated systems were not raised again.
    // The rows it resolved come back: their events are built from them.
    this.resolveUnseen = db.prepare<[string, string, string], FindingRow>(
      `UPDATE findings SET resolved_at = ?
       WHERE resolved_at IS NULL AND evaluation_id <> ? AND system_id IN (SELECT value FROM json_each(?))
       RETURNING ${FINDING_COLUMNS}`,
    );
    this.selectLatestEvaluation = db.prepare<[], EvaluationRow>(
      `SELECT id, at, system_ids AS systemIds, policy_hash AS policyHash, counts FROM evaluations
       ORDER BY at DESC, rowid DESC LIMIT 1`,
    );
    this.selectOpen = db.prepare<[], FindingRow>(`${OPEN} ORDER BY key`);
    this.selectOpenOfSystem = db.prepare<[string], FindingRow>(`${OPEN} AND system_id = ? ORDER BY key`);
    this.selectOpenOfGrants = db.prepare<[string], FindingRow>(`${OPEN} AND ${IN_GRANTS} ORDER BY key`);
    this.selectOpenOfSystemAndGrants = db.prepare<[string, string], FindingRow>(
      `${OPEN} AND system_id = ? AND ${IN_GRANTS} ORDER BY key`,
    );
    // Index-only (findings_open_by_grant): which grants of a key range have an open finding.
    this.selectOpenGrantIdsInRange = db.prepare<[string, string], string>(
      'SELECT grant_id FROM findings WHERE resolved_at IS NULL AND grant_id >= ? AND grant_id <= ?',
    ).pluck();
    this.countOpenFindings = db.prepare<[], { type: string; severity: Severity; count: number }>(
      'SELECT type, severity, count(*) AS count FROM findings WHERE resolved_at IS NULL GROUP BY type, severity ORDER BY type, severity',
    );
    this.selectHistory = db.prepare<[string], FindingRow>(`SELECT ${FINDING_COLUMNS} FROM findings WHERE key = ? ORDER BY row_id`);
    this.selectEvaluations = db.prepare<[], EvaluationRow>('SELECT id, at, system_ids AS systemIds, policy_hash AS policyHash, counts FROM evaluations ORDER BY at, rowid');
    this.selectStatesPage = db.prepare<[number, number], StateRow>(`SELECT ${STATE_COLUMNS} FROM findings WHERE row_id > ? ORDER BY row_id LIMIT ?`).raw();

    // One transaction: the findings opened and resolved, and their events (appended a chunk at a
    // time, see EVENT_CHUNK), commit together.
    this.saveTx = db.transaction((evaluation: Evaluation, findings: readonly Finding[], events: FindingEvents) => {
      const systemIds = JSON.stringify(evaluation.systemIds);
      this.insertEvaluation.run(evaluation, systemIds, JSON.stringify(evaluation.counts));
      const openKeys = new Set(this.selectOpenKeys.all());
      const opened: Finding[] = [];
      let refreshed = 0;
      const { id, at } = evaluation;
      // Findings may share one evidence object (a SoD conflict's grants, next to each other in
      // report order): it is serialised once for them.
      let lastEvidence: unknown = null;
      let evidence = '';
      for (const f of findings) {
        if (f.evidence !== lastEvidence) {
          lastEvidence = f.evidence;
          evidence = JSON.stringify(f.evidence);
        }
        if (openKeys.has(f.key) && this.refreshFinding.run(f.severity, f.reason, evidence, id, at, f.key).changes === 1) {
          refreshed++;
        } else {
          this.insertFinding.run(f.key, f.type, f.severity, f.systemId, f.grantId, f.accountId, f.identityId, f.role, f.scope, f.ruleId, f.reason, evidence, id, at, at);
          opened.push(f);
        }
      }
      const resolved = this.resolveUnseen.all(evaluation.at, evaluation.id, systemIds).map(toStoredFinding);
      if (opened.length > 0 || resolved.length > 0) this.appendInChunks(events({ opened, resolved }));
      return { opened: opened.length, refreshed, resolved: resolved.length };
    });
  }

  /** Chains the events onto the ledger EVENT_CHUNK at a time (inside the caller's transaction). */
  private appendInChunks(events: Iterable<LedgerEventInput>): void {
    let chunk: LedgerEventInput[] = [];
    for (const event of events) {
      chunk.push(event);
      if (chunk.length === EVENT_CHUNK) {
        this.appendLedger(chunk);
        chunk = [];
      }
    }
    if (chunk.length > 0) this.appendLedger(chunk);
  }

  async saveEvaluation(evaluation: Evaluation, findings: readonly Finding[], events: FindingEvents): Promise<{ opened: number; refreshed: number; resolved: number }> {
    return this.saveTx.immediate(evaluation, findings, events);
  }

  async latestEvaluation(): Promise<Evaluation | null> {
    const row = this.selectLatestEvaluation.get();
    if (!row) return null;
    return { ...row, systemIds: parseJson(row.systemIds, 'evaluations.system_ids'), counts: parseJson(row.counts, 'evaluations.counts') };
  }

  async countOpen(): Promise<Counts<{ type: string; severity: Severity }>> {
    return this.countOpenFindings.all();
  }

  async open(filter: { systemId?: string; grantIds?: readonly string[] } = {}): Promise<StoredFinding[]> {
    const { systemId } = filter;
    const grantIds = filter.grantIds && this.withOpenFindings(filter.grantIds);
    if (grantIds?.length === 0) return [];
    let rows: FindingRow[];
    if (systemId !== undefined && grantIds) rows = this.selectOpenOfSystemAndGrants.all(systemId, JSON.stringify(grantIds));
    else if (systemId !== undefined) rows = this.selectOpenOfSystem.all(systemId);
    else if (grantIds) rows = this.selectOpenOfGrants.all(JSON.stringify(grantIds));
    else rows = this.selectOpen.all();
    return rows.map(toStoredFinding);
  }

  /**
   * The ids among `grantIds` that have an open finding, each once: one index-only range scan
   * between the smallest and the largest id, so the row query probes only grants that have
   * findings (a campaign opening asks for pages of thousands of grants, most without any).
   */
  private withOpenFindings(grantIds: readonly string[]): string[] {
    if (grantIds.length === 0) return [];
    let min = grantIds[0]!;
    let max = min;
    for (const id of grantIds) {
      // JS orders strings by UTF-16 units, SQLite's BINARY collation by UTF-8 bytes: the same
      // order unless a surrogate pair is involved; then no range is taken, every id is asked.
      if (SURROGATE.test(id)) return [...new Set(grantIds)];
      if (id < min) min = id;
      if (id > max) max = id;
    }
    const asked = new Set(grantIds);
    const found = new Set<string>();
    for (const id of this.selectOpenGrantIdsInRange.all(min, max)) if (asked.has(id)) found.add(id);
    return [...found];
  }

  async history(key: string): Promise<StoredFinding[]> {
    return this.selectHistory.all(key).map(toStoredFinding);
  }

  async evaluations(): Promise<Evaluation[]> {
    return this.selectEvaluations.all().map((row) => ({ ...row, systemIds: parseJson(row.systemIds, 'evaluations.system_ids'), counts: parseJson(row.counts, 'evaluations.counts') }));
  }

  /** Keyset pages over row_id: one range scan per page; rows as arrays (STATE_COLUMNS), the evidence not read. */
  async *states(batchSize?: number): AsyncIterable<FindingState[]> {
    const size = pageSize(batchSize, DEFAULT_STATES_BATCH);
    for (let after = 0; ; ) {
      const rows = this.selectStatesPage.all(after, size);
      if (rows.length === 0) return;
      after = rows[rows.length - 1]![0];
      yield rows.map(toFindingState);
      if (rows.length < size) return;
    }
  }
}
