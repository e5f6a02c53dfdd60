/**
 * Break-glass reviews as the sync's hook opens them (real SQLite, the real SyncService and CSV
 * connector): the pure rule (new / used / baseline / activity going back), and crash safety: a
 * run that died after applying a snapshot and before its reviews opened loses nothing (the next
 * run compares with the state last checked, not with the snapshot before it), and a campaign
 * left `opening` is finished with exactly one campaign.opened and one item.assigned.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { openApp } from '../../src/app.js';
import { auditVerify } from '../../src/audit/audit-verify.js';
import { loadEnv } from '../../src/config/env.js';
import type { Grant } from '../../src/domain/index.js';
import { breakGlassCampaignId, breakGlassEvents, breakGlassReason, grantId } from '../../src/domain/index.js';
import { connectorLog } from '../../src/sync/connector-log.js';
import { SyncService } from '../../src/sync/sync-service.js';
import { processLiveness } from '../../src/sync/stale-runs.js';
import { MINIMAL_FIRM, TRADING_DESK_HR, tempConfigDir } from '../helpers/temp-config.js';

const HEADER = 'account_id,identity,role,scope,status,last_activity_at,display_name,account_type';
const OTHERS = Array.from({ length: 30 }, (_, i) => `acc-${i},boss@example.com,VIEWER,desk-${i},active,2026-08-30T10:00:00Z,B${i},human`);
const trading = (usedAt: string) => [HEADER, `bg-alice,alice@example.com,EMERGENCY,,active,${usedAt},Alice,human`, ...OTHERS].join('\n') + '\n';
const POLICY = `system: trading
roles:
  VIEWER:
    allowedFor:
      - anyone: true
  EMERGENCY:
    breakGlass: true
    allowedFor:
      - department: Trading
`;
const ALICE = grantId('trading', 'bg-alice', 'EMERGENCY', '');

const g = (id: string, role: string, lastActivityAt: string | null, firstSeenAt: string | null = '2026-09-01T00:00:00.000Z'): Grant => ({
  id, systemId: 's', accountId: id, role, scope: '', identityId: null, identityRef: null, accountDisplayName: null, accountType: 'human', accountStatus: 'active', lastActivityAt, firstSeenAt,
});

describe('breakGlassEvents', () => {
  const isBreakGlass = (x: Grant) => x.role === 'BG';
  it('new grants and moved activity of break-glass roles only; the first state is the baseline', () => {
    const current = [g('a', 'BG', '2026-09-02T00:00:00.000Z'), g('b', 'BG', '2026-08-01T00:00:00.000Z'), g('c', 'BG', null, null), g('d', 'USER', '2026-09-02T00:00:00.000Z'), g('e', 'BG', '2026-07-01T00:00:00.000Z'), g('f', 'BG', null)];
    const previous = new Map<string, string | null>([['a', '2026-08-01T00:00:00.000Z'], ['b', '2026-08-01T00:00:00.000Z'], ['e', '2026-08-01T00:00:00.000Z'], ['f', '2026-08-01T00:00:00.000Z']]);
    const events = breakGlassEvents(previous, current, isBreakGlass, '2026-09-03T00:00:00.000Z');
    expect(events.map((e) => [e.grant.id, e.kind, e.at])).toEqual([
      ['a', 'used', '2026-09-02T00:00:00.000Z'],
      ['c', 'granted', '2026-09-03T00:00:00.000Z'],
    ]);
    expect(breakGlassEvents(null, current, isBreakGlass, '2026-09-03T00:00:00.000Z')).toEqual([]);
    expect(breakGlassCampaignId(events[0]!)).toBe('break-glass:s:a:2026-09-02T00:00:00.000Z');
    expect(events.map(breakGlassReason)).toEqual(['break-glass access used on 2026-09-02', 'break-glass access granted on 2026-09-03']);
    expect(breakGlassReason({ kind: 'granted', at: '2026-09-03T00:00:00.000Z', grant: g('x', 'BG', '2026-09-02T23:00:00.000Z') })).toBe('break-glass access granted on 2026-09-03, used on 2026-09-02');
  });
});

describe('break-glass reviews after a crash', () => {
  let app: App | null = null;
  afterEach(async () => app?.close());

  async function firm() {
    const configDir = tempConfigDir({ ...MINIMAL_FIRM, 'policies/trading.yaml': POLICY, 'connectors/sample-data/hr.csv': TRADING_DESK_HR, 'connectors/sample-data/trading.csv': trading('2026-06-01T10:00:00Z') });
    const clock = { now: new Date('2026-09-01T08:00:00.000Z') };
    const env = loadEnv({ IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: mkdtempSync(join(tmpdir(), 'iam-bg-')), LOG_LEVEL: 'silent' });
    const log = pino({ level: 'silent' });
    app = await openApp(env, { now: () => clock.now, log });
    const a = app;
    const syncWith = async (service: SyncService) => {
      const config = a.loadConfig();
      for (const o of await service.run(config, config.systems, { actor: 'scheduler' })) expect(o.ok).toBe(true);
    };
    // The same sync as the app's, without its afterApplied hook: a process that died right after applying.
    const crashed = new SyncService({ store: a.store, audit: a.audit, connectors: a.connectors, env: env.get, log: connectorLog(log), now: () => clock.now, loadConfig: a.loadConfig, recordConfig: a.recordConfig, liveness: processLiveness(hostname()) });
    const bg = async () => (await a.store.campaigns.list()).filter((c) => c.reviewId === 'break-glass');
    return { clock, use: (at: string) => writeFileSync(join(configDir, 'connectors/sample-data/trading.csv'), trading(at)), sync: () => syncWith(a.sync), crashedSync: () => syncWith(crashed), bg };
  }

  it('a use applied by a run that died before its hook is reviewed by the next run', async () => {
    const f = await firm();
    await f.sync();
    f.clock.now = new Date('2026-09-03T09:00:00.000Z');
    f.use('2026-09-03T02:14:00Z');
    await f.crashedSync();
    expect(await f.bg()).toEqual([]);
    // The next run pulls the same export: against the snapshot before it, nothing moved; against
    // the state last checked (the first snapshot), the grant was used.
    f.clock.now = new Date('2026-09-03T10:00:00.000Z');
    await f.sync();
    expect((await f.bg()).map((c) => c.id)).toEqual([`break-glass:trading:${ALICE}:2026-09-03T02:14:00.000Z`]);
    await f.sync();
    expect(await f.bg()).toHaveLength(1);
    expect((await auditVerify(app!.store)).state?.ok).toBe(true);
  });

  it('pruning never takes the grants of the state last checked (an applied snapshot): it is still the baseline, no grant reads as new', async () => {
    const f = await firm();
    await f.sync();
    f.clock.now = new Date('2026-09-03T09:00:00.000Z');
    await f.crashedSync();
    f.clock.now = new Date('2026-09-03T10:00:00.000Z');
    await f.crashedSync();
    // Applied snapshots keep their grants for evidence (SnapshotStore.pruneGrants): nothing to prune here.
    expect(await app!.store.snapshots.pruneGrants(0)).toBe(0);
    f.clock.now = new Date('2026-09-03T11:00:00.000Z');
    await f.sync();
    expect(await f.bg()).toEqual([]);
    // From this baseline on, a use is reviewed as ever.
    f.use('2026-09-03T11:30:00Z');
    f.clock.now = new Date('2026-09-03T12:00:00.000Z');
    await f.sync();
    expect((await f.bg()).map((c) => c.id)).toEqual([`break-glass:trading:${ALICE}:2026-09-03T11:30:00.000Z`]);
  });

  it('a campaign left opening by a crash is finished once, with one campaign.opened and one item.assigned', async () => {
    const f = await firm();
    await f.sync();
    f.clock.now = new Date('2026-09-03T09:00:00.000Z');
    const id = `break-glass:trading:${ALICE}:2026-09-03T02:14:00.000Z`;
    // What a run that died right after creating the campaign row left.
    await app!.store.campaigns.create({ id, reviewId: 'break-glass', period: id.slice('break-glass:'.length), name: 'x', state: 'opening', openedAt: f.clock.now.toISOString(), dueAt: '2026-09-04T09:00:00.000Z', closedAt: null, openedBy: 'scheduler' });
    f.use('2026-09-03T02:14:00Z');
    await f.sync();
    const [campaign] = await f.bg();
    expect(campaign).toMatchObject({ id, state: 'open' });
    expect(await app!.store.campaigns.items(id)).toHaveLength(1);
    expect(await app!.store.ledger.query({ type: 'campaign.opened', subject: id })).toHaveLength(1);
    expect((await app!.store.ledger.query({ type: 'item.assigned' })).filter((e) => e.data.campaignId === id)).toHaveLength(1);
    expect((await auditVerify(app!.store)).state?.ok).toBe(true);
  });
});
