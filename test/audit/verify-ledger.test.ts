/**
 * Tamper tests on a real SQLite file: an attacker with database access drops the append-only
 * triggers (exactly what they would have to do) and edits, deletes or reorders events;
 * verifyLedger must name the first bad seq each time.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCheckpoint, verifyLedger } from '../../src/audit/verify-ledger.js';
import type { LedgerEventInput } from '../../src/domain/index.js';
import { hashEvent } from '../../src/domain/index.js';
import type { Store } from '../../src/store/ports.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const root = mkdtempSync(join(tmpdir(), 'iam-ledger-tamper-'));
let n = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

const input = (i: number): LedgerEventInput => ({ type: i % 3 === 0 ? 'decision.recorded' : 'item.assigned', actor: `reviewer-${i % 4}@firm.li`, subject: `c:2026-Q4/g_${i}`, data: { i, nested: { outcome: i % 2 ? 'approve' : 'revoke' } }, at: new Date(Date.UTC(2026, 9, 1, 0, i)).toISOString() });

/** A ledger file with `count` events, appended in batches of 7, closed again. */
async function ledgerFile(count = 30): Promise<string> {
  const file = join(root, `l${++n}.db`);
  const store = openSqliteStore({ file });
  for (let from = 1; from <= count; from += 7) {
    await store.ledger.append(Array.from({ length: Math.min(7, count - from + 1) }, (_, k) => input(from + k)));
  }
  await store.close();
  return file;
}

/** Opens the raw file as an attacker: the triggers that refuse UPDATE and DELETE are dropped first. */
function tamper(file: string, sql: string, ...params: unknown[]): void {
  const db = new Database(file);
  db.exec('DROP TRIGGER IF EXISTS ledger_events_no_update; DROP TRIGGER IF EXISTS ledger_events_no_delete;');
  db.prepare(sql).run(...params);
  db.close();
}

async function batchesOf<T>(pages: AsyncIterable<T[]>): Promise<T[][]> {
  const out: T[][] = [];
  for await (const page of pages) out.push(page);
  return out;
}

async function verifyFile(file: string, opts: Parameters<typeof verifyLedger>[1] = {}) {
  const store = openSqliteStore({ file });
  try {
    return await verifyLedger(store.ledger, { batchSize: 4, ...opts });
  } finally {
    await store.close();
  }
}

describe('verifyLedger on a real SQLite file', () => {
  it('an untouched ledger verifies, in batches, up to its head', async () => {
    const file = await ledgerFile();
    const r = await verifyFile(file);
    expect(r).toMatchObject({ ok: true, checked: 30, break: null, last: { seq: 30 } });
    expect(await verifyFile(file, { from: 11 })).toMatchObject({ ok: true, checked: 20, from: 11 });
  });

  it('the triggers really refuse tampering until they are dropped', async () => {
    const file = await ledgerFile(3);
    const db = new Database(file);
    expect(() => db.prepare("UPDATE ledger_events SET actor = 'mallory' WHERE seq = 2").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM ledger_events WHERE seq = 2').run()).toThrow(/append-only/);
    db.close();
  });

  it.each([
    ['actor', "UPDATE ledger_events SET actor = 'mallory@firm.li' WHERE seq = 13"],
    ['type', "UPDATE ledger_events SET type = 'campaign.closed' WHERE seq = 13"],
    ['at', "UPDATE ledger_events SET at = '2026-01-01T00:00:00.000Z' WHERE seq = 13"],
    ['data', `UPDATE ledger_events SET data = json_set(data, '$.nested.outcome', 'granted') WHERE seq = 13`],
    ['subject', "UPDATE ledger_events SET subject = 'c:2026-Q4/other' WHERE seq = 13"],
  ])('one modified field (%s) of one event: names that seq', async (_field, sql) => {
    const file = await ledgerFile();
    tamper(file, sql);
    const r = await verifyFile(file);
    expect(r.ok).toBe(false);
    expect(r.break).toEqual({ seq: 13, reason: 'content does not match its hash (modified)' });
    expect(r.last?.seq).toBe(12);
  });

  it('a modified event whose hash was recomputed too: the next event names the broken link', async () => {
    const file = await ledgerFile();
    const store = openSqliteStore({ file });
    const [e] = await store.ledger.query({ subject: 'c:2026-Q4/g_13' });
    await store.close();
    const forged = { ...e!, actor: 'mallory@firm.li' };
    tamper(file, 'UPDATE ledger_events SET actor = ?, hash = ? WHERE seq = 13', forged.actor, hashEvent(forged, forged.prevHash));
    expect((await verifyFile(file)).break).toEqual({ seq: 14, reason: 'prevHash does not match the hash of seq 13' });
  });

  it('a deleted event is a gap: names the missing seq', async () => {
    const file = await ledgerFile();
    tamper(file, 'DELETE FROM ledger_events WHERE seq = 9');
    expect((await verifyFile(file)).break).toEqual({ seq: 9, reason: 'seq 9 is missing (next stored is 10)' });
  });

  it('a deleted event at a batch boundary and the first event are found too', async () => {
    const file = await ledgerFile();
    tamper(file, 'DELETE FROM ledger_events WHERE seq = 5'); // batch size 4: the first of the second batch
    expect((await verifyFile(file)).break?.seq).toBe(5);
    const first = await ledgerFile();
    tamper(first, 'DELETE FROM ledger_events WHERE seq = 1');
    expect((await verifyFile(first)).break).toEqual({ seq: 1, reason: 'seq 1 is missing (next stored is 2)' });
  });

  it('two events swapped (their content exchanged): names the first of them', async () => {
    const file = await ledgerFile();
    tamper(file, `UPDATE ledger_events SET
      at = CASE seq WHEN 17 THEN (SELECT at FROM ledger_events WHERE seq = 18) ELSE (SELECT at FROM ledger_events WHERE seq = 17) END,
      type = CASE seq WHEN 17 THEN (SELECT type FROM ledger_events WHERE seq = 18) ELSE (SELECT type FROM ledger_events WHERE seq = 17) END,
      actor = CASE seq WHEN 17 THEN (SELECT actor FROM ledger_events WHERE seq = 18) ELSE (SELECT actor FROM ledger_events WHERE seq = 17) END,
      subject = CASE seq WHEN 17 THEN (SELECT subject FROM ledger_events WHERE seq = 18) ELSE (SELECT subject FROM ledger_events WHERE seq = 17) END,
      data = CASE seq WHEN 17 THEN (SELECT data FROM ledger_events WHERE seq = 18) ELSE (SELECT data FROM ledger_events WHERE seq = 17) END,
      prev_hash = CASE seq WHEN 17 THEN (SELECT prev_hash FROM ledger_events WHERE seq = 18) ELSE (SELECT prev_hash FROM ledger_events WHERE seq = 17) END,
      hash = CASE seq WHEN 17 THEN (SELECT hash FROM ledger_events WHERE seq = 18) ELSE (SELECT hash FROM ledger_events WHERE seq = 17) END
      WHERE seq IN (17, 18)`);
    expect((await verifyFile(file)).break).toEqual({ seq: 17, reason: 'prevHash does not match the hash of seq 16' });
  });

  it('two events renumbered (seq values exchanged): names the first of them', async () => {
    const file = await ledgerFile();
    tamper(file, 'UPDATE ledger_events SET seq = -1 WHERE seq = 21');
    tamper(file, 'UPDATE ledger_events SET seq = 21 WHERE seq = 22');
    tamper(file, 'UPDATE ledger_events SET seq = 22 WHERE seq = -1');
    expect((await verifyFile(file)).break?.seq).toBe(21);
  });

  it('data rewritten as another spelling of the same JSON still verifies (the hash is defined on its canonical form); other data does not', async () => {
    const file = await ledgerFile();
    // Same data, keys reordered and spaced: the stored text's own hash differs, its canonical form's does not.
    tamper(file, 'UPDATE ledger_events SET data = ? WHERE seq = 12', ' { "nested": { "outcome": "revoke" }, "i": 12 } ');
    expect(await verifyFile(file)).toMatchObject({ ok: true, checked: 30 });
    tamper(file, 'UPDATE ledger_events SET data = ? WHERE seq = 13', '{"i":13,"nested":{"outcome":"revoke"}}');
    expect((await verifyFile(file)).break).toEqual({ seq: 13, reason: 'content does not match its hash (modified)' });
  });

  it('values holding U+001F (the separator of the rows read as one text) read as stored and verify; their pages are read as columns', async () => {
    const file = join(root, `l${++n}.db`);
    const store = openSqliteStore({ file });
    const odd = (i: number): LedgerEventInput => (i % 5 === 0 ? { ...input(i), actor: `a\u001fb${i}`, subject: `c\u001f${i}\u001f`, data: { text: '\u001f', i } } : input(i));
    await store.ledger.append(Array.from({ length: 30 }, (_, k) => odd(k + 1)));
    const read = (await batchesOf(store.ledger.read(1, 30, 4))).flat();
    const stored = (await batchesOf(store.ledger.readStored(1, 30, 4))).flat();
    await store.close();
    expect(stored.map(({ dataJson, ...e }) => ({ ...e, data: JSON.parse(dataJson) as unknown }))).toEqual(read);
    expect(stored.filter((e) => e.actor.includes('\u001f') && e.subject.includes('\u001f'))).toHaveLength(6);
    expect(await verifyFile(file)).toMatchObject({ ok: true, checked: 30 });
    tamper(file, "UPDATE ledger_events SET actor = 'mallory' WHERE seq = 11");
    expect((await verifyFile(file)).break).toEqual({ seq: 11, reason: 'content does not match its hash (modified)' });
  });

  it('a value stored as another type than text (a BLOB of the same bytes, a number) is judged as when rows were read as columns', async () => {
    // Not text: a break, though a BLOB holds the very bytes of the text (the row as one text would hide that).
    for (const edit of ['actor = CAST(actor AS BLOB)', 'subject = CAST(subject AS BLOB)', 'hash = CAST(hash AS BLOB)', 'at = 20261001']) {
      const file = await ledgerFile();
      tamper(file, `UPDATE ledger_events SET ${edit} WHERE seq = 13`);
      const r = await verifyFile(file);
      expect(r.ok, edit).toBe(false);
      expect(r.break?.seq, edit).toBe(13);
    }
    // The data is parsed when its stored form is not the text hashed: a BLOB of the same JSON parses to the same data.
    const file = await ledgerFile();
    tamper(file, 'UPDATE ledger_events SET data = CAST(data AS BLOB) WHERE seq = 13');
    expect(await verifyFile(file)).toMatchObject({ ok: true, checked: 30 });
  });

  it('data edited into invalid JSON is reported as a break, not a crash', async () => {
    const file = await ledgerFile();
    tamper(file, "UPDATE ledger_events SET data = '{broken' WHERE seq = 26");
    const r = await verifyFile(file, { batchSize: 1 });
    expect(r.ok).toBe(false);
    expect(r.break?.seq).toBe(26);
    expect(r.break?.reason).toMatch(/unreadable/);
  });

  it('--from: a break before the anchor is out of scope, a modified anchor or a break after it is found', async () => {
    const file = await ledgerFile();
    tamper(file, "UPDATE ledger_events SET actor = 'mallory' WHERE seq = 7");
    expect((await verifyFile(file, { from: 9 })).ok).toBe(true);
    expect((await verifyFile(file, { from: 8 })).break).toEqual({ seq: 7, reason: 'content does not match its hash (modified)' });
    expect((await verifyFile(file, { from: 3 })).break?.seq).toBe(7);
  });

  it('a truncated tail keeps an intact chain; a checkpoint from `audit head` catches it', async () => {
    const file = await ledgerFile();
    const store = openSqliteStore({ file });
    const head = (await store.ledger.head())!;
    await store.close();
    tamper(file, 'DELETE FROM ledger_events WHERE seq >= 29');
    expect((await verifyFile(file)).ok).toBe(true);
    const r = await verifyFile(file, { checkpoint: parseCheckpoint(`${head.seq}:${head.hash}`)! });
    expect(r.break).toMatchObject({ seq: 30 });
    expect(r.break?.reason).toMatch(/deleted from the end/);
  });

  it('parseCheckpoint accepts SEQ:HASH only', () => {
    expect(parseCheckpoint(`12:${'a'.repeat(64)}`)).toEqual({ seq: 12, hash: 'a'.repeat(64) });
    expect(parseCheckpoint('12:abc')).toBeNull();
    expect(parseCheckpoint('x')).toBeNull();
  });
});

describe('concurrent appenders on one file', () => {
  it('two store instances appending interleaved batches never fork the chain', async () => {
    const file = join(root, `race-${++n}.db`);
    const a: Store = openSqliteStore({ file });
    const b: Store = openSqliteStore({ file });
    await Promise.all(Array.from({ length: 40 }, (_, k) => (k % 2 ? a : b).ledger.append([input(k), input(k + 100)])));
    const r = await verifyLedger(a.ledger);
    expect(r).toMatchObject({ ok: true, checked: 80 });
    const seen = new Set<string>();
    for await (const batch of b.ledger.read()) for (const e of batch) seen.add(e.prevHash);
    expect(seen.size).toBe(80); // no two events chained onto the same predecessor
    await a.close();
    await b.close();
  });

  it('two processes appending at once never fork the chain', async () => {
    const file = join(root, `race-${++n}.db`);
    await openSqliteStore({ file }).close();
    const script = fileURLToPath(new URL('../store/sqlite-ledger-appender.ts', import.meta.url));
    const exits = ['p1', 'p2'].map((w) => new Promise<number | null>((resolve, reject) => {
      const child = fork(script, [file, '60', w], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
      child.on('error', reject);
      child.on('exit', resolve);
    }));
    expect(await Promise.all(exits)).toEqual([0, 0]);
    const store = openSqliteStore({ file });
    expect(await verifyLedger(store.ledger)).toMatchObject({ ok: true, checked: 120 });
    await store.close();
  });
});
