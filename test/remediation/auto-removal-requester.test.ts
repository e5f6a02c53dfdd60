/**
 * AutoRemovalRequester over a real app (real SQLite, real sync of a CSV firm): the grant is
 * found in the system's current snapshot and handed to the system's revoker; a transient
 * failure holds the system's writes off for its Retry-After (on the pacer's injected clock:
 * nothing waits) and is tried again, failing after the attempts; a grant not in the current
 * snapshot is requested as already gone without a call. The revoker is a hand-written fake of
 * the vendor side. Through the app's own wiring, a connector type without revokeGrant fails
 * the removal with the reason.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { openApp } from '../../src/app.js';
import { loadEnv } from '../../src/config/env.js';
import type { Grant, Remediation } from '../../src/domain/index.js';
import { createLogger } from '../../src/logger.js';
import { AutoRemovalRequester } from '../../src/remediation/auto-removal-requester.js';
import type { RevokeAnswer } from '../../src/remediation/auto-removal-requester.js';
import { requestRemovals } from '../../src/remediation/request-removals.js';
import { WritePacer } from '../../src/remediation/write-pacer.js';
import { decideItem } from '../../src/reviews/decide-item.js';
import { openCampaign } from '../../src/reviews/open-campaign.js';
import { MINIMAL_FIRM, TRADING_DESK_HR, tempConfigDir } from '../helpers/temp-config.js';

const TRADING = ['account_id,identity,role,scope', 'acc-a,alice@example.com,TRADER,spot', 'acc-b,alice@example.com,TRADER,futures', ...Array.from({ length: 30 }, (_, i) => `acc-${i},boss@example.com,VIEWER,desk-${i}`), ''].join('\n');

describe('AutoRemovalRequester', () => {
  let app: App;
  const clock = { t: 0, slept: [] as number[], now: () => clock.t, sleep: async (ms: number) => void (clock.slept.push(ms), (clock.t += ms)) };
  const now = new Date('2026-09-01T08:00:00.000Z');
  const deps = () => ({ store: app.store, audit: app.audit, now: () => now, config: app.loadConfig() });
  const byAccount = async () => Object.fromEntries((await app.remediation.list()).map((r) => [r.accountId, [r.state, r.failure]]));

  beforeEach(async () => {
    clock.t = 0;
    clock.slept = [];
    const trading = MINIMAL_FIRM['connectors/trading.yaml']!.replace('connector:', 'remediation: { mode: auto }\nconnector:');
    const configDir = tempConfigDir({ ...MINIMAL_FIRM, 'connectors/trading.yaml': trading, 'connectors/sample-data/hr.csv': TRADING_DESK_HR, 'connectors/sample-data/trading.csv': TRADING });
    app = await openApp(loadEnv({ IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: mkdtempSync(join(tmpdir(), 'iam-auto-')), LOG_LEVEL: 'silent' }), { now: () => now, log: createLogger('silent') });
    await app.sync.runConfigured(undefined, { actor: 'test' });
    const { campaign } = await openCampaign(await app.reviews.recordedDeps('test'), 'semiannual', { period: '2026-H2', actor: 'test' });
    const boss = { id: 'E2', email: 'boss@example.com', slackId: null, label: 'boss@example.com' };
    for (const item of await app.store.campaigns.items(campaign.id)) {
      if (['acc-a', 'acc-b'].includes(item.accountId)) await decideItem(app.reviews.deps(), { itemId: item.id, outcome: 'revoke', actor: boss, channel: 'cli', justification: 'left the desk' });
    }
    await app.remediation.open('test');
  });
  afterEach(async () => {
    await app.close();
  });

  it('hands the snapshot\'s grant to the revoker; a throttled call is held off for its Retry-After and tried again', async () => {
    const seen: Grant[] = [];
    let throttles = 1;
    const revoker = {
      open: () => ({
        revoke: async (grant: Grant): Promise<RevokeAnswer> => {
          seen.push(grant);
          if (grant.accountId === 'acc-a' && throttles-- > 0) throw Object.assign(new Error('Graph could not serve the removal (429)'), { transient: true, retryAfterMs: 7_000 });
          return { outcome: 'removed', ref: `deleted ${grant.accountId}` };
        },
        close: async () => {},
      }),
    };
    const requester = new AutoRemovalRequester({ snapshots: app.store.snapshots, revokers: revoker, pacer: new WritePacer({ writes: 100, perMs: 1_000, burst: 10 }, clock) });
    const [trading] = (await requestRemovals(deps(), new Map([['auto', requester]]))).filter((r) => r.systemId === 'trading');
    expect(trading).toMatchObject({ requested: 2, failed: 0 });
    expect(seen.map((g) => [g.accountId, g.role, g.scope, g.identityId])).toEqual(
      expect.arrayContaining([
        ['acc-a', 'TRADER', 'spot', 'E1'],
        ['acc-b', 'TRADER', 'futures', 'E1'],
      ]),
    );
    expect(seen.filter((g) => g.accountId === 'acc-a')).toHaveLength(2);
    expect(clock.slept).toEqual([7_000]);
    expect(await byAccount()).toEqual({ 'acc-a': ['requested', null], 'acc-b': ['requested', null] });
  });

  it('still failing after the attempts -> failed with the reason; refused -> failed naming the permission', async () => {
    const revoker = {
      open: () => ({
        revoke: async (grant: Grant): Promise<RevokeAnswer> => {
          if (grant.accountId === 'acc-a') throw Object.assign(new Error('503 Service Unavailable'), { transient: true, retryAfterMs: null });
          return { outcome: 'refused', reason: 'the token may not write', permission: 'Trading.Admin' };
        },
        close: async () => {},
      }),
    };
    const requester = new AutoRemovalRequester({ snapshots: app.store.snapshots, revokers: revoker, attempts: 3, defaultHoldOffMs: 1_000, pacer: new WritePacer({ writes: 100, perMs: 1_000, burst: 10 }, clock) });
    await requestRemovals(deps(), new Map([['auto', requester]]));
    expect(await byAccount()).toEqual({
      'acc-a': ['failed', 'still failing after 3 attempts: 503 Service Unavailable'],
      'acc-b': ['failed', 'refused: the token may not write (missing permission: Trading.Admin)'],
    });
    expect(clock.slept).toEqual([1_000, 1_000]);
    const failed = await app.store.ledger.query({ type: 'remediation.failed' });
    expect(failed.find((e) => e.data.accountId === 'acc-b')?.data).toMatchObject({ mode: 'auto', permission: 'Trading.Admin' });
  });

  it('a grant not in the current snapshot is requested as already gone, with no call', async () => {
    let calls = 0;
    const revoker = { open: () => ({ revoke: async (): Promise<RevokeAnswer> => (calls++, { outcome: 'removed', ref: 'x' }), close: async () => {} }) };
    const requester = new AutoRemovalRequester({ snapshots: app.store.snapshots, revokers: revoker, pacer: new WritePacer(undefined, clock) });
    const rem = (await app.remediation.list())[0]!;
    const ghost: Remediation = { ...rem, grantId: 'g_not_in_the_snapshot' };
    const system = app.loadConfig().systems.find((s) => s.id === 'trading')!;
    const [outcome] = await requester.request(system, [ghost], { now: () => now });
    expect(outcome).toMatchObject({ outcome: 'requested', ref: expect.stringMatching(/^already gone: not in the current snapshot /), detail: { result: 'already-gone' } });
    expect(calls).toBe(0);
  });

  it('through the app\'s wiring, a connector type without revokeGrant (csv) fails the removals with the reason', async () => {
    const [trading] = (await app.remediation.requestRemovals({ actor: 'test' })).filter((r) => r.systemId === 'trading');
    expect(trading).toMatchObject({ mode: 'auto', unavailable: null, failed: 2 });
    expect((await app.remediation.list())[0]!.failure).toMatch(/the csv connector of trading cannot remove grants/);
  });
});
