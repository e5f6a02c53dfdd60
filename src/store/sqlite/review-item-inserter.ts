import type Database from 'better-sqlite3';
import type { ReviewItem } from '../../domain/index.js';
import { grantDetailText } from '../../domain/index.js';

/** Rows per multi-row INSERT: one statement step per 64 items instead of one per item. */
const INSERT_ROWS = 64;
const COLUMNS = 16;
const INSERT_SQL = `INSERT OR IGNORE INTO review_items (id, campaign_id, grant_id, system_id, account_id, role, scope, identity_id,
  reviewer_id, reviewer_source, state, findings, last_activity_at, decision_id, updated_at, detail) VALUES `;
const ROW_PLACEHOLDERS = `(${Array.from({ length: COLUMNS }, () => '?').join(', ')})`;

/**
 * The last row's rowid, and the ids of the rows after one: review_items is a rowid table, and
 * SQLite gives a new row the largest rowid plus one (random ones only once that reaches 2^63 - 1,
 * which a billion rows a second would take centuries to).
 */
const MAX_ROWID_SQL = 'SELECT max(rowid) FROM review_items';
const IDS_AFTER_SQL = 'SELECT id FROM review_items WHERE rowid > ?';

/** Puts an item's 16 column values into `row` from `at0` (positional: binding by name costs more per row). */
function toRow(item: ReviewItem, row: unknown[], at0: number): void {
  row[at0] = item.id;
  row[at0 + 1] = item.campaignId;
  row[at0 + 2] = item.grantId;
  row[at0 + 3] = item.systemId;
  row[at0 + 4] = item.accountId;
  row[at0 + 5] = item.role;
  row[at0 + 6] = item.scope;
  row[at0 + 7] = item.identityId;
  row[at0 + 8] = item.reviewerId;
  row[at0 + 9] = item.reviewerSource;
  row[at0 + 10] = item.state;
  row[at0 + 11] = JSON.stringify(item.findings);
  row[at0 + 12] = item.lastActivityAt;
  row[at0 + 13] = item.decisionId;
  row[at0 + 14] = item.updatedAt;
  row[at0 + 15] = grantDetailText(item.detail);
}

/** Inserts the items that do not exist yet (by id); returns those it inserted, in order. */
export type ReviewItemInserter = (items: readonly ReviewItem[]) => ReviewItem[];

/**
 * The insert of a campaign opening's items, run inside the caller's write transaction: 64 rows
 * per INSERT OR IGNORE statement. Each row adds one change or none, so as many changes as items
 * prove that every item went in (what an opening meets: its items are new). With fewer (a
 * resumed or concurrent opening met items that exist, or an id came twice), the rows after the
 * last one there before are exactly those this call inserted (the write lock keeps any other
 * writer out meanwhile): their items, each id's first occurrence, get events and no others.
 */
export function createReviewItemInserter(db: Database.Database): ReviewItemInserter {
  const maxRowid = db.prepare<[], number | null>(MAX_ROWID_SQL).pluck();
  const idsAfter = db.prepare<[number], string>(IDS_AFTER_SQL).pluck();
  const insertOne = db.prepare<unknown[]>(INSERT_SQL + ROW_PLACEHOLDERS);
  const insertMany = db.prepare<unknown[]>(INSERT_SQL + Array.from({ length: INSERT_ROWS }, () => ROW_PLACEHOLDERS).join(', '));
  const row: unknown[] = new Array(COLUMNS);
  const rows: unknown[] = new Array(INSERT_ROWS * COLUMNS);
  return (items) => {
    if (items.length === 0) return [];
    if (!db.inTransaction) throw new Error('review items are inserted inside the transaction that appends their events');
    const before = maxRowid.get() ?? 0;
    let i = 0;
    let changes = 0;
    for (; i + INSERT_ROWS <= items.length; i += INSERT_ROWS) {
      for (let r = 0; r < INSERT_ROWS; r++) toRow(items[i + r]!, rows, r * COLUMNS);
      changes += insertMany.run(rows).changes;
    }
    for (; i < items.length; i++) {
      toRow(items[i]!, row, 0);
      changes += insertOne.run(row).changes;
    }
    if (changes === items.length) return items.slice();
    const added = new Set(idsAfter.all(before));
    const seen = new Set<string>();
    return items.filter((item) => added.has(item.id) && !seen.has(item.id) && seen.add(item.id));
  };
}
