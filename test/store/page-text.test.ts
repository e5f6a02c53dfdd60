/**
 * Pages read as text (page-text.ts) decode to exactly what the column query returns, for
 * awkward values too; a page whose text would not decode (a value holds the separator) is
 * read as rows instead, and nothing else changes. Runs the real page reader thread on a real
 * SQLite file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { FieldCursor, OffsetFields, PageColumn } from '../../src/store/sqlite/page-text.js';
import { PAGE_TEXT_ROWS, pageColumnsSql, pageTextOffsets } from '../../src/store/sqlite/page-text.js';
import { ITEMS_WITH_DECISIONS_PAGE_COLUMNS as COLUMNS, ITEMS_WITH_DECISIONS_PAGE_REST as REST } from '../../src/store/sqlite/sqlite-campaign-store.js';
import type { RawPage } from '../../src/store/sqlite/sqlite-page-reader.js';
import { SqlitePageReader } from '../../src/store/sqlite/sqlite-page-reader.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const root = mkdtempSync(join(tmpdir(), 'iam-page-text-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const CAMPAIGN = 'r:2026-Q4';
const END = `${CAMPAIGN}0`;

/** Values that an encoding could confuse: empty, the mark, separators' neighbours, non-ASCII, CSV specials. */
const AWKWARD = ['', '.', '..x', 'a,b', 'say "hi"', 'two\nlines', '\u001e', 'é ü 𝄞 \u2028', '=SUM(A1)', ' padded '];

interface Row {
  n: number;
  identity: string | null;
  scope: string;
  decided: boolean;
  email: string | null;
  justification: string | null;
}

/** A store file with `rows` items of one campaign, some decided, with awkward values. */
async function seed(file: string, rows: Row[]): Promise<void> {
  await openSqliteStore({ file }).close(); // creates the schema
  const db = new Database(file);
  db.prepare(`INSERT INTO campaigns (id, review_id, period, name, state, opened_at, due_at, closed_at, opened_by) VALUES (?, 'r', '2026-Q4', 'R', 'open', '2026-10-01T00:00:00.000Z', '2026-10-15T00:00:00.000Z', NULL, 'cli')`).run(CAMPAIGN);
  const item = db.prepare(`INSERT INTO review_items (id, campaign_id, grant_id, system_id, account_id, role, scope, identity_id, reviewer_id, reviewer_source, state, findings, last_activity_at, decision_id, updated_at)
    VALUES (?, ?, ?, 'trading', ?, 'TRADER', ?, ?, 'boss', 'manager', ?, ?, ?, ?, '2026-10-02T00:00:00.000Z')`);
  const decision = db.prepare(`INSERT INTO decisions (id, item_id, campaign_id, outcome, reviewer_id, reviewer_email, reviewer_slack_id, channel, justification, decided_at, findings_at_decision, simulated, operator, approve_all, stage)
    VALUES (?, ?, ?, 'revoke', 'boss', ?, NULL, 'slack', ?, '2026-10-03T00:00:00.000Z', '[{"type":"dormant"}]', 1, ?, ?, ?)`);
  const later = db.prepare(`UPDATE review_items SET detail = '{"expiresAt":"2027-01-01"}', stage = 2 WHERE id = ?`);
  for (const r of rows) {
    const id = `${CAMPAIGN}/g_${String(r.n).padStart(4, '0')}`;
    item.run(id, CAMPAIGN, `g_${r.n}`, `acc-${r.n}`, r.scope, r.identity, r.decided ? 'revoked' : 'pending', r.n % 2 ? '[]' : '[{"type":"sod"}]', r.n % 3 ? null : '2026-09-01T00:00:00.000Z', r.decided ? id : null);
    // Every eighth item has a detail and is at stage 2, where it was decided through approve-all by an operator.
    const atStage2 = r.n % 8 === 1;
    if (atStage2) later.run(id);
    if (r.decided) decision.run(id, id, CAMPAIGN, r.email, r.justification, atStage2 ? 'ops@example.com' : null, atStage2 ? 1 : 0, atStage2 ? 2 : 1);
  }
  db.close();
}

function rowsOf(n: number, justification: (k: number) => string | null = (k) => AWKWARD[k % AWKWARD.length]!): Row[] {
  return Array.from({ length: n }, (_, k) => ({
    n: k,
    identity: k % 4 === 0 ? null : AWKWARD[k % AWKWARD.length]!,
    scope: AWKWARD[(k + 3) % AWKWARD.length]!,
    decided: k % 5 !== 0,
    email: k % 3 === 0 ? null : `p${k}@example.com`,
    justification: k % 7 === 0 ? null : justification(k),
  }));
}

/** A page's fields as rows of `width` values. */
function fieldsOf(page: RawPage, width: number): (string | null)[][] {
  const f: FieldCursor = page.fields;
  return Array.from({ length: page.rows }, () => {
    f.startRow();
    return Array.from({ length: width }, () => f.next());
  });
}

/**
 * What the column query returns for the same page, with 'joined' columns of a missing joined
 * row as '' (page-text.ts: their readers skip them), and numbers as decimal text.
 */
function expectedPage(db: Database.Database, columns: readonly PageColumn[], after: string, size: number): (string | null)[][] {
  const rows = db.prepare(pageColumnsSql(columns, REST)).raw().all(after, END, CAMPAIGN, size) as unknown[][];
  return rows.map((row) => row.map((v, c) => (v === null ? (columns[c]!.kind === 'joined' ? '' : null) : String(v))));
}

async function readAll(file: string, size: number): Promise<{ pages: RawPage[]; fields: (string | null)[][][] }> {
  const reader = new SqlitePageReader({ file, columns: COLUMNS, rest: REST, cacheKib: 1024, busyTimeoutMs: 1000 });
  const pages: RawPage[] = [];
  const fields: (string | null)[][][] = [];
  try {
    let after = `${CAMPAIGN}/`;
    for (;;) {
      const page = await reader.read([after, END, CAMPAIGN, size]);
      if (page.rows === 0) break;
      pages.push(page);
      fields.push(fieldsOf(page, COLUMNS.length));
      after = page.lastKey as string;
      if (page.rows < size) break;
    }
  } finally {
    await reader.close();
  }
  return { pages, fields };
}

describe('pages read as text', () => {
  it('decode to what the column query returns, across texts of PAGE_TEXT_ROWS rows and pages', async () => {
    const file = join(root, 'awkward.db');
    const size = PAGE_TEXT_ROWS * 2 + 7; // three texts a page, the last one short
    await seed(file, rowsOf(size * 2 + 5));
    const { pages, fields } = await readAll(file, size);
    expect(pages.map((p) => [p.rows, p.via])).toEqual([[size, 'text'], [size, 'text'], [5, 'text']]);
    const db = new Database(file, { readonly: true });
    let after = `${CAMPAIGN}/`;
    for (const [k, page] of pages.entries()) {
      expect(fields[k]).toEqual(expectedPage(db, COLUMNS, after, size));
      expect(page.lastKey).toBe(fields[k]!.at(-1)![0]);
      after = page.lastKey as string;
    }
    // The awkward values did travel: NULL and '' stay apart, the mark is not eaten.
    const all = fields.flat();
    const identity = COLUMNS.findIndex((c) => c.sql === 'i.identity_id');
    expect(new Set(all.map((r) => r[identity]))).toEqual(new Set([null, ...AWKWARD]));
    db.close();
  });

  it('released pages lend their offsets buffer to later pages, which still decode as the column query returns', async () => {
    const file = join(root, 'released.db');
    const size = PAGE_TEXT_ROWS + 3;
    await seed(file, rowsOf(size * 3 + 4));
    const reader = new SqlitePageReader({ file, columns: COLUMNS, rest: REST, cacheKib: 1024, busyTimeoutMs: 1000 });
    const db = new Database(file, { readonly: true });
    const buffers: number[] = [];
    try {
      let after = `${CAMPAIGN}/`;
      // Read one page ahead, as the store's readers do: a page is released while the next is in flight.
      let next: Promise<RawPage> | null = reader.read([after, END, CAMPAIGN, size]);
      while (next) {
        const page: RawPage = await next;
        next = page.rows === size ? reader.read([page.lastKey as string, END, CAMPAIGN, size]) : null;
        expect(fieldsOf(page, COLUMNS.length)).toEqual(expectedPage(db, COLUMNS, after, size));
        buffers.push((page.fields as OffsetFields).offsets.buffer.byteLength);
        after = page.lastKey as string;
        page.release();
      }
    } finally {
      await reader.close();
      db.close();
    }
    const full = size * COLUMNS.length * 2 * 4;
    // The third page's read carried the first page's buffer back; the last, short page (4 rows)
    // is written into the second's, not into a new buffer of its size.
    expect(buffers).toEqual([full, full, full, full]);
  });

  it('a page whose text would not decode (a value holds U+001F) is read as rows; the other pages still as text', async () => {
    const file = join(root, 'separator.db');
    const size = 40;
    await seed(file, rowsOf(120, (k) => (k === 57 ? 'moved\u001fteam' : `reason ${k}`)));
    const { pages, fields } = await readAll(file, size);
    expect(pages.map((p) => p.via)).toEqual(['text', 'rows', 'text']);
    const db = new Database(file, { readonly: true });
    const justification = COLUMNS.findIndex((c) => c.sql === 'd.justification');
    expect(fields[1]!.map((r) => r[justification])).toContain('moved\u001fteam');
    // Rows read as rows keep NULL for a missing decision's columns; every other value is the column query's.
    const rows = db.prepare(pageColumnsSql(COLUMNS, REST)).raw().all(pages[0]!.lastKey, END, CAMPAIGN, size) as unknown[][];
    expect(fields[1]).toEqual(rows.map((row) => row.map((v) => (v === null ? null : String(v)))));
    db.close();
  });

  it('the store streams every item with its decision, as stored, through the page reader', async () => {
    const file = join(root, 'store.db');
    await seed(file, rowsOf(90, (k) => (k === 11 ? 'a\u001fb' : AWKWARD[k % AWKWARD.length]!)));
    const fromFile = openSqliteStore({ file });
    const items = [];
    for await (const batch of fromFile.campaigns.itemsWithDecisions(CAMPAIGN, 25)) items.push(...batch);
    await fromFile.close();
    expect(items).toHaveLength(90);
    const db = new Database(file, { readonly: true });
    const byId = new Map((db.prepare('SELECT * FROM decisions').all() as { item_id: string; justification: string | null; reviewer_email: string | null }[]).map((d) => [d.item_id, d]));
    for (const { item, decision } of items) {
      const d = byId.get(item.id);
      expect(decision?.justification ?? null).toBe(d?.justification ?? null);
      expect(decision?.reviewerEmail ?? null).toBe(d?.reviewer_email ?? null);
      expect(decision === null).toBe(d === undefined);
    }
    expect(items.map((x) => x.item.id)).toEqual([...items.map((x) => x.item.id)].sort());
    db.close();
  });
});

describe('item states (the reconciliation\'s read)', () => {
  it('are the items with their decisions as itemsWithDecisions reads them, in the fields the reconciliation compares', async () => {
    const file = join(root, 'states.db');
    await seed(file, rowsOf(70, (k) => (k === 23 ? 'a\u001fb' : AWKWARD[k % AWKWARD.length]!)));
    const store = openSqliteStore({ file });
    const whole = [];
    for await (const batch of store.campaigns.itemsWithDecisions(CAMPAIGN, 25)) whole.push(...batch);
    const states = [];
    for await (const batch of store.campaigns.itemStatesWithDecisions(CAMPAIGN, 25)) states.push(...batch);
    await store.close();
    expect(states).toHaveLength(70);
    expect(whole.some((x) => x.item.findings.length > 0 && (x.decision?.findingsAtDecision.length ?? 0) > 0)).toBe(true);
    // The fields given are ItemStateWithDecision's, each as itemsWithDecisions has it (absent where it is absent).
    const pick = <T extends object>(o: T, keys: readonly (keyof T)[]) => Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
    const compared = whole.map(({ item, decision }) => ({
      item: pick(item, ['id', 'grantId', 'systemId', 'accountId', 'role', 'reviewerId', 'reviewerSource', 'state', 'detail', 'stage']),
      decision: decision && pick(decision, ['id', 'outcome', 'reviewerId', 'channel', 'justification', 'simulated', 'operator', 'approveAll', 'stage']),
    }));
    expect(states).toStrictEqual(compared);
    expect(states.some((x) => x.item.detail !== undefined && x.item.stage !== undefined && x.decision?.approveAll === true && x.decision.stage !== undefined)).toBe(true);
  });
});

describe('pageTextOffsets', () => {
  const S = '\u001f';

  it('finds each field, skips the mark of nullable values and gives -1 for NULL', () => {
    const page = pageTextOffsets([[2, ['a', '.x', '', 'b', '', '.'].join(S)]], [false, true, false]);
    expect(page).not.toBeNull();
    const text = ['a', '.x', '', 'b', '', '.'].join(S);
    const values = [];
    for (let k = 0; k < page!.offsets.length; k += 2) values.push(page!.offsets[k]! < 0 ? null : text.slice(page!.offsets[k], page!.offsets[k + 1]));
    expect(values).toEqual(['a', 'x', '', 'b', null, '.']); // a 'text' column keeps a leading mark
    expect(page!.lastKey).toBe('b');
  });

  it('refuses a text with a field too many or too few, and keys that do not ascend within or across texts', () => {
    expect(pageTextOffsets([[1, ['a', 'b', 'c'].join(S)]], [false, false])).toBeNull();
    expect(pageTextOffsets([[2, ['a', 'b', 'c'].join(S)]], [false, false])).toBeNull();
    expect(pageTextOffsets([[2, ['b', '1', 'a', '2'].join(S)]], [false, false])).toBeNull();
    expect(pageTextOffsets([[1, ['b', '1'].join(S)], [1, ['a', '2'].join(S)]], [false, false])).toBeNull();
    expect(pageTextOffsets([[1, ['a', '1'].join(S)], [1, ['b', '2'].join(S)]], [false, false])).toMatchObject({ rows: 2, lastKey: 'b' });
  });

  it('compares an integer key as a number (9 before 10), gives the last one as a number, and refuses one that is not a number', () => {
    const rows = (...keys: string[]) => [[keys.length, keys.flatMap((k) => [k, 'x']).join(S)] as const];
    const alloc = (n: number) => new Int32Array(n);
    expect(pageTextOffsets(rows('9', '10'), [false, false], alloc, true)).toMatchObject({ rows: 2, lastKey: 10 });
    expect(pageTextOffsets(rows('9', '10'), [false, false])).toBeNull();
    expect(pageTextOffsets(rows('10', '9'), [false, false], alloc, true)).toBeNull();
    expect(pageTextOffsets(rows('9', 'x'), [false, false], alloc, true)).toBeNull();
    expect(pageTextOffsets([], [false, false], alloc, true)).toMatchObject({ rows: 0, lastKey: null });
  });
});
