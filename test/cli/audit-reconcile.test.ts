/**
 * `audit verify` reconciles the state tables with the ledger, and `export` refuses a pack the
 * ledger does not back (issue #12, "audit verify reconciles state with the ledger"). The sample
 * firm goes through the demo once; each test edits a copy of its database directly (as an
 * attacker with write access to the file would) or appends to its ledger through the store.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { EXIT } from '../../src/cli/cli-error.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { captureIo } from '../helpers/capture-io.js';

const REPO = resolve(import.meta.dirname, '../..');
const root = mkdtempSync(join(tmpdir(), 'iam-reconcile-'));
const firm = join(root, 'firm');
const CAMPAIGN_PREFIX = 'half-yearly-critical:';
let n = 0;

async function cli(dataDir: string, ...args: string[]) {
  const io = captureIo();
  const code = await run(['node', 'iam-review', ...args], { io, env: { IAM_REVIEW_CONFIG_DIR: REPO, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }, cwd: REPO });
  return { code, out: io.stdout(), err: io.stderr() };
}

/** A copy of the demo firm's data folder. */
function copyOfFirm(): string {
  return copyOfDir(firm);
}

function copyOfDir(from: string): string {
  const dir = join(root, `d${++n}`);
  mkdirSync(dir);
  for (const file of ['iam-review.db', 'iam-review.db-wal']) if (existsSync(join(from, file))) copyFileSync(join(from, file), join(dir, file));
  return dir;
}

function edit<T>(dataDir: string, change: (db: Database.Database) => T): T {
  const db = new Database(join(dataDir, 'iam-review.db'));
  try {
    return change(db);
  } finally {
    db.close();
  }
}

/**
 * The seq of the one event of that type about that subject. Of decision.recorded, the one that
 * settled the item: the demo's review has two stages, so an item passed on has a stage-1 decision
 * (state 'pending') too.
 */
function seqOf(db: Database.Database, type: string, subject: string): number {
  const rows = db
    .prepare<[string, string], { seq: number }>(`SELECT seq FROM ledger_events WHERE type = ? AND subject = ? AND data NOT LIKE '%"state":"pending"%'`)
    .all(type, subject);
  expect(rows).toHaveLength(1);
  return rows[0]!.seq;
}

const q = (s: string) => JSON.stringify(s);

beforeAll(async () => {
  const r = await cli(firm, 'demo', '--reset', '--out', join(root, 'demo-out'));
  expect(r.code, r.err).toBe(0);
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('audit verify reconciles state with the ledger', () => {
  it('the demo firm passes: chain intact and every row agrees with its events (exit 0); its export is written', async () => {
    const dir = copyOfFirm();
    const r = await cli(dir, 'audit', 'verify');
    expect(r.code, r.out + r.err).toBe(EXIT.ok);
    expect(r.out).toMatch(/^Hash chain intact: \d+ events checked/);
    // Snapshots: 4 systems, then the demo's later exports (trading, custody-wallet, kms) and the custody-wallet one with a removed grant back.
    // Remediations: one per revoke (the leavers' revokes joined the removals their findings opened,
    // remediation.findings), and a new one for the contract-ended grant that came back (its finding raised again: 31 findings rows).
    // The custody wallet's TAP adds 12 items and the crypto SoD findings; the later exports raise the
    // exchange top-ups limit (changed-since-last-review on its two approved grants).
    // Campaigns: the half-yearly review (76 items, all decided: kms root-emergency among them) and the
    // break-glass review the later kms export opened (its root-emergency was used; 1 item, pending).
    // 76 items decided (one expired) plus 27 stage-1 decisions that passed an item on to the owner (the review has two stages).
    expect(r.out).toMatch(/\nState agrees with the ledger: 2 campaigns, 77 items, 103 decisions, 8 snapshots, 43 findings rows, 26 remediations reconciled with \d+ events\.$/);
    const json = JSON.parse((await cli(dir, 'audit', 'verify', '--json')).out) as { ok: boolean; reconciliation: { ok: boolean; count: number } };
    expect(json).toMatchObject({ ok: true, reconciliation: { ok: true, count: 0 } });
    const campaign = edit(dir, (db) => db.prepare<[], { id: string }>("SELECT id FROM campaigns WHERE review_id = 'half-yearly-critical'").get()!.id);
    expect((await cli(dir, 'export', '--campaign', campaign, '--out', join(dir, 'pack'))).code).toBe(EXIT.ok);
    expect(existsSync(join(dir, 'pack', 'manifest.json'))).toBe(true);
  });

  it('a decision turned from revoke to approve in the database (and its item): exit 4 naming the rows and the decision event; export refuses and writes nothing', async () => {
    const dir = copyOfFirm();
    const { id, seq } = edit(dir, (db) => {
      const { id } = db.prepare<[], { id: string }>("SELECT id FROM decisions WHERE outcome = 'revoke' ORDER BY id LIMIT 1").get()!;
      db.exec('DROP TRIGGER decisions_never_updated');
      db.prepare("UPDATE decisions SET outcome = 'approve' WHERE id = ?").run(id);
      db.prepare("UPDATE review_items SET state = 'approved' WHERE id = ?").run(id);
      return { id, seq: seqOf(db, 'decision.recorded', id) };
    });
    const r = await cli(dir, 'audit', 'verify');
    expect(r.code).toBe(EXIT.ledgerBroken);
    expect(r.out).toMatch(/^Hash chain intact/);
    expect(r.out).toContain('STATE DIFFERS FROM THE LEDGER: 2 difference(s)');
    expect(r.out).toContain(`review_items row ${q(id)} state = "approved", but ledger seq ${seq} decision.recorded says state "revoked"`);
    expect(r.out).toContain(`decisions row ${q(id)} outcome = "approve", but ledger seq ${seq} decision.recorded says outcome "revoke"`);
    expect(r.err).toContain('state and ledger disagree: 2 difference(s)');
    const json = JSON.parse((await cli(dir, 'audit', 'verify', '--json')).out) as { ok: boolean; reconciliation: { differences: { row: unknown; event: unknown }[] } };
    expect(json.ok).toBe(false);
    expect(json.reconciliation.differences).toContainEqual(expect.objectContaining({ row: { table: 'decisions', id, field: 'outcome', value: 'approve' }, event: { seq, type: 'decision.recorded', says: 'outcome "revoke"' } }));

    const out = join(dir, 'pack');
    const e = await cli(dir, 'export', '--campaign', id.slice(0, id.indexOf('/')), '--out', out);
    expect(e.code).toBe(EXIT.ledgerBroken);
    expect(e.err).toContain('refused: the state disagrees with the ledger (2 difference(s))');
    expect(e.err).toContain(`decisions row ${q(id)} outcome = "approve", but ledger seq ${seq} decision.recorded says outcome "revoke"`);
    expect(existsSync(out)).toBe(false);
  });

  it('a second item.assigned for an item (appended through the store, chain intact): exit 4 naming the item and both seqs', async () => {
    const dir = copyOfFirm();
    const item = edit(dir, (db) => db.prepare<[], { id: string }>('SELECT id FROM review_items ORDER BY id LIMIT 1').get()!.id);
    const first = edit(dir, (db) => seqOf(db, 'item.assigned', item));
    const store = openSqliteStore({ file: join(dir, 'iam-review.db') });
    const [original] = await store.ledger.query({ type: 'item.assigned', subject: item });
    const [again] = await store.ledger.append([{ type: 'item.assigned', actor: original!.actor, subject: item, data: original!.data }]);
    await store.close();
    const r = await cli(dir, 'audit', 'verify');
    expect(r.code).toBe(EXIT.ledgerBroken);
    expect(r.out).toContain(`review_items row ${q(item)}, but ledger seq ${again!.seq} item.assigned says it was assigned to ${q(original!.data.reviewerId as string)}: assigned twice (first at seq ${first}): an item has exactly one item.assigned`);
  });

  it('an item row inserted without its event: exit 4 naming the row', async () => {
    const dir = copyOfFirm();
    const id = edit(dir, (db) => {
      const row = db.prepare<[], { id: string; campaign_id: string }>('SELECT id, campaign_id FROM review_items ORDER BY id LIMIT 1').get()!;
      const id = `${row.campaign_id}/g_00000000000000000000000000000000`;
      db.prepare(`INSERT INTO review_items (id, campaign_id, grant_id, system_id, account_id, role, scope, identity_id, reviewer_id, reviewer_source, state, findings, last_activity_at, decision_id, updated_at)
        SELECT ?, campaign_id, 'g_00000000000000000000000000000000', system_id, 'ghost', role, scope, identity_id, reviewer_id, reviewer_source, 'pending', '[]', NULL, NULL, updated_at FROM review_items WHERE id = ?`).run(id, row.id);
      return id;
    });
    const r = await cli(dir, 'audit', 'verify');
    expect(r.code).toBe(EXIT.ledgerBroken);
    expect(r.out).toContain(`review_items row ${q(id)} state = "pending": no ledger event names this item (no item.assigned)`);
  });

  it('a campaign state altered (closed -> open): exit 4 naming the row and campaign.closed', async () => {
    const dir = copyOfFirm();
    const { id, seq } = edit(dir, (db) => {
      const { id } = db.prepare<[], { id: string }>("SELECT id FROM campaigns WHERE review_id = 'half-yearly-critical'").get()!;
      db.prepare("UPDATE campaigns SET state = 'open', closed_at = NULL WHERE id = ?").run(id);
      return { id, seq: seqOf(db, 'campaign.closed', id) };
    });
    expect(id.startsWith(CAMPAIGN_PREFIX)).toBe(true);
    const r = await cli(dir, 'audit', 'verify');
    expect(r.code).toBe(EXIT.ledgerBroken);
    expect(r.out).toContain(`campaigns row ${q(id)} state = "open", but ledger seq ${seq} campaign.closed says the campaign closed`);
  });

  it('a snapshot status edited (complete -> failed): exit 4 naming the row and its sync event', async () => {
    const dir = copyOfFirm();
    const { id, seq } = edit(dir, (db) => {
      const { id } = db.prepare<[], { id: string }>("SELECT id FROM snapshots WHERE system_id = 'kms'").get()!;
      db.prepare("UPDATE snapshots SET status = 'failed' WHERE id = ?").run(id);
      const { seq } = db.prepare<[string], { seq: number }>("SELECT seq FROM ledger_events WHERE type = 'sync.completed' AND json_extract(data, '$.snapshotId') = ?").get(id)!;
      return { id, seq };
    });
    const r = await cli(dir, 'audit', 'verify');
    expect(r.code).toBe(EXIT.ledgerBroken);
    expect(r.out).toContain(`snapshots row ${q(id)} status = "failed", but ledger seq ${seq} sync.completed says status "complete"`);
  });

  it('a finding row edited (an open finding marked resolved): exit 4 naming the row', async () => {
    const dir = copyOfFirm();
    const { key, at } = edit(dir, (db) => {
      const { key } = db.prepare<[], { key: string }>('SELECT key FROM findings WHERE resolved_at IS NULL ORDER BY key LIMIT 1').get()!;
      const { at } = db.prepare<[], { at: string }>('SELECT at FROM evaluations ORDER BY at DESC LIMIT 1').get()!;
      db.prepare('UPDATE findings SET resolved_at = ? WHERE key = ?').run(at, key);
      return { key, at };
    });
    const r = await cli(dir, 'audit', 'verify');
    expect(r.code).toBe(EXIT.ledgerBroken);
    expect(r.out).toMatch(new RegExp(`findings row ${escape(q(key))} resolvedAt = ${escape(q(at))}: no finding\\.resolved event of evaluation "evaluation@`));
  });

  it('a remediation row edited (open -> verified by a made-up snapshot): exit 4 naming the row and its remediation.opened', async () => {
    const dir = copyOfFirm();
    const { id, seq } = edit(dir, (db) => {
      const { id } = db.prepare<[], { id: string }>("SELECT id FROM remediations WHERE state = 'open' ORDER BY id LIMIT 1").get()!;
      db.prepare("UPDATE remediations SET state = 'verified', verified_at = updated_at, verified_snapshot_id = 'trading@made-up', verified_snapshot_hash = 'feed' WHERE id = ?").run(id);
      return { id, seq: seqOf(db, 'remediation.opened', id) };
    });
    const r = await cli(dir, 'audit', 'verify');
    expect(r.code).toBe(EXIT.ledgerBroken);
    expect(r.out).toContain('STATE DIFFERS FROM THE LEDGER: 5 difference(s)');
    expect(r.out).toContain(`  remediations row ${q(id)} state = "verified", but ledger seq ${seq} remediation.opened says state "open"\n`);
    expect(r.out).toContain(`  remediations row ${q(id)} verifiedSnapshotId = "trading@made-up": no remediation.verified event\n`);
    expect(r.out).toContain(`  remediations row ${q(id)} verifiedSnapshotHash = "feed": no remediation.verified event\n`);
    expect(r.out).toContain(`  remediations row ${q(id)} verifiedAt = `);
    expect(r.out).toContain(`  remediations row ${q(id)} verifiedSnapshotId = "trading@made-up": no snapshots row has that id`);
  });

  it('a verified remediation pointed at another system\'s snapshot, and a remediation row deleted: exit 4 naming rows and events', async () => {
    const dir = copyOfFirm();
    // One remediation verified as the sync does it (row and event in one transaction), by its system's current snapshot.
    const { verified, system } = edit(dir, (db) => db.prepare<[], { verified: string; system: string }>("SELECT id AS verified, system_id AS system FROM remediations WHERE state = 'open' ORDER BY id DESC LIMIT 1").get()!);
    const store = openSqliteStore({ file: join(dir, 'iam-review.db') });
    const current = (await store.snapshots.current(system))!;
    const patch = { verifiedAt: current.finishedAt!, verifiedSnapshotId: current.id, verifiedSnapshotHash: current.contentHash, updatedAt: current.finishedAt! };
    const moved = await store.remediations.transition(verified, ['open'], 'verified', patch, (m) => [
      { type: 'remediation.verified', actor: 'sync', subject: verified, data: { from: m.from, snapshotId: current.id, snapshotHash: current.contentHash, verifiedAt: patch.verifiedAt } },
    ]);
    await store.close();
    expect(moved).toBe(true);
    expect((await cli(copyOfDir(dir), 'audit', 'verify')).code).toBe(EXIT.ok);

    const { seq, other, gone, opened } = edit(dir, (db) => {
      const { id: other, content_hash: hash } = db.prepare<[string], { id: string; content_hash: string }>("SELECT id, content_hash FROM snapshots WHERE system_id <> ? AND status = 'complete' LIMIT 1").get(system)!;
      db.prepare('UPDATE remediations SET verified_snapshot_id = ?, verified_snapshot_hash = ? WHERE id = ?').run(other, hash, verified);
      const { id: gone } = db.prepare<[], { id: string }>("SELECT id FROM remediations WHERE state = 'open' ORDER BY id LIMIT 1").get()!;
      db.prepare('DELETE FROM remediations WHERE id = ?').run(gone);
      return { seq: seqOf(db, 'remediation.verified', verified), other, gone, opened: seqOf(db, 'remediation.opened', gone) };
    });
    const r = await cli(dir, 'audit', 'verify');
    expect(r.code).toBe(EXIT.ledgerBroken);
    expect(r.out).toContain(`  remediations row ${q(verified)} verifiedSnapshotId = ${q(other)}, but ledger seq ${seq} remediation.verified says snapshotId ${q(current.id)}\n`);
    expect(r.out).toMatch(new RegExp(`  remediations row ${escape(q(verified))} verifiedSnapshotId = ${escape(q(other))}: snapshot ${escape(q(other))} is of "[^"]+", not of the remediation's system`));
    expect(r.out).toContain(`  ledger seq ${opened} remediation.opened says remediation ${q(gone)}: no remediations row`);
  });

  it('each compared column of an item or its decision edited in the database file (one per item): exit 4 naming each row and field', async () => {
    const dir = copyOfFirm();
    const itemEdits: [string, string][] = [
      // The grant a revoke would remove: compared with the grant the item's id (and so its item.assigned) names.
      ['grantId', "grant_id = 'edited-grant'"],
      ['systemId', "system_id = 'edited-system'"],
      ['accountId', "account_id = 'edited-account'"],
      ['role', "role = 'EDITED'"],
      ['reviewerId', "reviewer_id = 'edited@example.com'"],
      ['reviewerSource', "reviewer_source = 'edited'"],
      ['detail', `detail = '{"edited":true}'`],
      ['stage', 'stage = 9'],
    ];
    const decisionEdits: [string, string][] = [
      ['reviewerId', "reviewer_id = 'edited@example.com'"],
      ['channel', "channel = 'edited'"],
      ['justification', "justification = 'edited'"],
      ['simulated', 'simulated = 1 - simulated'],
      ['operator', "operator = 'edited@example.com'"],
      ['approveAll', 'approve_all = 1 - approve_all'],
      ['stage', 'stage = 9'],
    ];
    const edited = edit(dir, (db) => {
      // Decided items never reassigned (a reassigned item's source is not compared: its event does not carry it).
      const ids = db
        .prepare<[], { id: string }>(`SELECT item_id AS id FROM decisions d WHERE campaign_id LIKE '${CAMPAIGN_PREFIX}%' AND NOT EXISTS (SELECT 1 FROM ledger_events WHERE type = 'item.reassigned' AND subject = d.item_id) ORDER BY item_id`)
        .all()
        .map((r) => r.id);
      expect(ids.length).toBeGreaterThanOrEqual(itemEdits.length + decisionEdits.length);
      db.exec('DROP TRIGGER decisions_never_updated');
      const rows: { table: string; id: string; field: string }[] = [];
      itemEdits.forEach(([field, set], k) => {
        db.prepare(`UPDATE review_items SET ${set} WHERE id = ?`).run(ids[k]!);
        rows.push({ table: 'review_items', id: ids[k]!, field });
      });
      decisionEdits.forEach(([field, set], k) => {
        const id = ids[itemEdits.length + k]!;
        db.prepare(`UPDATE decisions SET ${set} WHERE item_id = ?`).run(id);
        rows.push({ table: 'decisions', id: db.prepare<[string], { id: string }>('SELECT id FROM decisions WHERE item_id = ?').get(id)!.id, field });
      });
      return rows;
    });
    const r = await cli(dir, 'audit', 'verify');
    expect(r.code).toBe(EXIT.ledgerBroken);
    expect(r.out).toContain(`STATE DIFFERS FROM THE LEDGER: ${edited.length} difference(s)`);
    for (const { table, id, field } of edited) expect(r.out).toContain(`\n  ${table} row ${q(id)} ${field} = `);
  });

  it('lists the first 20 differences and counts the rest', async () => {
    const dir = copyOfFirm();
    // Every decided item of the review (76; the break-glass review's pending item is left alone).
    edit(dir, (db) => db.exec(`UPDATE review_items SET state = 'expired' WHERE campaign_id LIKE '${CAMPAIGN_PREFIX}%'`));
    const r = await cli(dir, 'audit', 'verify');
    expect(r.code).toBe(EXIT.ledgerBroken);
    expect(r.out).toContain('STATE DIFFERS FROM THE LEDGER: 76 difference(s)');
    expect(r.out.split('\n').filter((l) => /^ {2}review_items row .* state = "expired", but ledger seq \d+ decision\.recorded says state "(approved|revoked)"$/.test(l))).toHaveLength(20);
    expect(r.out).toMatch(/\n {2}\.\.\. and 56 more$/);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
