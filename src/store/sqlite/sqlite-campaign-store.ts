import type Database from 'better-sqlite3';
import type { Campaign, CampaignState, Decision, ItemState, ReviewItem } from '../../domain/index.js';
import { outcomeState, parseGrantDetail } from '../../domain/index.js';
import { EXPIRE_BATCH } from '../ports.js';
import type { CampaignStore, Counts, DecideResult, ItemStateWithDecision, ItemWithDecision, LastCertification, LedgerEvents, StageAdvance } from '../ports.js';
import { checkDecision } from '../stage-advance.js';
import { resolve } from 'node:path';
import { openBulkReader } from './bulk-reader.js';
import type { LedgerAppender } from './ledger-appender.js';
import { parseJson } from './parse-json.js';
import type { FieldCursor, PageColumn } from './page-text.js';
import type { RawPage } from './sqlite-page-reader.js';
import { SqlitePageReader } from './sqlite-page-reader.js';
import { pageSize } from './page-size.js';
import { createReviewItemInserter } from './review-item-inserter.js';
import { DECISION_COLUMNS, ITEM_COLUMNS, toDecision, toItem, type DecisionRow, type ItemRow } from './review-item-row.js';

const DEFAULT_ITEM_BATCH = 1_000;

/**
 * A page of a campaign's items after an item id: a range scan of the primary key. Item ids are
 * `${campaignId}/${grantId}` (reviewItemId), so a campaign's items are one contiguous key range;
 * the unary `+` keeps the planner off review_items_by_campaign, which would sort the whole
 * campaign for every page (quadratic in its size).
 */
export const ITEMS_NEXT_PAGE_SQL = `SELECT ${ITEM_COLUMNS} FROM review_items i
  WHERE i.id > ? AND i.id < ? AND +i.campaign_id = ? ORDER BY i.id LIMIT ?`;
/** A page of a campaign's pending items after an item id (expirePending): the same key range scan, pending rows only. */
export const PENDING_NEXT_PAGE_SQL = `SELECT ${ITEM_COLUMNS} FROM review_items i
  WHERE i.id > ? AND i.id < ? AND +i.campaign_id = ? AND i.state = 'pending' ORDER BY i.id LIMIT ?`;
/**
 * A page of a campaign's items pending at a later stage, after an item id: a range of the
 * partial index review_items_at_later_stage (migration 16), which holds those items alone.
 */
export const LATER_STAGE_NEXT_PAGE_SQL = `SELECT ${ITEM_COLUMNS} FROM review_items i
  WHERE i.campaign_id = ? AND i.state = 'pending' AND i.stage > 1 AND i.id > ? ORDER BY i.id LIMIT ?`;
/** One reviewer's decisions in a campaign, settling and stage ones: the (campaign, reviewer) indexes of both tables (migration 16). */
export const DECISIONS_OF_REVIEWER_SQL = `SELECT ${DECISION_COLUMNS} FROM decisions WHERE campaign_id = @campaignId AND reviewer_id = @reviewerId
  UNION ALL SELECT ${DECISION_COLUMNS} FROM stage_decisions WHERE campaign_id = @campaignId AND reviewer_id = @reviewerId
  ORDER BY decidedAt, id`;
/** The decisions of a page's item id range: one range of the decisions table, clustered by item_id (migration 4), not the campaign index (see above). */
export const DECISIONS_RANGE_SQL = `SELECT ${DECISION_COLUMNS} FROM decisions WHERE item_id >= ? AND item_id <= ? AND +campaign_id = ?`;

/**
 * A page of a campaign's items with their decisions, for the page reader (in the order
 * itemWithDecisionOf reads them): the items' key range as above, each decision found by the
 * primary key of the item-clustered decisions table (in item order too: sequential pages).
 * Kinds as page-text.ts defines them; a decision's NOT NULL columns are 'joined'.
 */
export const ITEMS_WITH_DECISIONS_PAGE_COLUMNS: readonly PageColumn[] = [
  ...['i.id', 'i.grant_id', 'i.system_id', 'i.account_id', 'i.role', 'i.scope'].map(text),
  nullable('i.identity_id'),
  ...['i.reviewer_id', 'i.reviewer_source', 'i.state', 'i.findings'].map(text),
  nullable('i.last_activity_at'),
  nullable('i.decision_id'),
  text('i.updated_at'),
  nullable('i.detail'),
  text('i.stage'),
  nullable('i.stage_due_at'),
  nullable('d.id'),
  joined('d.outcome'),
  joined('d.reviewer_id'),
  nullable('d.reviewer_email'),
  nullable('d.reviewer_slack_id'),
  joined('d.channel'),
  nullable('d.justification'),
  ...['d.decided_at', 'd.findings_at_decision', 'd.simulated'].map(joined),
  nullable('d.operator'),
  joined('d.approve_all'),
  joined('d.stage'),
];
export const ITEMS_WITH_DECISIONS_PAGE_REST = `FROM review_items i LEFT JOIN decisions d ON d.item_id = i.id
  WHERE i.id > ? AND i.id < ? AND +i.campaign_id = ? ORDER BY i.id LIMIT ?`;

/**
 * ITEMS_WITH_DECISIONS_PAGE_COLUMNS as far as the reconciliation compares them
 * (ItemStateWithDecision, in the order itemStateWithDecisionOf reads them): the same rows, 19
 * columns of 30. The 11 left out (scope, identity, findings, times, the reviewer's email and
 * Slack id, findings at decision) are compared with nothing, and each cost the page reader's
 * thread and the caller a field per item: at 1M items, reading them was ~2 s of the page
 * reader's thread and ~0.8 s of the caller's (`audit verify`, --cpu-prof).
 */
export const ITEM_STATES_PAGE_COLUMNS: readonly PageColumn[] = [
  ...['i.id', 'i.grant_id', 'i.system_id', 'i.account_id', 'i.role', 'i.reviewer_id', 'i.reviewer_source', 'i.state'].map(text),
  nullable('i.detail'),
  text('i.stage'),
  nullable('d.id'),
  joined('d.outcome'),
  joined('d.reviewer_id'),
  joined('d.channel'),
  nullable('d.justification'),
  joined('d.simulated'),
  nullable('d.operator'),
  joined('d.approve_all'),
  joined('d.stage'),
];

function text(sql: string): PageColumn {
  return { sql, kind: 'text' };
}
function nullable(sql: string): PageColumn {
  return { sql, kind: 'nullable' };
}
function joined(sql: string): PageColumn {
  return { sql, kind: 'joined' };
}

/** Page cache of the export's page reader, in KiB: sequential pages need little (see bulk-reader.ts). */
const PAGE_READER_CACHE_KIB = 8_192;

/** One row of ITEM_STATES_PAGE_COLUMNS: the fields as itemWithDecisionOf gives them (absent where it leaves them out). */
function itemStateWithDecisionOf(f: FieldCursor): ItemStateWithDecision {
  const id = f.next()!;
  const grantId = f.next()!;
  const systemId = f.next()!;
  const accountId = f.next()!;
  const role = f.next()!;
  const reviewerId = f.next()!;
  const reviewerSource = f.next() as ReviewItem['reviewerSource'];
  const state = f.next() as ItemState;
  const item: ItemStateWithDecision['item'] = { id, grantId, systemId, accountId, role, reviewerId, reviewerSource, state };
  const detail = f.next();
  if (detail !== null) item.detail = parseGrantDetail(detail);
  const stage = Number(f.next());
  if (stage !== 1) item.stage = stage;
  const decisionId = f.next();
  if (decisionId === null) {
    for (let c = 0; c < 8; c++) f.next();
    return { item, decision: null };
  }
  const outcome = f.next() as Decision['outcome'];
  const decisionReviewerId = f.next()!;
  const channel = f.next() as Decision['channel'];
  const justification = f.next();
  const simulated = f.next() === '1';
  const operator = f.next();
  const decision: NonNullable<ItemStateWithDecision['decision']> = { id: decisionId, outcome, reviewerId: decisionReviewerId, channel, justification, simulated, operator };
  if (f.next() === '1') decision.approveAll = true;
  const decisionStage = Number(f.next());
  if (decisionStage !== 1) decision.stage = decisionStage;
  return { item, decision };
}

/** One row of ITEMS_WITH_DECISIONS_PAGE_COLUMNS. */
function itemWithDecisionOf(f: FieldCursor, campaignId: string): ItemWithDecision {
  const id = f.next()!;
  const grantId = f.next()!;
  const systemId = f.next()!;
  const accountId = f.next()!;
  const role = f.next()!;
  const scope = f.next()!;
  const identityId = f.next();
  const reviewerId = f.next()!;
  const reviewerSource = f.next() as ReviewItem['reviewerSource'];
  const state = f.next() as ItemState;
  const findings = f.next()!;
  const lastActivityAt = f.next();
  const itemDecisionId = f.next();
  const updatedAt = f.next()!;
  const item: ReviewItem = { id, campaignId, grantId, systemId, accountId, role, scope, identityId, reviewerId, reviewerSource, state, findings: parseJson(findings, 'review_items.findings'), lastActivityAt, decisionId: itemDecisionId, updatedAt };
  const detail = f.next();
  if (detail !== null) item.detail = parseGrantDetail(detail);
  // Absent at stage 1 (toItem's rule).
  const stage = Number(f.next());
  if (stage !== 1) item.stage = stage;
  const stageDueAt = f.next();
  if (stageDueAt !== null) item.stageDueAt = stageDueAt;
  const decisionId = f.next();
  if (decisionId === null) {
    for (let c = 0; c < 12; c++) f.next();
    return { item, decision: null };
  }
  const outcome = f.next() as Decision['outcome'];
  const decisionReviewerId = f.next()!;
  const reviewerEmail = f.next();
  const reviewerSlackId = f.next();
  const channel = f.next() as Decision['channel'];
  const justification = f.next();
  const decidedAt = f.next()!;
  const atDecision = f.next()!;
  const simulated = f.next() === '1';
  const operator = f.next();
  const decision: Decision = { id: decisionId, itemId: id, campaignId, outcome, reviewerId: decisionReviewerId, reviewerEmail, reviewerSlackId, channel, justification, decidedAt, findingsAtDecision: parseJson(atDecision, 'decisions.findings_at_decision'), simulated, operator };
  if (f.next() === '1') decision.approveAll = true;
  const decisionStage = Number(f.next());
  if (decisionStage !== 1) decision.stage = decisionStage;
  return { item, decision };
}

const CAMPAIGN_COLUMNS = `id, review_id AS reviewId, period, name, state, opened_at AS openedAt, due_at AS dueAt,
  closed_at AS closedAt, opened_by AS openedBy`;

/**
 * Campaigns, their review items and decisions. Uniqueness lives in the schema (one campaign
 * per (review_id, period), one decision per item); every state change is a conditional
 * UPDATE whose row count says whether it happened, run in one write transaction (BEGIN
 * IMMEDIATE) with the ledger events of exactly the rows it changed.
 */
export class SqliteCampaignStore implements CampaignStore {
  private readonly insertCampaign;
  private readonly selectCampaign;
  private readonly selectCampaignByPeriod;
  private readonly listCampaigns;
  private readonly transitionCampaign;
  private readonly insertItems;
  private readonly selectItem;
  private readonly selectItems;
  private readonly selectPendingForReviewer;
  private readonly decideItem;
  private readonly insertDecision;
  private readonly insertStageDecision;
  private readonly advanceItem;
  private readonly selectStageDecision;
  private readonly selectStageDecisions;
  private readonly selectStageDecisionsPage;
  private readonly selectLaterStagePage;
  private readonly selectDecisionsOfReviewer;
  private readonly reassignItem;
  private readonly expireItems;
  private readonly selectDecision;
  private readonly selectDecisions;
  private readonly selectLastCertified;
  private readonly selectApprovedGrantIds;
  private readonly createTx;
  private readonly addItemsTx;
  private readonly decideTx;
  private readonly transitionTx;
  private readonly reassignTx;
  private readonly expireTx;
  private readonly lastCertificationTx;
  private readonly selectPendingItems;
  private readonly countCampaignItems;
  private readonly countBySystem;
  private readonly countStatesOfCampaign;
  private readonly countStatesInCampaigns;

  constructor(
    private readonly db: Database.Database,
    private readonly appendLedger: LedgerAppender,
  ) {
    this.insertCampaign = db.prepare<[Campaign]>(
      `INSERT OR IGNORE INTO campaigns (id, review_id, period, name, state, opened_at, due_at, closed_at, opened_by)
       VALUES (@id, @reviewId, @period, @name, @state, @openedAt, @dueAt, @closedAt, @openedBy)`,
    );
    this.selectCampaign = db.prepare<[string], Campaign>(`SELECT ${CAMPAIGN_COLUMNS} FROM campaigns WHERE id = ?`);
    this.selectCampaignByPeriod = db.prepare<[string, string], Campaign>(
      `SELECT ${CAMPAIGN_COLUMNS} FROM campaigns WHERE review_id = ? AND period = ?`,
    );
    this.listCampaigns = db.prepare<[{ state: string | null; reviewId: string | null }], Campaign>(
      `SELECT ${CAMPAIGN_COLUMNS} FROM campaigns
       WHERE (@state IS NULL OR state = @state) AND (@reviewId IS NULL OR review_id = @reviewId)
       ORDER BY opened_at DESC, id`,
    );
    // Closing records when: `at` becomes closedAt.
    this.transitionCampaign = db.prepare<[{ id: string; from: string; to: string; at: string }]>(
      `UPDATE campaigns SET state = @to, closed_at = CASE WHEN @to = 'closed' THEN @at ELSE closed_at END
       WHERE id = @id AND state = @from`,
    );
    this.insertItems = createReviewItemInserter(db);
    this.selectItem = db.prepare<[string], ItemRow>(`SELECT ${ITEM_COLUMNS} FROM review_items i WHERE i.id = ?`);
    this.selectItems = db.prepare<[{ campaignId: string; reviewerId: string | null; state: string | null }], ItemRow>(
      `SELECT ${ITEM_COLUMNS} FROM review_items i
       WHERE i.campaign_id = @campaignId AND (@reviewerId IS NULL OR i.reviewer_id = @reviewerId)
         AND (@state IS NULL OR i.state = @state)
       ORDER BY i.id`,
    );
    this.selectPendingForReviewer = db.prepare<[string], ItemRow>(
      `SELECT ${ITEM_COLUMNS} FROM review_items i JOIN campaigns c ON c.id = i.campaign_id
       WHERE i.reviewer_id = ? AND i.state = 'pending' AND c.state = 'open'
       ORDER BY i.campaign_id, i.id`,
    );
    this.decideItem = db.prepare<[string, string, string, string]>(
      `UPDATE review_items SET state = ?, decision_id = ?, updated_at = ? WHERE id = ? AND state = 'pending'`,
    );
    this.insertDecision = db.prepare<[Decision, string, number, number, number]>(
      `INSERT INTO decisions (id, item_id, campaign_id, outcome, reviewer_id, reviewer_email, reviewer_slack_id, channel,
         justification, decided_at, findings_at_decision, simulated, operator, approve_all, stage)
       VALUES (@id, @itemId, @campaignId, @outcome, @reviewerId, @reviewerEmail, @reviewerSlackId, @channel,
         @justification, @decidedAt, ?, ?, @operator, ?, ?)`,
    );
    this.insertStageDecision = db.prepare<[Decision, string, number, number, number]>(
      `INSERT INTO stage_decisions (id, item_id, campaign_id, outcome, reviewer_id, reviewer_email, reviewer_slack_id, channel,
         justification, decided_at, findings_at_decision, simulated, operator, approve_all, stage)
       VALUES (@id, @itemId, @campaignId, @outcome, @reviewerId, @reviewerEmail, @reviewerSlackId, @channel,
         @justification, @decidedAt, ?, ?, @operator, ?, ?)`,
    );
    this.advanceItem = db.prepare<[number, string, string, string, string, string, number]>(
      `UPDATE review_items SET stage = ?, stage_due_at = ?, reviewer_id = ?, reviewer_source = ?, updated_at = ?
       WHERE id = ? AND state = 'pending' AND stage = ?`,
    );
    this.selectStageDecision = db.prepare<[string, number], DecisionRow>(`SELECT ${DECISION_COLUMNS} FROM stage_decisions WHERE item_id = ? AND stage = ?`);
    this.selectStageDecisions = db.prepare<[string], DecisionRow>(`SELECT ${DECISION_COLUMNS} FROM stage_decisions WHERE item_id = ? ORDER BY stage`);
    this.selectLaterStagePage = db.prepare<[string, string, number], ItemRow>(LATER_STAGE_NEXT_PAGE_SQL);
    this.selectDecisionsOfReviewer = db.prepare<[{ campaignId: string; reviewerId: string }], DecisionRow>(DECISIONS_OF_REVIEWER_SQL);
    // A page of a campaign's stage decisions after (item id, stage): the primary key's range, as items are read.
    this.selectStageDecisionsPage = db.prepare<[string, string, number, string, string, number], DecisionRow>(
      `SELECT ${DECISION_COLUMNS} FROM stage_decisions
       WHERE (item_id > ? OR (item_id = ? AND stage > ?)) AND item_id < ? AND +campaign_id = ? ORDER BY item_id, stage LIMIT ?`,
    );
    this.reassignItem = db.prepare<[string, string, string, string, string]>(
      `UPDATE review_items SET reviewer_id = ?, reviewer_source = ?, updated_at = ?
       WHERE id = ? AND reviewer_id = ? AND state = 'pending'`,
    );
    // The page's items: pending ones of the campaign in (first, last], read in this transaction.
    this.expireItems = db.prepare<[string, string, string, string]>(
      `UPDATE review_items SET state = 'expired', updated_at = ? WHERE id > ? AND id <= ? AND +campaign_id = ? AND state = 'pending'`,
    );
    this.countCampaignItems = db.prepare<[string], number>('SELECT count(*) FROM review_items WHERE campaign_id = ?').pluck();
    this.countBySystem = db.prepare<[string], { systemId: string; state: ItemState; count: number }>(
      'SELECT system_id AS systemId, state, count(*) AS count FROM review_items WHERE campaign_id = ? GROUP BY system_id, state ORDER BY system_id, state',
    );
    this.countStatesOfCampaign = db.prepare<[string], { state: ItemState; count: number }>(
      'SELECT state, count(*) AS count FROM review_items WHERE campaign_id = ? GROUP BY state ORDER BY state',
    );
    this.countStatesInCampaigns = db.prepare<[string], { state: ItemState; count: number }>(
      `SELECT i.state, count(*) AS count FROM campaigns c JOIN review_items i ON i.campaign_id = c.id
       WHERE c.state = ? GROUP BY i.state ORDER BY i.state`,
    );
    this.selectPendingItems = db.prepare<[string, string, string, number], ItemRow>(PENDING_NEXT_PAGE_SQL);
    this.selectDecision = db.prepare<[string], DecisionRow>(`SELECT ${DECISION_COLUMNS} FROM decisions WHERE item_id = ?`);
    this.selectDecisions = db.prepare<[string], DecisionRow>(
      `SELECT ${DECISION_COLUMNS} FROM decisions WHERE campaign_id = ? ORDER BY decided_at, id`,
    );
    // A campaign stored closed without closedAt counts as certified when it opened.
    this.selectLastCertified = db.prepare<[string], { campaignId: string; certifiedAt: string }>(
      `SELECT c.id AS campaignId, coalesce(c.closed_at, c.opened_at) AS certifiedAt FROM campaigns c
       WHERE c.state = 'closed' AND EXISTS (SELECT 1 FROM review_items i WHERE i.campaign_id = c.id AND i.system_id = ?)
       ORDER BY certifiedAt DESC, c.rowid DESC LIMIT 1`,
    );
    this.selectApprovedGrantIds = db.prepare<[string, string], [string, string | null]>(
      `SELECT grant_id, detail FROM review_items WHERE campaign_id = ? AND system_id = ? AND state = 'approved' ORDER BY grant_id`,
    ).raw();

    this.createTx = db.transaction((campaign: Campaign) => {
      const created = this.insertCampaign.run(campaign).changes === 1;
      const stored = this.selectCampaignByPeriod.get(campaign.reviewId, campaign.period);
      if (!stored) throw new Error(`campaign id ${campaign.id} is taken by another review or period`);
      return { campaign: stored, created };
    });
    // An item another writer inserted first is not inserted again (review-item-inserter.ts): only
    // the rows this call inserted get events, so concurrent openers record each assignment once.
    this.addItemsTx = db.transaction((items: readonly ReviewItem[], events: LedgerEvents<readonly ReviewItem[]>) => {
      const inserted = this.insertItems(items);
      if (inserted.length > 0) this.appendLedger(events(inserted));
      return inserted.length;
    });
    this.transitionTx = db.transaction((id: string, from: CampaignState, to: CampaignState, at: string, events: LedgerEvents<Campaign>) => {
      if (this.transitionCampaign.run({ id, from, to, at }).changes !== 1) return false;
      this.appendLedger(events(this.selectCampaign.get(id) as Campaign));
      return true;
    });
    this.reassignTx = db.transaction((itemId: string, from: string, to: string, source: string, at: string, events: LedgerEvents<ReviewItem>) => {
      const before = this.selectItem.get(itemId);
      if (!before || this.reassignItem.run(to, source, at, itemId, from).changes !== 1) return false;
      this.appendLedger(events(toItem(before)));
      return true;
    });
    // One page of pending items after `after`: expired with its events. Returns the page's last id, null when none was left.
    this.expireTx = db.transaction((campaignId: string, after: string, at: string, events: LedgerEvents<readonly ReviewItem[]>): { last: string; expired: number } | null => {
      const page = this.selectPendingItems.all(after, `${campaignId}0`, campaignId, EXPIRE_BATCH).map(toItem);
      if (page.length === 0) return null;
      const last = page[page.length - 1]!.id;
      const expired = this.expireItems.run(at, after, last, campaignId).changes;
      this.appendLedger(events(page));
      return { last, expired };
    });
    // Read, check and write under one write lock: concurrent deciders (other processes
    // included) queue on it, and the second one finds the first decision (of the item, or of
    // its stage when the first passed the item on).
    this.decideTx = db.transaction((decision: Decision, events: LedgerEvents<{ item: ReviewItem; decision: Decision }>, advance: StageAdvance | null): DecideResult => {
      const found = this.selectItem.get(decision.itemId);
      if (!found) return { ok: false, item: null, decision: null };
      const earlier = this.selectDecision.get(decision.itemId);
      if (earlier) return { ok: false, item: toItem(found), decision: toDecision(earlier) };
      if (found.state !== 'pending') return { ok: false, item: toItem(found), decision: null };
      const stage = decision.stage ?? 1;
      if (found.stage !== stage) {
        const passed = this.selectStageDecision.get(decision.itemId, stage);
        return { ok: false, item: toItem(found), decision: passed ? toDecision(passed) : null };
      }
      checkDecision(decision, found.campaignId, advance);
      const flags = [JSON.stringify(decision.findingsAtDecision), decision.simulated ? 1 : 0, decision.approveAll === true ? 1 : 0, stage] as const;
      let stored: DecisionRow;
      if (advance) {
        this.insertStageDecision.run(decision, ...flags);
        this.advanceItem.run(advance.stage, advance.dueAt, advance.reviewerId, advance.reviewerSource, decision.decidedAt, decision.itemId, stage);
        stored = this.selectStageDecision.get(decision.itemId, stage) as DecisionRow;
      } else {
        this.decideItem.run(outcomeState(decision.outcome), decision.id, decision.decidedAt, decision.itemId);
        this.insertDecision.run(decision, ...flags);
        stored = this.selectDecision.get(decision.itemId) as DecisionRow;
      }
      const decided = { item: toItem(this.selectItem.get(decision.itemId) as ItemRow), decision: toDecision(stored) };
      this.appendLedger(events(decided));
      return { ok: true, ...decided };
    });
    this.lastCertificationTx = db.transaction((systemId: string) => {
      const last = this.selectLastCertified.get(systemId);
      if (!last) return null;
      const approvedGrantIds: string[] = [];
      const approvedDetails: Record<string, string> = {};
      for (const [grantId, detail] of this.selectApprovedGrantIds.all(last.campaignId, systemId)) {
        approvedGrantIds.push(grantId);
        if (detail !== null) approvedDetails[grantId] = detail;
      }
      return { ...last, approvedGrantIds, approvedDetails };
    });
  }

  async create(campaign: Campaign): Promise<{ campaign: Campaign; created: boolean }> {
    return this.createTx.immediate(campaign);
  }

  async get(id: string): Promise<Campaign | null> {
    return this.selectCampaign.get(id) ?? null;
  }

  async list(filter: { state?: CampaignState; reviewId?: string } = {}): Promise<Campaign[]> {
    return this.listCampaigns.all({ state: filter.state ?? null, reviewId: filter.reviewId ?? null });
  }

  async transition(id: string, from: CampaignState, to: CampaignState, at: string, events: LedgerEvents<Campaign>): Promise<boolean> {
    return this.transitionTx.immediate(id, from, to, at, events);
  }

  async addItems(items: readonly ReviewItem[], events: LedgerEvents<readonly ReviewItem[]>): Promise<number> {
    if (items.length === 0) return 0;
    return this.addItemsTx.immediate(items, events);
  }

  async item(id: string): Promise<ReviewItem | null> {
    const row = this.selectItem.get(id);
    return row ? toItem(row) : null;
  }

  async countItems(campaignId: string): Promise<number> {
    return this.countCampaignItems.get(campaignId) as number;
  }

  async countItemsBySystem(campaignId: string): Promise<{ systemId: string; state: ItemState; count: number }[]> {
    return this.countBySystem.all(campaignId);
  }

  async countItemsByState(filter: { campaignId: string } | { campaignState: CampaignState }): Promise<Counts<{ state: ItemState }>> {
    return 'campaignId' in filter ? this.countStatesOfCampaign.all(filter.campaignId) : this.countStatesInCampaigns.all(filter.campaignState);
  }

  async items(campaignId: string, filter: { reviewerId?: string; state?: ItemState } = {}): Promise<ReviewItem[]> {
    return this.selectItems.all({ campaignId, reviewerId: filter.reviewerId ?? null, state: filter.state ?? null }).map(toItem);
  }

  async pendingForReviewer(reviewerId: string): Promise<ReviewItem[]> {
    return this.selectPendingForReviewer.all(reviewerId).map(toItem);
  }

  async decide(decision: Decision, events: LedgerEvents<{ item: ReviewItem; decision: Decision }>, advance?: StageAdvance): Promise<DecideResult> {
    return this.decideTx.immediate(decision, events, advance ?? null);
  }

  async stageDecisions(itemId: string): Promise<Decision[]> {
    return this.selectStageDecisions.all(itemId).map(toDecision);
  }

  async *stageDecisionsOf(campaignId: string, batchSize?: number): AsyncIterable<Decision[]> {
    const size = pageSize(batchSize, DEFAULT_ITEM_BATCH);
    // The key range of the campaign's item ids, as itemsWithDecisions reads it.
    let after = `${campaignId}/`;
    let afterStage = Number.MAX_SAFE_INTEGER;
    for (;;) {
      const rows = this.selectStageDecisionsPage.all(after, after, afterStage, `${campaignId}0`, campaignId, size);
      if (rows.length === 0) return;
      const last = rows[rows.length - 1]!;
      after = last.itemId;
      afterStage = last.stage;
      yield rows.map(toDecision);
      if (rows.length < size) return;
    }
  }

  async *pendingAtLaterStages(campaignId: string, batchSize?: number): AsyncIterable<ReviewItem[]> {
    const size = pageSize(batchSize, DEFAULT_ITEM_BATCH);
    let after = '';
    for (;;) {
      const rows = this.selectLaterStagePage.all(campaignId, after, size);
      if (rows.length === 0) return;
      after = rows[rows.length - 1]!.id;
      yield rows.map(toItem);
      if (rows.length < size) return;
    }
  }

  async decisionsOf(campaignId: string, reviewerId: string): Promise<Decision[]> {
    return this.selectDecisionsOfReviewer.all({ campaignId, reviewerId }).map(toDecision);
  }

  async reassign(itemId: string, fromReviewerId: string, toReviewerId: string, source: string, at: string, events: LedgerEvents<ReviewItem>): Promise<boolean> {
    return this.reassignTx.immediate(itemId, fromReviewerId, toReviewerId, source, at, events);
  }

  /**
   * A transaction per page of at most EXPIRE_BATCH pending items, read after the previous page
   * (a key range: the campaign's items are never loaded at once); a crash between pages leaves
   * the pages done with their events and the rest pending, and closing again expires them.
   */
  async expirePending(campaignId: string, at: string, events: LedgerEvents<readonly ReviewItem[]>): Promise<number> {
    let after = `${campaignId}/`;
    let expired = 0;
    for (;;) {
      const page = this.expireTx.immediate(campaignId, after, at, events);
      if (!page) return expired;
      after = page.last;
      expired += page.expired;
    }
  }

  async decision(itemId: string): Promise<Decision | null> {
    const row = this.selectDecision.get(itemId);
    return row ? toDecision(row) : null;
  }

  async decisions(campaignId: string): Promise<Decision[]> {
    return this.selectDecisions.all(campaignId).map(toDecision);
  }

  async *itemStatesWithDecisions(campaignId: string, batchSize?: number): AsyncIterable<ItemStateWithDecision[]> {
    if (!this.db.memory && this.db.name !== '') {
      yield* this.itemsWithDecisionsAhead(campaignId, pageSize(batchSize, DEFAULT_ITEM_BATCH), ITEM_STATES_PAGE_COLUMNS, itemStateWithDecisionOf);
      return;
    }
    // An in-memory database (tests, the demo): the items with their findings.
    yield* this.itemsWithDecisions(campaignId, batchSize);
  }

  async *itemsWithDecisions(campaignId: string, batchSize?: number): AsyncIterable<ItemWithDecision[]> {
    const size = pageSize(batchSize, DEFAULT_ITEM_BATCH);
    if (!this.db.memory && this.db.name !== '') {
      yield* this.itemsWithDecisionsAhead(campaignId, size, ITEMS_WITH_DECISIONS_PAGE_COLUMNS, itemWithDecisionOf);
      return;
    }
    const reader = openBulkReader(this.db);
    try {
      const itemsNextPage = reader.db.prepare<[string, string, string, number], ItemRow>(ITEMS_NEXT_PAGE_SQL);
      const decisionsInRange = reader.db.prepare<[string, string, string], DecisionRow>(DECISIONS_RANGE_SQL);
      // The key range of the campaign's item ids: after `${campaignId}/`, before `${campaignId}0` ('0' follows '/').
      let after = `${campaignId}/`;
      const end = `${campaignId}0`;
      for (;;) {
        const rows = itemsNextPage.all(after, end, campaignId, size);
        if (rows.length === 0) return;
        const first = rows[0]!.id;
        after = rows[rows.length - 1]!.id;
        const decisions = new Map<string, Decision>();
        for (const row of decisionsInRange.all(first, after, campaignId)) decisions.set(row.itemId, toDecision(row));
        yield rows.map((row) => ({ item: toItem(row), decision: decisions.get(row.id) ?? null }));
        if (rows.length < size) return;
      }
    } finally {
      reader.close();
    }
  }

  /** itemsWithDecisions of a file database: pages read on the page reader's thread, one ahead of the caller. */
  private async *itemsWithDecisionsAhead<T>(campaignId: string, size: number, columns: readonly PageColumn[], rowOf: (f: FieldCursor, campaignId: string) => T): AsyncIterable<T[]> {
    const reader = new SqlitePageReader({
      file: resolve(this.db.name),
      columns,
      rest: ITEMS_WITH_DECISIONS_PAGE_REST,
      cacheKib: PAGE_READER_CACHE_KIB,
      busyTimeoutMs: this.db.pragma('busy_timeout', { simple: true }) as number,
    });
    // The key range of the campaign's item ids, as in the in-memory path below.
    const end = `${campaignId}0`;
    let next: Promise<RawPage> | null = reader.read([`${campaignId}/`, end, campaignId, size]);
    try {
      while (next) {
        const page: RawPage = await next;
        next = page.rows === size ? reader.read([page.lastKey as string, end, campaignId, size]) : null;
        if (page.rows === 0) return;
        const batch = new Array<T>(page.rows);
        for (let r = 0; r < page.rows; r++) {
          page.fields.startRow();
          batch[r] = rowOf(page.fields, campaignId);
        }
        page.release();
        yield batch;
      }
    } finally {
      // A read still in flight (the caller stopped early) is awaited so the thread closes cleanly.
      await next?.catch(() => undefined);
      await reader.close();
    }
  }

  async lastCertification(systemId: string): Promise<LastCertification | null> {
    return this.lastCertificationTx.deferred(systemId);
  }
}

