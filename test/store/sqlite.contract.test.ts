import { fork } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyRun } from '../../src/domain/index.js';
import { MIGRATIONS, migrate, SCHEMA_VERSION, userVersion } from '../../src/store/sqlite/migrations.js';
import { openDatabase } from '../../src/store/sqlite/open-database.js';
import { LEDGER_PAGE_SQL } from '../../src/store/sqlite/sqlite-ledger-store.js';
import { CHANGES_NEXT_PAGE_SQL, GRANTS_NEXT_PAGE_SQL, GRANTS_SCAN_PAGE_SQL } from '../../src/store/sqlite/sqlite-snapshot-store.js';
import { DECISIONS_OF_REVIEWER_SQL, LATER_STAGE_NEXT_PAGE_SQL, PENDING_NEXT_PAGE_SQL } from '../../src/store/sqlite/sqlite-campaign-store.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { batchesOf, change, finish, grants, snapshot, T0 } from './store-fixtures.js';
import { campaignLedgerContract } from './campaign-ledger-contract.js';
import { countContract } from './count-contract.js';
import { deliveriesLedgerContract } from './deliveries-ledger-contract.js';
import { findingLedgerContract } from './finding-ledger-contract.js';
import { kvLedgerContract } from './kv-ledger-contract.js';
import { snapshotDeltaContract } from './snapshot-delta-contract.js';
import { snapshotIdentityContract } from './snapshot-identity-contract.js';
import { snapshotLedgerContract } from './snapshot-ledger-contract.js';
import { sqliteWithLedgerFault } from './sqlite-ledger-fault.js';
import { findingRemediationsLedgerContract } from './finding-remediations-ledger-contract.js';
import { remediationLedgerContract } from './remediation-ledger-contract.js';
import { storeContract } from './store-contract.js';

const root = mkdtempSync(join(tmpdir(), 'iam-review-sqlite-'));
let files = 0;

/** A path to a database file in a directory that does not exist yet. */
function freshFile(): string {
  files++;
  return join(root, `case-${files}`, 'data', 'iam-review.db');
}

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

storeContract('sqlite', async () => openSqliteStore({ file: freshFile() }));
campaignLedgerContract('sqlite', async () => openSqliteStore({ file: freshFile() }));
deliveriesLedgerContract('sqlite', async () => openSqliteStore({ file: freshFile() }));
const faulty = sqliteWithLedgerFault(freshFile);
snapshotLedgerContract('sqlite', faulty.open, faulty.fault);
snapshotDeltaContract('sqlite', async () => openSqliteStore({ file: freshFile() }));
snapshotIdentityContract('sqlite', async () => openSqliteStore({ file: freshFile() }));
findingLedgerContract('sqlite', faulty.open, faulty.fault);
kvLedgerContract('sqlite', faulty.open, faulty.fault);
remediationLedgerContract('sqlite', async () => openSqliteStore({ file: freshFile() }));
countContract('sqlite', async () => openSqliteStore({ file: freshFile() }));
findingRemediationsLedgerContract('sqlite', async () => openSqliteStore({ file: freshFile() }));

describe('sqlite store', () => {
  it('creates the parent directory and opens the file in WAL mode with the expected pragmas', () => {
    const file = freshFile();
    const db = openDatabase({ file });
    try {
      expect(existsSync(file)).toBe(true);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });

  it('opens an in-memory store', async () => {
    const store = openSqliteStore({ memory: true });
    await store.kv.set('k', 'v');
    expect(await store.kv.get('k')).toBe('v');
    await store.close();
  });

  it('enforces foreign keys: changes of an unknown snapshot are refused', async () => {
    const store = openSqliteStore({ file: freshFile() });
    await expect(store.snapshots.appendChanges([change('missing', grants('vault', 1)[0]!, 'added')])).rejects.toThrow(/FOREIGN KEY/);
    await store.close();
  });

  it('refuses to update or delete ledger events (append-only table)', async () => {
    const file = freshFile();
    const store = openSqliteStore({ file });
    await store.ledger.append([{ type: 't', actor: 'a', subject: 's', data: {} }]);
    await store.close();
    const db = new Database(file);
    expect(() => db.prepare("UPDATE ledger_events SET actor = 'mallory'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM ledger_events').run()).toThrow(/append-only/);
    db.close();
  });

  describe('migrations', () => {
    it('versions the schema in user_version; re-opening an existing file keeps its data and chain', async () => {
      const file = freshFile();
      const first = openSqliteStore({ file });
      await first.kv.set('marker', 'kept');
      const [e1] = await first.ledger.append([{ type: 't', actor: 'a', subject: 's', data: { n: 1 } }]);
      await first.close();

      const raw = new Database(file, { readonly: true });
      expect(userVersion(raw)).toBe(SCHEMA_VERSION);
      raw.close();

      const second = openSqliteStore({ file });
      expect(await second.kv.get('marker')).toBe('kept');
      const [e2] = await second.ledger.append([{ type: 't', actor: 'a', subject: 's', data: { n: 2 } }]);
      expect(e2).toMatchObject({ seq: 2, prevHash: e1!.hash });
      await second.close();
    });

    it('applies each migration once, in order, and only the ones not applied yet', () => {
      const db = openDatabase({ file: freshFile() });
      const next = { version: SCHEMA_VERSION + 1, description: 'test', sql: 'CREATE TABLE migration_probe (x TEXT)' };
      expect(migrate(db, [next, ...MIGRATIONS])).toBe(SCHEMA_VERSION + 1);
      // Running again must not re-run CREATE TABLE (which would throw).
      expect(migrate(db, [...MIGRATIONS, next])).toBe(SCHEMA_VERSION + 1);
      expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'migration_probe'").pluck().get()).toBe(1);
      db.close();
    });

    it('migration 4 moves decisions into the item-clustered table intact, still never updated', async () => {
      const file = freshFile();
      mkdirSync(dirname(file), { recursive: true });
      const db = new Database(file);
      migrate(db, MIGRATIONS.filter((m) => m.version < 4));
      db.prepare(`INSERT INTO campaigns (id, review_id, period, name, state, opened_at, due_at, closed_at, opened_by) VALUES ('r:2026-Q4', 'r', '2026-Q4', 'R', 'open', '2026-10-01T00:00:00.000Z', '2026-10-15T00:00:00.000Z', NULL, 'cli')`).run();
      const item = db.prepare(`INSERT INTO review_items (id, campaign_id, grant_id, system_id, account_id, role, scope, identity_id, reviewer_id, reviewer_source, state, findings, last_activity_at, decision_id, updated_at)
        VALUES (?, 'r:2026-Q4', ?, 'trading', ?, 'TRADER', '', NULL, 'boss', 'manager', 'approved', '[]', NULL, ?, '2026-10-02T00:00:00.000Z')`);
      const decision = db.prepare(`INSERT INTO decisions (id, item_id, campaign_id, outcome, reviewer_id, reviewer_email, reviewer_slack_id, channel, justification, decided_at, findings_at_decision, simulated)
        VALUES (?, ?, 'r:2026-Q4', 'approve', 'boss', 'boss@example.com', NULL, 'cli', ?, ?, '[]', 0)`);
      // Decided in an order unrelated to item ids.
      for (const n of [3, 1, 2]) {
        const id = `r:2026-Q4/g_${n}`;
        item.run(id, `g_${n}`, `acc-${n}`, id);
        decision.run(id, id, `reason ${n}`, `2026-10-0${n + 2}T00:00:00.000Z`);
      }
      db.close();

      const store = openSqliteStore({ file });
      expect(await store.campaigns.decision('r:2026-Q4/g_2')).toMatchObject({ id: 'r:2026-Q4/g_2', justification: 'reason 2', reviewerEmail: 'boss@example.com' });
      expect((await store.campaigns.decisions('r:2026-Q4')).map((d) => d.itemId)).toEqual(['r:2026-Q4/g_1', 'r:2026-Q4/g_2', 'r:2026-Q4/g_3']);
      const pages = await batchesOf(store.campaigns.itemsWithDecisions('r:2026-Q4', 2));
      expect(pages.flat().map((x) => x.decision?.justification)).toEqual(['reason 1', 'reason 2', 'reason 3']);
      await store.close();
      const raw = new Database(file);
      expect(raw.prepare("SELECT sql FROM sqlite_master WHERE name = 'decisions'").pluck().get()).toMatch(/WITHOUT ROWID/);
      expect(() => raw.prepare("UPDATE decisions SET outcome = 'revoke'").run()).toThrow(/never updated/);
      raw.close();
    });

    it('refuses a database written by a newer schema version', async () => {
      const file = freshFile();
      await openSqliteStore({ file }).close();
      const raw = new Database(file);
      raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
      raw.close();
      expect(() => openSqliteStore({ file })).toThrow(/newer/);
    });
  });

  it('two connections to one file share one chain: the head is read inside each append', async () => {
    const file = freshFile();
    const a = openSqliteStore({ file });
    const b = openSqliteStore({ file });
    for (let n = 0; n < 10; n++) {
      await (n % 2 === 0 ? a : b).ledger.append([{ type: 't', actor: 'a', subject: 's', data: { n } }]);
    }
    const events = (await batchesOf(b.ledger.read())).flat();
    expect(verifyRun(events, null)).toMatchObject({ break: null, count: 10 });
    await a.close();
    await b.close();
  });

  it('four processes appending to one file at once never fork the chain', async () => {
    const file = freshFile();
    await openSqliteStore({ file }).close();
    const script = fileURLToPath(new URL('./sqlite-ledger-appender.ts', import.meta.url));
    const perWriter = 40;
    const exits = Array.from({ length: 4 }, (_, w) =>
      new Promise<number | null>((resolve, reject) => {
        const child = fork(script, [file, String(perWriter), `w${w}`], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
        child.on('error', reject);
        child.on('exit', resolve);
      }),
    );
    expect(await Promise.all(exits)).toEqual([0, 0, 0, 0]);
    const store = openSqliteStore({ file });
    const events = (await batchesOf(store.ledger.read())).flat();
    expect(verifyRun(events, null)).toMatchObject({ break: null, count: 4 * perWriter });
    await store.close();
  });

  describe('large snapshots', () => {
    it('pages by keyset over an index: every page is an index range scan without a sort', () => {
      const db = openDatabase({ memory: true });
      const plan = (sql: string, ...params: unknown[]) =>
        (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join(' | ');
      // A snapshot's view (system 1, version 2, its delta 3): the deltas and removals are listed once per page, not per row.
      const view = [1, 2, 2, 3, -1];
      expect(plan(GRANTS_NEXT_PAGE_SQL, 'vault', 1, 'g_0', ...view, 5000)).toMatch(
        /^SEARCH grants USING INDEX grants_by_system \(system_key=\? AND id>\?\) \| LIST SUBQUERY 1 \| SEARCH grant_deltas USING COVERING INDEX grant_deltas_by_system \(system_key=\? AND version<\?\) \| CREATE BLOOM FILTER \| LIST SUBQUERY 2 \| SEARCH grant_removals USING PRIMARY KEY \(delta_key=\?\) \| CREATE BLOOM FILTER$/,
      );
      // The snapshot's key from its id (one lookup), then the changes' primary key range (migration 13).
      expect(plan(CHANGES_NEXT_PAGE_SQL, 's1', 'g_0', 5000)).toMatch(/^SEARCH s USING COVERING INDEX sqlite_autoindex_snapshots_1 \(id=\?\) \| SEARCH c USING PRIMARY KEY \(snapshot_key=\? AND grant_id>\?\)$/);
      // The scan's rowid range is bounded on both sides (the snapshot's first and last rows).
      expect(plan(GRANTS_SCAN_PAGE_SQL, 'vault', 0, 10, 1, ...view, 5000)).toMatch(/^SEARCH grants USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\) \| LIST SUBQUERY 1 /);
      // expirePending's pages: a range of the item key, never a sort of the campaign's pending items.
      expect(plan(PENDING_NEXT_PAGE_SQL, 'c/', 'c0', 'c', 1000)).toMatch(/^SEARCH i USING INDEX sqlite_autoindex_review_items_1 \(id>\? AND id<\?\)$/);
      // The stage hand-off catch-up: a range of the partial index of the later-stage pending items alone (migration 16).
      expect(plan(LATER_STAGE_NEXT_PAGE_SQL, 'c', 'c/x', 1000)).toMatch(/^SEARCH i USING INDEX review_items_at_later_stage \(campaign_id=\? AND id>\?\)$/);
      // flagged-approval: one reviewer's decisions of both tables by their (campaign, reviewer) indexes, never the campaign's.
      expect(plan(DECISIONS_OF_REVIEWER_SQL, { campaignId: 'c', reviewerId: 'r' })).toMatch(
        /^MERGE \(UNION ALL\) \| LEFT \| SEARCH decisions USING INDEX decisions_by_reviewer \(campaign_id=\? AND reviewer_id=\?\) \| [^|]+ \| RIGHT \| SEARCH stage_decisions USING INDEX stage_decisions_by_reviewer \(campaign_id=\? AND reviewer_id=\?\) \| [^|]+$/,
      );
      expect(plan(LEDGER_PAGE_SQL, 1, 100, 1000)).toMatch(/^SEARCH ledger_events USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)$/);
      db.close();
    });

    it('streams 100k grants written in batches of 5k back in id order, 5k at a time', async () => {
      const store = openSqliteStore({ file: freshFile() });
      const total = 100_000;
      const batch = 5_000;
      await store.snapshots.create(snapshot('big', 'exchange', T0));
      for (let from = 0; from < total; from += batch) await store.snapshots.appendGrants('big', grants('exchange', batch, from));
      expect(await store.snapshots.finish('big', finish('complete'), () => [])).toBe(true);
      expect(await store.snapshots.countGrants('big')).toBe(total);

      let pages = 0;
      let seen = 0;
      let outOfOrder = 0;
      let previous = '';
      for await (const page of store.snapshots.grants('big', batch)) {
        pages++;
        expect(page.length).toBeLessThanOrEqual(batch);
        for (const g of page) {
          if (g.id <= previous) outOfOrder++;
          previous = g.id;
        }
        seen += page.length;
      }
      expect(pages).toBe(total / batch);
      expect(seen).toBe(total);
      expect(outOfOrder).toBe(0);
      await store.close();
    });

    it('scans a snapshot whose rows interleave with another one: every grant once, in batches, none of the other', async () => {
      const store = openSqliteStore({ file: freshFile() });
      await store.snapshots.create(snapshot('a', 'exchange', T0));
      await store.snapshots.create(snapshot('b', 'vault', T0));
      // Interleaved writes (two systems syncing at once); batches of 1,000+ go through the bulk worker.
      for (let from = 0; from < 6_000; from += 1_500) {
        await store.snapshots.appendGrants('a', grants('exchange', 1_500, from));
        await store.snapshots.appendGrants('b', grants('vault', 1_500, from));
      }
      expect(await store.snapshots.finish('a', finish('complete'), () => [])).toBe(true);
      expect(await store.snapshots.finish('b', finish('complete'), () => [])).toBe(true);
      for (const size of [1_000, 700]) {
        const seen = new Set<string>();
        const byId: string[] = [];
        for await (const page of store.snapshots.scanGrants('a', size)) {
          expect(page.length).toBeLessThanOrEqual(size);
          for (const g of page) {
            expect(g.systemId).toBe('exchange');
            seen.add(g.id);
          }
        }
        for await (const page of store.snapshots.grants('a', size)) byId.push(...page.map((g) => g.id));
        expect(seen.size).toBe(6_000);
        expect([...seen].sort()).toEqual(byId);
      }
      expect(await batchesOf(store.snapshots.scanGrants('missing'))).toEqual([]);
      await store.close();
    });
  });
});
