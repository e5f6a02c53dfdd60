import type Database from 'better-sqlite3';
import type { ReviewItem } from '../../domain/index.js';
import { grantDetailText } from '../../domain/index.js';

/** Rows per multi-row INSERT: one statement step per 64 items instead of one per item. */
const INSERT_ROWS = 64;
const COLUMNS = 16;
const INSERT_SQL = `INSERT OR IGNORE INTO review_items (id, campaign_id, grant_id, system_id, account_id, role, scope, identity_id,
  reviewer_id, reviewer_source, state, findings, last_activity_at, decision_id, updated_at, detail) VALUES `;
const ROW_PLACEHOLDERS = `(${Array.from({ length: COLUMNS }, () => '?').join(', ')})`;

/** Thrown (and caught) when a multi-row insert met an item that exists: the exact path takes over. */
const SOME_EXISTED = Symbol('some items existed');

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
 * The insert of a campaign opening's items, run inside the caller's write transaction. Fast
 * path: multi-row INSERT OR IGNOREs (a campaign opening inserts items that are all new). Each
 * row adds one change or none, so changes equal to the row count prove every row went in; when
 * fewer went in (a resumed or concurrent opening met items that exist), the fast attempt is
 * rolled back to its savepoint and the items are inserted one by one, which tells exactly which
 * ones this call inserted (their events, and no others, are then appended).
 */
export function createReviewItemInserter(db: Database.Database): ReviewItemInserter {
  const insertOne = db.prepare<unknown[]>(INSERT_SQL + ROW_PLACEHOLDERS);
  const insertMany = db.prepare<unknown[]>(INSERT_SQL + Array.from({ length: INSERT_ROWS }, () => ROW_PLACEHOLDERS).join(', '));
  const row: unknown[] = new Array(COLUMNS);
  const rows: unknown[] = new Array(INSERT_ROWS * COLUMNS);
  // Nested in the caller's transaction, better-sqlite3 runs this one as a savepoint.
  const allNew = db.transaction((items: readonly ReviewItem[]) => {
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
    if (changes !== items.length) throw SOME_EXISTED;
  });
  return (items) => {
    if (!db.inTransaction) throw new Error('review items are inserted inside the transaction that appends their events');
    try {
      allNew(items);
      return items.slice();
    } catch (error) {
      if (error !== SOME_EXISTED) throw error;
    }
    const inserted: ReviewItem[] = [];
    for (const item of items) {
      toRow(item, row, 0);
      if (insertOne.run(row).changes === 1) inserted.push(item);
    }
    return inserted;
  };
}
