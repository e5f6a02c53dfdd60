/**
 * The SQLite reads an export streams through: each page is a range scan of a unique index
 * (never a sort of the whole campaign), and appended events hash exactly as the domain's
 * hashEvent defines (the store persists what the domain's chainLink builds).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/audit/verify-ledger.js';
import { chainEvent, hashEvent } from '../../src/domain/index.js';
import { openDatabase } from '../../src/store/sqlite/open-database.js';
import { pageTextSql } from '../../src/store/sqlite/page-text.js';
import { DECISIONS_RANGE_SQL, ITEMS_NEXT_PAGE_SQL, ITEMS_WITH_DECISIONS_PAGE_COLUMNS, ITEMS_WITH_DECISIONS_PAGE_REST } from '../../src/store/sqlite/sqlite-campaign-store.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const root = mkdtempSync(join(tmpdir(), 'iam-export-reads-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('export reads on SQLite', () => {
  it('pages items by a unique-index range scan and decisions by a range of their item-clustered table, without a sort', () => {
    const db = openDatabase({ memory: true });
    const plan = (sql: string, n: number) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...Array(n).fill('x')) as { detail: string }[]).map((r) => r.detail).join(' | ');
    expect(plan(ITEMS_NEXT_PAGE_SQL, 4)).toMatch(/^SEARCH i USING INDEX sqlite_autoindex_review_items_1 \(id>\? AND id<\?\)$/);
    expect(plan(DECISIONS_RANGE_SQL, 3)).toMatch(/^SEARCH decisions USING PRIMARY KEY \(item_id>\? AND item_id<\?\)$/);
    // The page reader's query: the same range scan joined by primary key, and no temporary
    // B-tree (its rows are joined into texts on the reader's thread, not grouped by SQLite).
    const text = plan(pageTextSql(ITEMS_WITH_DECISIONS_PAGE_COLUMNS, ITEMS_WITH_DECISIONS_PAGE_REST), 4);
    expect(text).toMatch(/^SEARCH i USING INDEX sqlite_autoindex_review_items_1 \(id>\? AND id<\?\) \| SEARCH d USING PRIMARY KEY \(item_id=\?\) LEFT-JOIN$/);
    expect(text).not.toContain('TEMP B-TREE');
    db.close();
  });

  it('appended events carry the hash and data chainEvent would give them, for awkward data too', async () => {
    const store = openSqliteStore({ file: join(root, 'hash.db') });
    const inputs = [
      { type: 't', actor: 'a"b', subject: 'ü/𝄞', data: { z: 1, a: [1, { y: null, b: 'x' }], u: undefined, e: '\u2028', n: -0.5 }, at: '2026-10-01T00:00:00.000Z' },
      { type: 't', actor: 'a', subject: 's', data: {}, at: '2026-10-01T00:00:01.000Z' },
    ];
    const stored = await store.ledger.append(inputs);
    let head: { seq: number; hash: string } | null = null;
    for (const [k, input] of inputs.entries()) {
      const expected = chainEvent(input, head);
      expect(stored[k]).toEqual(expected);
      expect(hashEvent(stored[k]!, stored[k]!.prevHash)).toBe(stored[k]!.hash);
      head = expected;
    }
    expect(await verifyLedger(store.ledger)).toMatchObject({ ok: true, checked: 2 });
    await store.close();
  });
});
