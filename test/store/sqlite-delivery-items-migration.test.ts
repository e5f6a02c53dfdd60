/**
 * Migration 17 (the review pages by item): deliveries written before it are found by their
 * items afterwards, and the item lookup uses the index, not a scan of the campaign's pages.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { MIGRATIONS, migrate } from '../../src/store/sqlite/migrations.js';
import { DELIVERIES_SHOWING_SQL } from '../../src/store/sqlite/sqlite-delivery-store.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { delivery } from './store-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'iam-migration-17-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('migration 17 indexes the items of the deliveries stored before it', async () => {
  const file = join(dir, 'old.db');
  const db = new Database(file);
  migrate(db, MIGRATIONS.filter((m) => m.version < 17));
  const add = db.prepare(`INSERT INTO deliveries (id, campaign_id, recipient, kind, key, state, channel, ts, attempts, error, updated_at, payload)
    VALUES (@id, @campaignId, @recipient, @kind, @key, @state, @channel, @ts, @attempts, @error, @updatedAt, @payload)`);
  const pages = [
    delivery('c1', 'U01', '1', { state: 'sent', payload: { itemIds: ['i1', 'i2', 'it\u001fem "quoted"'] } }),
    delivery('c1', 'U02', '1', { state: 'sent', payload: { itemIds: ['i2'] } }),
    delivery('c1', 'U03', '1', { state: 'sent', payload: { itemIds: 'i1' } }),
    delivery('c1', 'U04', 'r', { kind: 'reminder', payload: {} }),
  ];
  for (const d of pages) add.run({ ...d, payload: JSON.stringify(d.payload) });
  db.close();

  const store = openSqliteStore({ file });
  const showing = async (items: string[]) => (await store.deliveries.list({ campaignId: 'c1', showingItems: items })).map((d) => d.id);
  expect(await showing(['i1'])).toEqual([pages[0]!.id]);
  expect(await showing(['i2'])).toEqual([pages[0]!.id, pages[1]!.id]);
  expect(await showing(['it\u001fem "quoted"'])).toEqual([pages[0]!.id]);
  await store.close();

  const raw = new Database(file, { readonly: true });
  const plan = raw.prepare(`EXPLAIN QUERY PLAN ${DELIVERIES_SHOWING_SQL}`).all({ items: '["i1"]', campaignId: 'c1', recipient: null, kind: 'review', state: 'sent' }) as { detail: string }[];
  raw.close();
  const details = plan.map((p) => p.detail).join('\n');
  expect(details).toMatch(/SEARCH delivery_items USING PRIMARY KEY \(item_id=\?\)/);
  expect(details).not.toMatch(/SCAN deliveries/);
});
