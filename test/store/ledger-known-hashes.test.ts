/**
 * Existing ledgers keep verifying: a fixed event list gets exactly its pinned hashes through
 * the SQLite store (append, read back, verify), through the MongoDB adapter's chaining and
 * document mapping (server-less: what is checkable without a server), and through a plain
 * JSON.stringify reference of the documented hash definition.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/audit/verify-ledger.js';
import { eventBody, GENESIS_HASH, hashEvent } from '../../src/domain/index.js';
import type { LedgerEvent } from '../../src/domain/index.js';
import { chainEvents } from '../../src/store/mongo/ledger-queries.js';
import { ledgerEventDoc, toLedgerEvent } from '../../src/store/mongo/ledger-event-schema.js';
import type { LedgerEventDoc } from '../../src/store/mongo/ledger-event-schema.js';
import { createModels } from '../../src/store/mongo/mongo-models.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { FIRST_BODY, KNOWN_HASHES, KNOWN_INPUTS } from './known-ledger.js';

const root = mkdtempSync(join(tmpdir(), 'iam-known-hashes-'));
// Models on a connection that is never opened: documents and validation need no server.
const connection = mongoose.createConnection();
const models = createModels(connection);

afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await connection.close();
});

const hashes = (events: readonly LedgerEvent[]) => events.map((e) => e.hash);
/** Each event's hash recomputed from its content (as verification does). */
const recomputed = (events: readonly LedgerEvent[]) => events.map((e) => hashEvent(e, e.prevHash));

/**
 * The definition, written independently: JSON.parse(JSON.stringify(v)) (dates as ISO strings,
 * undefined members dropped, -0 as 0), then JSON with every object's keys in sort() order.
 */
function referenceJson(value: unknown): string {
  const write = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(write).join(',')}]`;
    if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${write((v as Record<string, unknown>)[k])}`).join(',')}}`;
    return JSON.stringify(v);
  };
  return write(JSON.parse(JSON.stringify(value)));
}

describe('ledger hashes of a fixed event list', () => {
  it('match the pinned hashes by the definition itself (SHA-256 of sorted-key JSON + prevHash)', () => {
    let prev = GENESIS_HASH;
    const out: string[] = [];
    for (const [k, input] of KNOWN_INPUTS.entries()) {
      const { type, actor, subject, data, at } = input;
      const body = referenceJson({ seq: k + 1, at, type, actor, subject, data });
      if (k === 0) expect(body).toBe(FIRST_BODY);
      prev = createHash('sha256').update(body + prev, 'utf8').digest('hex');
      out.push(prev);
    }
    expect(out).toEqual(KNOWN_HASHES);
  });

  it('are what the SQLite store appends, stores and verifies', async () => {
    const store = openSqliteStore({ file: join(root, 'known.db') });
    // Two appends: the second chains onto the head the first left.
    const appended = [...(await store.ledger.append(KNOWN_INPUTS.slice(0, 3))), ...(await store.ledger.append(KNOWN_INPUTS.slice(3)))];
    expect(hashes(appended)).toEqual(KNOWN_HASHES);
    expect(eventBody(appended[0]!)).toBe(FIRST_BODY);
    const read: LedgerEvent[] = [];
    for await (const page of store.ledger.read(1, Number.MAX_SAFE_INTEGER, 3)) read.push(...page);
    expect(hashes(read)).toEqual(KNOWN_HASHES);
    expect(recomputed(read)).toEqual(KNOWN_HASHES);
    expect(await verifyLedger(store.ledger, { batchSize: 2 })).toMatchObject({ ok: true, checked: KNOWN_HASHES.length });
    await store.close();
  });

  it('are what the MongoDB adapter chains and what its stored documents verify to', async () => {
    expect(hashes(chainEvents(KNOWN_INPUTS, null))).toEqual(KNOWN_HASHES);
    const first = chainEvents(KNOWN_INPUTS.slice(0, 3), null);
    const rest = chainEvents(KNOWN_INPUTS.slice(3), { seq: 3, hash: first[2]!.hash });
    const events = [...first, ...rest];
    expect(hashes(events)).toEqual(KNOWN_HASHES);
    expect(eventBody(events[0]!)).toBe(FIRST_BODY);
    // The documents as mongoose would store them, mapped back as a read maps them.
    const stored: LedgerEvent[] = [];
    for (const e of events) {
      const doc = new models.ledgerEvents(ledgerEventDoc(e));
      await doc.validate();
      stored.push(toLedgerEvent(doc.toObject() as LedgerEventDoc));
    }
    expect(recomputed(stored)).toEqual(KNOWN_HASHES);
  });
});
