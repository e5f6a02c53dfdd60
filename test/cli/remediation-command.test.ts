/**
 * The remediation loop through the real CLI on a firm in a temp config dir (real SQLite):
 * `decide ... revoke` opens a remediation with its due time; removing the grant from the
 * system's export and syncing lets `remediation verify` mark it verified by that snapshot
 * (id and hash in the ledger); putting it back makes it `reappeared`. A quarantined pull
 * verifies nothing; a claim is attributed, never a verification, and refused (and ledgered)
 * for anyone but the system owner or the security team.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AppOptions } from '../../src/app.js';
import { openApp } from '../../src/app.js';
import { run } from '../../src/cli.js';
import { EXIT } from '../../src/cli/cli-error.js';
import { loadEnv } from '../../src/config/env.js';
import type { LedgerEvent, ReviewItem, Snapshot } from '../../src/domain/index.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { captureIo } from '../helpers/capture-io.js';
import { MINIMAL_FIRM, TRADING_DESK_HR, tempConfigDir } from '../helpers/temp-config.js';

const NOW = new Date('2026-09-01T08:00:00.000Z');
const HEADER = 'account_id,identity,role,scope,status,last_activity_at,display_name,account_type';
const ALICE_TRADER = 'acc-alice,alice@example.com,TRADER,spot,active,2026-08-30T10:00:00Z,Alice,human';
const ALICE_VIEWER = 'acc-alice,alice@example.com,VIEWER,,active,2026-08-30T10:00:00Z,Alice,human';
/** Enough other grants that removing one or two stays under the 10% quarantine threshold. */
const OTHERS = Array.from({ length: 30 }, (_, i) => `acc-${i},boss@example.com,VIEWER,desk-${i},active,2026-08-30T10:00:00Z,B${i},human`);
const trading = (rows: string[]) => [HEADER, ...rows].join('\n') + '\n';

describe('iam-review remediation', () => {
  let configDir: string;
  let dataDir: string;
  let clock: Date;

  async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const io = captureIo();
    const code = await run(['node', 'iam-review', ...args], {
      io,
      env: { IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
      openApp: (env, o: AppOptions) => openApp(env, { ...o, now: () => clock }),
    });
    return { code, out: io.stdout(), err: io.stderr() };
  }
  const writeTrading = (rows: string[]) => writeFileSync(join(configDir, 'connectors/sample-data/trading.csv'), trading(rows));

  /** Reads the store directly (after the CLI closed it). */
  async function read<T>(f: (store: ReturnType<typeof openSqliteStore>) => Promise<T>): Promise<T> {
    const store = openSqliteStore({ file: join(dataDir, 'iam-review.db') });
    try {
      return await f(store);
    } finally {
      await store.close();
    }
  }
  const events = (type: string) => read(async (s) => s.ledger.query({ type }));
  const current = (systemId: string) => read(async (s) => (await s.snapshots.current(systemId)) as Snapshot);
  const listJson = async (...args: string[]) => {
    const r = await cli(['remediation', 'list', '--format', 'json', ...args]);
    expect(r.code).toBe(EXIT.ok);
    return (JSON.parse(r.out) as { remediations: Record<string, unknown>[] }).remediations;
  };

  let trader: ReviewItem;
  let viewer: ReviewItem;

  beforeEach(async () => {
    clock = NOW;
    configDir = tempConfigDir({ ...MINIMAL_FIRM, 'connectors/sample-data/hr.csv': TRADING_DESK_HR, 'connectors/sample-data/trading.csv': trading([ALICE_TRADER, ALICE_VIEWER, ...OTHERS]) });
    dataDir = mkdtempSync(join(tmpdir(), 'iam-remediation-'));
    expect((await cli(['sync'])).code).toBe(EXIT.ok);
    expect((await cli(['campaign', 'open', 'semiannual', '--period', '2026-H2', '--as', 'sec@example.com'])).code).toBe(EXIT.ok);
    const items = await read((s) => s.campaigns.items('semiannual:2026-H2'));
    trader = items.find((i) => i.accountId === 'acc-alice' && i.role === 'TRADER')!;
    viewer = items.find((i) => i.accountId === 'acc-alice' && i.role === 'VIEWER')!;
    expect(trader.reviewerId).toBe('E2');
  });

  it('campaign items lists the item ids decide takes, filtered by state; an unknown campaign or state is a usage error', async () => {
    const table = await cli(['campaign', 'items', 'semiannual:2026-H2']);
    expect(table.code).toBe(EXIT.ok);
    expect(table.out).toMatch(/^ITEM\s+SYSTEM\s+ACCOUNT\s+ROLE\s+OWNER\s+REVIEWER\s+STATE\s+FINDINGS$/m);
    expect(table.out).toMatch(new RegExp(`^${trader.id}\\s+trading\\s+acc-alice\\s+TRADER@spot\\s+E1\\s+boss@example\\.com\\s+pending`, 'm'));
    expect(table.out.trim().split('\n')).toHaveLength(33);
    expect((await cli(['decide', trader.id, 'revoke', '--as', 'boss@example.com', '--reason', 'left the desk'])).code).toBe(EXIT.ok);
    const revoked = await cli(['campaign', 'items', 'semiannual:2026-H2', '--state', 'revoked', '--json']);
    expect((JSON.parse(revoked.out) as { items: ReviewItem[] }).items.map((i) => [i.id, i.state])).toEqual([[trader.id, 'revoked']]);
    expect((await cli(['campaign', 'items', 'nope:2026-Q4'])).err).toMatch(/no campaign "nope:2026-Q4"/);
    const badState = await cli(['campaign', 'items', 'semiannual:2026-H2', '--state', 'done']);
    expect([badState.code, badState.err]).toEqual([EXIT.invalidInput, expect.stringMatching(/--state must be one of pending, approved, revoked, expired/)]);
    // --reviewer takes the email a user knows (or the identity id); --format json is --json.
    const all = (JSON.parse((await cli(['campaign', 'items', 'semiannual:2026-H2', '--format', 'json'])).out) as { items: ReviewItem[] }).items;
    const boss = (JSON.parse((await cli(['campaign', 'items', 'semiannual:2026-H2', '--reviewer', 'Boss@Example.com', '--format', 'json'])).out) as { items: ReviewItem[] }).items;
    expect(boss.length).toBeGreaterThan(0);
    expect(boss).toEqual(all.filter((i) => i.reviewerId === 'E2'));
    expect((JSON.parse((await cli(['campaign', 'items', 'semiannual:2026-H2', '--reviewer', 'E2', '--json'])).out) as { items: ReviewItem[] }).items).toEqual(boss);
  });

  it('campaign status names reviewers (name and email), not identity ids', async () => {
    const status = await cli(['campaign', 'status', 'semiannual:2026-H2']);
    expect(status.code).toBe(EXIT.ok);
    expect(status.out).toMatch(/^Reviewer\s+Done\s+Pending$/m);
    expect(status.out).toMatch(/^Boss <boss@example\.com>\s+0\s+\d+$/m);
    expect(status.out).not.toMatch(/^E2\s/m);
    const json = JSON.parse((await cli(['campaign', 'status', 'semiannual:2026-H2', '--format', 'json'])).out) as { reviewers: { reviewerId: string; name: string; email: string }[] };
    expect(json.reviewers.find((r) => r.reviewerId === 'E2')).toMatchObject({ name: 'Boss', email: 'boss@example.com' });
  });

  it('decide revoke opens a remediation: listed open, with the due time of the system (critical: 24 h after the decision)', async () => {
    expect(await listJson()).toEqual([]);
    const decided = await cli(['decide', trader.id, 'revoke', '--as', 'boss@example.com', '--operator', 'desk-ops@example.com', '--reason', 'left the desk']);
    expect(decided.code).toBe(EXIT.ok);
    expect(decided.out).toMatch(/Remediation rem:semiannual:2026-H2\/g_\w+: open, due 2026-09-02T08:00:00.000Z/);
    // An approval opens nothing.
    expect((await cli(['decide', viewer.id, 'approve', '--as', 'boss@example.com', '--reason', 'still needed'])).code).toBe(EXIT.ok);

    expect(await listJson()).toEqual([
      {
        id: `rem:${trader.id}`,
        itemId: trader.id,
        system: 'trading',
        accountId: 'acc-alice',
        role: 'TRADER',
        scope: 'spot',
        state: 'open',
        dueAt: '2026-09-02T08:00:00.000Z',
        requestedAt: null,
        verifiedAt: null,
        snapshotId: null,
        reason: { kind: 'decision', ref: trader.id },
      },
    ]);
    const table = await cli(['remediation', 'list']);
    expect(table.out).toMatch(/^ID\s+SYSTEM\s+ACCOUNT\s+ROLE\s+STATE\s+DUE \(UTC\)\s+VERIFIED BY\nrem:\S+\s+trading\s+acc-alice\s+TRADER@spot\s+open\s+2026-09-02 08:00$/);
    const opened = await events('remediation.opened');
    expect(opened.map((e) => [e.subject, e.actor, e.data.dueAt, e.data.slaHours, e.data.requestedBy])).toEqual([[`rem:${trader.id}`, 'desk-ops@example.com', '2026-09-02T08:00:00.000Z', 24, 'boss@example.com']]);
    expect(await listJson('--state', 'verified')).toEqual([]);
    expect(await listJson('--system', 'hr')).toEqual([]);
    expect((await cli(['remediation', 'list', '--state', 'gone'])).code).toBe(EXIT.invalidInput);
  });

  it('the grant removed and synced: the sync itself verifies it by that snapshot (id and hash ledgered); put back and synced: reappeared', async () => {
    await cli(['decide', trader.id, 'revoke', '--as', 'boss@example.com', '--reason', 'left the desk']);
    await cli(['decide', viewer.id, 'revoke', '--as', 'boss@example.com', '--reason', 'left the desk']);
    const id = `rem:${trader.id}`;

    // Nothing changed in the system yet: verification finds both grants still there.
    expect((await cli(['remediation', 'verify'])).out).toMatch(/trading\s+0 verified, 0 reappeared/);

    clock = new Date('2026-09-01T12:00:00.000Z');
    writeTrading([ALICE_VIEWER, ...OTHERS]);
    expect((await cli(['sync'])).code).toBe(EXIT.ok);
    const removedIn = await current('trading');
    const states = Object.fromEntries((await listJson()).map((r) => [r.id, [r.state, r.snapshotId, r.verifiedAt]]));
    expect(states).toEqual({ [id]: ['verified', removedIn.id, '2026-09-01T12:00:00.000Z'], [`rem:${viewer.id}`]: ['open', null, null] });
    const [verified] = await events('remediation.verified');
    expect(verified).toMatchObject({ subject: id, data: { snapshotId: removedIn.id, snapshotHash: removedIn.contentHash, from: 'open', grantId: trader.grantId } });
    expect(removedIn.contentHash).toMatch(/^[0-9a-f]{64}$/);
    // Verifying again changes nothing and records nothing.
    expect((await cli(['remediation', 'verify'])).out).toMatch(/0 verified, 0 reappeared/);
    expect(await events('remediation.verified')).toHaveLength(1);

    writeTrading([ALICE_TRADER, ALICE_VIEWER, ...OTHERS]);
    expect((await cli(['sync'])).code).toBe(EXIT.ok);
    const backIn = await current('trading');
    // The sync found it back; verifying again finds nothing new.
    expect((await cli(['remediation', 'verify', '--system', 'trading'])).out).toMatch(/0 verified, 0 reappeared/);
    const shown = await cli(['remediation', 'show', id]);
    expect(shown.out).toMatch(/^state\s+reappeared$/m);
    expect(shown.out).toMatch(new RegExp(`^verified\\s+2026-09-01T12:00:00.000Z by snapshot ${removedIn.id} \\(sha256 ${removedIn.contentHash}\\)$`, 'm'));
    expect(shown.out).toMatch(new RegExp(`^reappeared\\s+\\S+ in snapshot ${backIn.id}$`, 'm'));
    const [reappeared] = await events('remediation.reappeared');
    expect(reappeared).toMatchObject({ subject: id, data: { snapshotId: backIn.id, verifiedSnapshotId: removedIn.id, from: 'verified' } });
  });

  it('a quarantined pull verifies nothing, nor does a snapshot that is not the applied one', async () => {
    await cli(['decide', trader.id, 'revoke', '--as', 'boss@example.com', '--reason', 'left the desk']);
    writeTrading([ALICE_VIEWER, ...OTHERS.slice(0, 5)]);
    expect((await cli(['sync'])).code).toBe(EXIT.syncQuarantined);
    const quarantined = await read(async (s) => (await s.snapshots.list({ systemId: 'trading', status: 'quarantined' }))[0]!);
    expect((await cli(['remediation', 'verify'])).out).toMatch(/0 verified/);

    const app = await openApp(loadEnv({ IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), { now: () => clock });
    try {
      expect(await app.remediation.verify(quarantined)).toMatchObject({ verified: 0, skipped: expect.stringMatching(/is quarantined, not complete/) });
      const superseded = { ...quarantined, status: 'complete' as const };
      expect(await app.remediation.verify(superseded)).toMatchObject({ verified: 0, skipped: expect.stringMatching(/not the applied state of trading/) });
    } finally {
      await app.close();
    }
    expect((await listJson()).map((r) => r.state)).toEqual(['open']);
    expect(await events('remediation.verified')).toEqual([]);
  });

  it('removals of revoked grants do not count toward the quarantine threshold; other removals still do', async () => {
    await cli(['decide', trader.id, 'revoke', '--as', 'boss@example.com', '--reason', 'left the desk']);
    await cli(['decide', viewer.id, 'revoke', '--as', 'boss@example.com', '--reason', 'left the desk']);
    // 4 of 32 grants removed (12.5%, above 10%) but 2 of them are the revoked ones: 2 unexpected (6.3%).
    writeTrading(OTHERS.slice(2));
    clock = new Date('2026-09-01T12:00:00.000Z');
    const applied = await cli(['sync']);
    expect(applied.code).toBe(EXIT.ok);
    expect((await current('trading')).counts).toMatchObject({ grants: 28, removed: 4 });
    expect((await listJson()).map((r) => r.state)).toEqual(['verified', 'verified']);

    // 3 more of 28 removed, none awaiting removal (10.7%): the valve still holds.
    writeTrading(OTHERS.slice(5));
    const held = await cli(['sync']);
    expect(held.code).toBe(EXIT.syncQuarantined);
    expect(held.out + held.err).toMatch(/removes 3 of 28 grants \(10\.7%\)/);
  });

  it('a claim by the owner is recorded and does not verify; anyone else is refused, and the refusal ledgered', async () => {
    await cli(['decide', trader.id, 'revoke', '--as', 'boss@example.com', '--reason', 'left the desk']);
    const id = `rem:${trader.id}`;
    const refused = await cli(['remediation', 'claim', id, '--as', 'alice@example.com']);
    expect(refused.code).toBe(EXIT.failure);
    expect(refused.err).toMatch(/alice@example.com may not claim the removal of trading access: only its owner \(head-of-trading@example.com\) or the security team may/);
    expect((await cli(['remediation', 'claim', 'rem:nope', '--as', 'sec@example.com'])).code).toBe(EXIT.invalidInput);
    const refusals: LedgerEvent[] = await events('access.refused');
    expect(refusals.map((e) => [e.actor, e.subject, e.data.code, e.data.action])).toEqual([
      ['alice@example.com', id, 'not_owner', 'remediation:claim'],
      ['sec@example.com', 'rem:nope', 'remediation_not_found', 'remediation:claim'],
    ]);

    const claimed = await cli(['remediation', 'claim', id, '--as', 'Head-of-Trading@example.com', '--note', 'CHG-42']);
    expect(claimed.code).toBe(EXIT.ok);
    expect((await listJson()).map((r) => [r.state, r.verifiedAt])).toEqual([['claimed', null]]);
    expect((await cli(['remediation', 'show', id])).out).toMatch(/^claimed\s+2026-09-01T08:00:00.000Z by head-of-trading@example.com \(CHG-42\)$/m);
    expect((await events('remediation.claimed')).map((e) => [e.actor, e.data.by, e.data.note, e.data.from])).toEqual([['head-of-trading@example.com', 'head-of-trading@example.com', 'CHG-42', 'open']]);
    // A second claim is refused (conflict); the grant is still in the system, so verification leaves it claimed.
    expect((await cli(['remediation', 'claim', id, '--as', 'sec@example.com'])).code).toBe(EXIT.failure);
    await cli(['remediation', 'verify']);
    expect((await listJson()).map((r) => r.state)).toEqual(['claimed']);
  });

  it('two concurrent claims: one is recorded, the other refused as not claimable (and ledgered)', async () => {
    await cli(['decide', trader.id, 'revoke', '--as', 'boss@example.com', '--reason', 'left the desk']);
    const app = await openApp(loadEnv({ IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), { now: () => clock });
    try {
      const outcomes = await Promise.allSettled(['head-of-trading@example.com', 'sec@example.com'].map((who) => app.remediation.claim(`rem:${trader.id}`, who)));
      expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect(lost.reason).toMatchObject({ refusal: 'not_claimable', message: expect.stringMatching(/already claimed by/) });
    } finally {
      await app.close();
    }
    expect(await events('remediation.claimed')).toHaveLength(1);
    expect((await events('access.refused')).map((e) => e.data.code)).toEqual(['not_claimable']);
  });

  it('past due and not verified: marked overdue once (a late claim is not escalated again)', async () => {
    await cli(['decide', trader.id, 'revoke', '--as', 'boss@example.com', '--reason', 'left the desk']);
    const app = await openApp(loadEnv({ IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), { now: () => clock });
    try {
      expect(await app.remediation.markOverdue(new Date('2026-09-02T07:59:59.000Z'))).toEqual({ overdue: 0 });
      expect(await app.remediation.markOverdue(new Date('2026-09-02T08:00:00.000Z'))).toEqual({ overdue: 1 });
      expect(await app.remediation.markOverdue(new Date('2026-09-03T08:00:00.000Z'))).toEqual({ overdue: 0 });
      expect((await app.remediation.list({ state: 'overdue' })).map((r) => r.id)).toEqual([`rem:${trader.id}`]);
      // Claimed late: still not verified, but it was escalated once already.
      await app.remediation.claim(`rem:${trader.id}`, 'head-of-trading@example.com', 'done late');
      expect(await app.remediation.markOverdue(new Date('2026-09-04T08:00:00.000Z'))).toEqual({ overdue: 0 });
    } finally {
      await app.close();
    }
    expect((await listJson()).map((r) => [r.id, r.state])).toEqual([[`rem:${trader.id}`, 'claimed']]);
    expect((await events('remediation.overdue')).map((e) => e.data.dueAt)).toEqual(['2026-09-02T08:00:00.000Z']);
  });
});
