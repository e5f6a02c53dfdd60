/**
 * Finding remediations through the real CLI on a firm in a temp config dir (real SQLite): with
 * policies/global.yaml `remediation.findings: [leaver-access]`, an HR export that shows a
 * leaver makes `sync` open the removal of their access (reason: the finding; due the system's
 * deadline after the finding was first raised; requested by policy), once; a later export
 * without the grant verifies it; `audit verify` reconciles it. Without the option, nothing.
 * A grant with a revoke decision and a leaver finding gets one removal, whichever came first.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AppOptions } from '../../src/app.js';
import { openApp } from '../../src/app.js';
import { run } from '../../src/cli.js';
import { EXIT } from '../../src/cli/cli-error.js';
import type { Remediation, ReviewItem } from '../../src/domain/index.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { captureIo } from '../helpers/capture-io.js';
import { MINIMAL_FIRM, TRADING_DESK_HR, tempConfigDir } from '../helpers/temp-config.js';

const T0 = new Date('2026-09-01T08:00:00.000Z');
const HEADER = 'account_id,identity,role,scope,status,last_activity_at,display_name,account_type';
const ALICE_TRADER = 'acc-alice,alice@example.com,TRADER,spot,active,2026-08-30T10:00:00Z,Alice,human';
/** Enough other grants that removing one stays under the 10% quarantine threshold. */
const OTHERS = Array.from({ length: 30 }, (_, i) => `acc-${i},boss@example.com,VIEWER,desk-${i},active,2026-08-30T10:00:00Z,B${i},human`);
const trading = (rows: string[]) => [HEADER, ...rows].join('\n') + '\n';
/** Alice terminated in HR, no contract end: leaver-access is raised at once. */
const ALICE_LEFT = TRADING_DESK_HR.replace('E1,alice@example.com,Alice,Trading,Trader,boss@example.com,active,', 'E1,alice@example.com,Alice,Trading,Trader,boss@example.com,terminated,');
const WITH_FINDINGS = 'dormantAfterDays: 90\nremediation:\n  findings: [leaver-access]\n';

describe('finding remediations (remediation.findings)', () => {
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
  async function read<T>(f: (store: ReturnType<typeof openSqliteStore>) => Promise<T>): Promise<T> {
    const store = openSqliteStore({ file: join(dataDir, 'iam-review.db') });
    try {
      return await f(store);
    } finally {
      await store.close();
    }
  }
  const remediations = () => read((s) => s.remediations.list());
  const opened = () => read((s) => s.ledger.query({ type: 'remediation.opened' }));
  const write = (file: string, text: string) => writeFileSync(join(configDir, file), text);
  const sync = async () => expect((await cli(['sync'])).code).toBe(EXIT.ok);

  function firm(global: string) {
    clock = T0;
    configDir = tempConfigDir({ ...MINIMAL_FIRM, 'policies/global.yaml': global, 'connectors/sample-data/hr.csv': TRADING_DESK_HR, 'connectors/sample-data/trading.csv': trading([ALICE_TRADER, ...OTHERS]) });
    dataDir = mkdtempSync(join(tmpdir(), 'iam-finding-rem-'));
  }

  describe('on', () => {
    beforeEach(async () => {
      firm(WITH_FINDINGS);
      await sync();
      expect(await remediations()).toEqual([]);
    });

    it('sync after HR shows a leaver opens one removal (finding, policy, due 24 h after first raised), once; a later export without the grant verifies it', async () => {
      clock = new Date('2026-09-02T09:00:00.000Z');
      write('connectors/sample-data/hr.csv', ALICE_LEFT);
      await sync();
      const [r, ...more] = await remediations();
      expect(more).toEqual([]);
      const finding = (await read((s) => s.findings.open())).find((f) => f.type === 'leaver-access')!;
      expect(finding.firstSeenAt).toBe('2026-09-02T09:00:00.000Z');
      expect(r).toMatchObject({
        id: `rem:finding:${finding.key}@${finding.firstSeenAt}`,
        itemId: null,
        campaignId: null,
        grantId: finding.grantId,
        systemId: 'trading',
        accountId: 'acc-alice',
        role: 'TRADER',
        reason: { kind: 'finding', ref: `${finding.key}@2026-09-02T09:00:00.000Z` },
        requestedBy: 'policy',
        state: 'open',
        // trading is critical: 24 h, counted from when the finding was first raised.
        dueAt: '2026-09-03T09:00:00.000Z',
      });
      const [event, ...others] = await opened();
      expect(others).toEqual([]);
      expect(event!.data).toMatchObject({ reason: r!.reason, requestedBy: 'policy', itemId: null, dueAt: r!.dueAt, slaHours: 24, finding: { key: finding.key, type: 'leaver-access', identityId: 'E1' } });

      // Syncing again, later: the finding is still open and keeps its first-seen time; nothing new, the due time does not move.
      clock = new Date('2026-09-02T15:00:00.000Z');
      await sync();
      expect(await opened()).toHaveLength(1);
      expect((await remediations())[0]!.dueAt).toBe('2026-09-03T09:00:00.000Z');

      // The listing names the reason.
      const list = JSON.parse((await cli(['remediation', 'list', '--format', 'json'])).out) as { remediations: Record<string, unknown>[] };
      expect(list.remediations).toEqual([expect.objectContaining({ id: r!.id, itemId: null, state: 'open', reason: r!.reason })]);

      // The grant is gone from the next export: verified by that complete, applied snapshot.
      clock = new Date('2026-09-02T20:00:00.000Z');
      write('connectors/sample-data/trading.csv', trading(OTHERS));
      await sync();
      const current = await read(async (s) => (await s.snapshots.current('trading'))!);
      expect(await remediations()).toEqual([expect.objectContaining({ id: r!.id, state: 'verified', verifiedSnapshotId: current.id, verifiedSnapshotHash: current.contentHash })]);
      const audit = await cli(['audit', 'verify']);
      expect(audit.err + audit.out).not.toMatch(/difference/i);
      expect(audit.code).toBe(EXIT.ok);
    });

    it('check (without sync) opens it too; a repeated or concurrent check opens nothing new', async () => {
      write('connectors/sample-data/hr.csv', ALICE_LEFT);
      // The HR sync alone (the trading grant is unchanged) opens it.
      expect((await cli(['sync', '--system', 'hr'])).code).toBe(EXIT.ok);
      expect(await remediations()).toHaveLength(1);
      const results = await Promise.all([cli(['check']), cli(['check'])]);
      expect(results.map((x) => x.code)).toEqual([EXIT.ok, EXIT.ok]);
      expect(await remediations()).toHaveLength(1);
      expect(await opened()).toHaveLength(1);
    });

    describe('a grant with a revoke decision and a leaver finding: one removal', () => {
      let trader: ReviewItem;
      beforeEach(async () => {
        expect((await cli(['campaign', 'open', 'semiannual', '--period', '2026-H2', '--as', 'sec@example.com'])).code).toBe(EXIT.ok);
        trader = (await read((s) => s.campaigns.items('semiannual:2026-H2'))).find((i) => i.accountId === 'acc-alice')!;
      });

      it('revoke first: the finding opens none (covered by the revoke\'s)', async () => {
        expect((await cli(['decide', trader.id, 'revoke', '--as', 'boss@example.com', '--reason', 'left the desk'])).code).toBe(EXIT.ok);
        clock = new Date('2026-09-01T10:00:00.000Z');
        write('connectors/sample-data/hr.csv', ALICE_LEFT);
        await sync();
        expect(await remediations()).toEqual([expect.objectContaining({ id: `rem:${trader.id}`, itemId: trader.id, reason: { kind: 'decision', ref: trader.id } })]);
        const audit = await cli(['audit', 'verify']);
        expect(audit.err + audit.out).not.toMatch(/difference/i);
        expect(audit.code).toBe(EXIT.ok);
      });

      it('finding first: the revoke joins its removal (remediation.item-attached), keeping its earlier due time', async () => {
        clock = new Date('2026-09-01T10:00:00.000Z');
        write('connectors/sample-data/hr.csv', ALICE_LEFT);
        await sync();
        const [before] = await remediations();
        clock = new Date('2026-09-01T12:00:00.000Z');
        expect((await cli(['decide', trader.id, 'revoke', '--as', 'boss@example.com', '--reason', 'left the desk'])).code).toBe(EXIT.ok);
        // The revoke is ledgered; its remediation is opened at the latest by the next sync.
        await sync();
        const after: Remediation[] = await remediations();
        expect(after).toEqual([{ ...before!, itemId: trader.id, campaignId: 'semiannual:2026-H2', updatedAt: after[0]!.updatedAt }]);
        const attached = await read((s) => s.ledger.query({ type: 'remediation.item-attached' }));
        expect(attached.map((e) => [e.subject, e.data.itemId, e.data.decidedBy])).toEqual([[before!.id, trader.id, 'boss@example.com']]);
        expect(await opened()).toHaveLength(1);
        const audit = await cli(['audit', 'verify']);
        expect(audit.err + audit.out).not.toMatch(/difference/i);
        expect(audit.code).toBe(EXIT.ok);
      });
    });
  });

  it('off (no remediation.findings): a leaver opens no removal', async () => {
    firm('dormantAfterDays: 90\n');
    await sync();
    write('connectors/sample-data/hr.csv', ALICE_LEFT);
    await sync();
    expect((await cli(['check'])).code).toBe(EXIT.ok);
    expect((await read((s) => s.findings.open())).map((f) => f.type)).toContain('leaver-access');
    expect(await remediations()).toEqual([]);

    // Turned on two days later: the removal is opened now, due 24 h after the finding was first raised (already past).
    const firstSeen = (await read((s) => s.findings.open())).find((f) => f.type === 'leaver-access')!.firstSeenAt;
    write('policies/global.yaml', WITH_FINDINGS);
    clock = new Date(T0.getTime() + 48 * 3_600_000);
    expect((await cli(['check'])).code).toBe(EXIT.ok);
    expect(await remediations()).toEqual([expect.objectContaining({ openedAt: clock.toISOString(), dueAt: new Date(Date.parse(firstSeen) + 24 * 3_600_000).toISOString() })]);
  });
});
