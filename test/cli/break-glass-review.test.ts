/**
 * Break-glass reviews through the real CLI on a firm in a temp config dir (real SQLite): a
 * trading platform whose EMERGENCY role is `breakGlass: true`. The first sync is the baseline;
 * a later export where the grant's last activity moved opens one ad-hoc review of that grant
 * (a one-item campaign `break-glass:<system>:<grant>:<used at>`, assigned to the system owner,
 * due 24 h later, "break-glass access used on <date>"), once: a re-sync opens nothing, a second
 * use a second review, a new grant of the role a "granted on" review. `decide ... revoke`
 * opens its remediation; the campaign exports as a pack; `audit verify` reconciles it all.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AppOptions } from '../../src/app.js';
import { openApp } from '../../src/app.js';
import { run } from '../../src/cli.js';
import { EXIT } from '../../src/cli/cli-error.js';
import { grantId } from '../../src/domain/index.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { captureIo } from '../helpers/capture-io.js';
import { MINIMAL_FIRM, TRADING_DESK_HR, tempConfigDir } from '../helpers/temp-config.js';

const T0 = new Date('2026-09-01T08:00:00.000Z');
const HEADER = 'account_id,identity,role,scope,status,last_activity_at,display_name,account_type';
const emergency = (account: string, who: string, at: string) => `${account},${who},EMERGENCY,,active,${at},${account},human`;
const OTHERS = Array.from({ length: 30 }, (_, i) => `acc-${i},boss@example.com,VIEWER,desk-${i},active,2026-08-30T10:00:00Z,B${i},human`);
const trading = (rows: string[]) => [HEADER, ...rows, ...OTHERS].join('\n') + '\n';
const POLICY = `system: trading
roles:
  TRADER:
    allowedFor:
      - department: Trading
  VIEWER:
    allowedFor:
      - anyone: true
  EMERGENCY:
    privileged: true
    breakGlass: true
    allowedFor:
      - department: Trading
`;
const ALICE = grantId('trading', 'bg-alice', 'EMERGENCY', '');
const BOSS = grantId('trading', 'bg-boss', 'EMERGENCY', '');

describe('break-glass reviews', () => {
  let configDir: string;
  let dataDir: string;
  let clock: Date;

  async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const io = captureIo();
    const code = await run(['node', 'iam-review', ...args], {
      io,
      env: { IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent', IAM_REVIEW_OPERATOR: 'ops@example.com' },
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
  const breakGlass = () => read(async (s) => (await s.campaigns.list()).filter((c) => c.reviewId === 'break-glass').sort((a, b) => a.id.localeCompare(b.id)));
  const exportTrading = (rows: string[]) => writeFileSync(join(configDir, 'connectors/sample-data/trading.csv'), trading(rows));
  const sync = async () => expect((await cli(['sync'])).code).toBe(EXIT.ok);

  beforeEach(async () => {
    clock = T0;
    configDir = tempConfigDir({ ...MINIMAL_FIRM, 'policies/trading.yaml': POLICY, 'connectors/sample-data/hr.csv': TRADING_DESK_HR, 'connectors/sample-data/trading.csv': trading([emergency('bg-alice', 'alice@example.com', '2026-06-01T10:00:00Z')]) });
    dataDir = mkdtempSync(join(tmpdir(), 'iam-break-glass-'));
    // The first snapshot is the baseline: its break-glass grant is neither new nor known to be used.
    await sync();
    expect(await breakGlass()).toEqual([]);
  });

  it('a use opens one review of the grant for the system owner, due in 24 h; a re-sync opens nothing; a second use a second one', async () => {
    clock = new Date('2026-09-02T09:00:00.000Z');
    await sync();
    expect(await breakGlass()).toEqual([]);

    clock = new Date('2026-09-03T09:00:00.000Z');
    exportTrading([emergency('bg-alice', 'alice@example.com', '2026-09-03T02:14:00Z')]);
    await sync();
    const [review, ...more] = await breakGlass();
    expect(more).toEqual([]);
    expect(review).toMatchObject({
      id: `break-glass:trading:${ALICE}:2026-09-03T02:14:00.000Z`,
      state: 'open',
      name: 'Break-glass review: trading:bg-alice EMERGENCY, break-glass access used on 2026-09-03',
      openedAt: '2026-09-03T09:00:00.000Z',
      dueAt: '2026-09-04T09:00:00.000Z',
    });
    const items = await read((s) => s.campaigns.items(review!.id));
    expect(items).toEqual([expect.objectContaining({ grantId: ALICE, accountId: 'bg-alice', role: 'EMERGENCY', reviewerId: 'head-of-trading@example.com', reviewerSource: 'systemOwner', state: 'pending', lastActivityAt: '2026-09-03T02:14:00.000Z' })]);
    const [opened, ...again] = await read((s) => s.ledger.query({ type: 'campaign.opened', subject: review!.id }));
    expect(again).toEqual([]);
    expect(opened!.data).toMatchObject({ reviewId: 'break-glass', coverage: 'break-glass', items: 1, breakGlass: { systemId: 'trading', grantId: ALICE, kind: 'used', at: '2026-09-03T02:14:00.000Z', reason: 'break-glass access used on 2026-09-03', dueHours: 24 } });

    // The same export again, and later: nothing new happened, nothing opens.
    clock = new Date('2026-09-03T15:00:00.000Z');
    await sync();
    expect((await breakGlass()).map((c) => c.id)).toEqual([review!.id]);
    expect((await cli(['campaign', 'list'])).out).toContain(review!.id);

    // Used again: a second review; the first one stays as it was.
    clock = new Date('2026-09-05T09:00:00.000Z');
    exportTrading([emergency('bg-alice', 'alice@example.com', '2026-09-05T01:00:00Z')]);
    await sync();
    expect((await breakGlass()).map((c) => c.id)).toEqual([review!.id, `break-glass:trading:${ALICE}:2026-09-05T01:00:00.000Z`]);
    expect((await cli(['audit', 'verify'])).code).toBe(EXIT.ok);
  });

  it('a new grant of the role opens a "granted on" review; revoking it opens its remediation; the campaign exports; audit verify passes', async () => {
    clock = new Date('2026-09-04T07:30:00.000Z');
    exportTrading([emergency('bg-alice', 'alice@example.com', '2026-06-01T10:00:00Z'), emergency('bg-boss', 'boss@example.com', '')]);
    await sync();
    const [review, ...more] = await breakGlass();
    expect(more).toEqual([]);
    expect(review).toMatchObject({ id: `break-glass:trading:${BOSS}:2026-09-04T07:30:00.000Z`, name: 'Break-glass review: trading:bg-boss EMERGENCY, break-glass access granted on 2026-09-04' });
    const [item] = await read((s) => s.campaigns.items(review!.id));

    // The reviewer decides in the CLI; a revoke needs a reason (the built-in definition) and opens the removal.
    expect((await cli(['decide', item!.id, 'revoke', '--as', 'head-of-trading@example.com'])).code).not.toBe(EXIT.ok);
    const decided = await cli(['decide', item!.id, 'revoke', '--as', 'head-of-trading@example.com', '--reason', 'no incident needed it']);
    expect(decided.code).toBe(EXIT.ok);
    expect(decided.out).toMatch(/Recorded: revoked trading:bg-boss:EMERGENCY by head-of-trading@example\.com/);
    expect(decided.out).toMatch(/Remediation \S+: open, due 2026-09-05T07:30:00\.000Z/);
    const [remediation] = await read((s) => s.remediations.list());
    expect(remediation).toMatchObject({ itemId: item!.id, campaignId: review!.id, grantId: BOSS, state: 'open' });

    // A campaign opened by hand under the built-in review id is refused.
    const refused = await cli(['campaign', 'open', 'break-glass']);
    expect(refused.code).not.toBe(EXIT.ok);
    expect(refused.err).toMatch(/break-glass reviews are opened by the sync/);

    // Closed, it is still no periodic review of the system: DORA cadence coverage leaves it out.
    expect((await cli(['campaign', 'close', review!.id])).code).toBe(EXIT.ok);
    const coverage = JSON.parse((await cli(['coverage', '--format', 'json'])).out) as { systems: Array<{ system: string; lastReviewedAt: string | null }> };
    expect(coverage.systems.find((c) => c.system === 'trading')).toMatchObject({ lastReviewedAt: null });

    const pack = join(dataDir, 'pack');
    const exported = await cli(['export', '--campaign', review!.id, '--out', pack]);
    expect(exported.code).toBe(EXIT.ok);
    expect(readFileSync(join(pack, 'decisions.csv'), 'utf8')).toMatch(/bg-boss,.*EMERGENCY.*revoke/);
    expect(readFileSync(join(pack, 'report.html'), 'utf8')).toContain('Break-glass review: trading:bg-boss EMERGENCY, break-glass access granted on 2026-09-04');
    expect((await cli(['audit', 'verify-export', pack])).code).toBe(EXIT.ok);
    const verified = await cli(['audit', 'verify']);
    expect(verified.code).toBe(EXIT.ok);
    expect(verified.out).toMatch(/State agrees with the ledger: 1 campaigns, 1 items, 1 decisions, \d+ snapshots, \d+ findings rows, 1 remediations reconciled/);
  });
});
