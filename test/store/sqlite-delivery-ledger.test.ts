/**
 * A fault at the ledger insert itself, inside a delivery outcome's transaction (SQLite): a
 * trigger, created through the test's own connection to the store's file, raises when a given
 * seq is inserted. The outcome's state writes, already done in that transaction, roll back with it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/store/ports.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { at, batchesOf, delivery } from './store-fixtures.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function storeFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'iam-delivery-ledger-'));
  dirs.push(dir);
  return join(dir, 'iam-review.db');
}

/** Makes the insert of ledger event `seq` fail, through a connection of the test's own. */
function failLedgerInsertAt(file: string, seq: number): () => void {
  const db = new Database(file);
  db.exec(`CREATE TRIGGER inject_ledger_fault BEFORE INSERT ON ledger_events WHEN NEW.seq = ${seq} BEGIN SELECT RAISE(ABORT, 'injected ledger fault'); END`);
  return () => {
    db.exec('DROP TRIGGER inject_ledger_fault');
    db.close();
  };
}

const reminderSent = (d: Delivery) => ({ type: 'reminder.sent', actor: 'bot', subject: d.id, data: { campaignId: d.campaignId, channel: d.channel, ts: d.ts } });

describe('sqlite deliveries: a failing ledger insert', () => {
  it('rolls back the whole updateMany: no delivery changed, no event, not even the ones inserted before the fault', async () => {
    const file = storeFile();
    const store = openSqliteStore({ file });
    const rows = ['c1', 'c2', 'c3'].map((c) => delivery(c, 'U01', '2026-11-27', { kind: 'reminder' }));
    for (const d of rows) await store.deliveries.claim(d);
    await store.ledger.append([{ type: 'config.loaded', actor: 'system', subject: 'config', data: {} }]);
    const restore = failLedgerInsertAt(file, 3); // the second of the three reminder.sent events
    const patch = { state: 'sent' as const, channel: 'D01', ts: '1.2', attempts: 1, error: null, updatedAt: at(1) };
    await expect(store.deliveries.updateMany(rows.map((d) => d.id), { state: 'claimed' }, patch, (changed) => changed.map(reminderSent))).rejects.toThrow('injected ledger fault');
    for (const d of rows) expect(await store.deliveries.get(d.id)).toEqual(d);
    expect((await batchesOf(store.ledger.read())).flat().map((e) => e.type)).toEqual(['config.loaded']);

    // Once the fault is gone the same outcome records all three, each with its event.
    restore();
    expect(await store.deliveries.updateMany(rows.map((d) => d.id), { state: 'claimed' }, patch, (changed) => changed.map(reminderSent))).toHaveLength(3);
    expect((await batchesOf(store.ledger.read())).flat().map((e) => [e.seq, e.type, e.subject])).toEqual([
      [1, 'config.loaded', 'config'],
      ...rows.map((d, n) => [n + 2, 'reminder.sent', d.id]),
    ]);
    await store.close();
  });

  it('rolls back a single update: the delivery stays claimed', async () => {
    const file = storeFile();
    const store = openSqliteStore({ file });
    const d = delivery('c1', 'U01', '1');
    await store.deliveries.claim(d);
    const restore = failLedgerInsertAt(file, 1);
    await expect(store.deliveries.update(d.id, { state: 'claimed' }, { state: 'failed', attempts: 1, error: 'ratelimited', updatedAt: at(1) }, (c) => [reminderSent(c)])).rejects.toThrow('injected ledger fault');
    expect(await store.deliveries.get(d.id)).toEqual(d);
    expect(await store.ledger.head()).toBeNull();
    restore();
    await store.close();
  });
});
