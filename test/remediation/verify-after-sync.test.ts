/**
 * How the sync closes the loop: app.sync (built by the composition root) verifies the
 * remediations of every snapshot it makes current, on a firm in a temp config dir with real
 * SQLite. A revoke of a grant already gone when decided is verified by the next applied
 * snapshot, not an error; a quarantined outcome verifies nothing until it is accepted.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { openApp } from '../../src/app.js';
import { loadEnv } from '../../src/config/env.js';
import type { ReviewItem } from '../../src/domain/index.js';
import { createLogger } from '../../src/logger.js';
import { decideItem } from '../../src/reviews/decide-item.js';
import { openCampaign } from '../../src/reviews/open-campaign.js';
import type { SyncOutcome } from '../../src/sync/sync-runner.js';
import { MINIMAL_FIRM, TRADING_DESK_HR, tempConfigDir } from '../helpers/temp-config.js';

const HEADER = 'account_id,identity,role,scope,status,last_activity_at,display_name,account_type';
const ALICE = 'acc-alice,alice@example.com,TRADER,spot,active,2026-08-30T10:00:00Z,Alice,human';
const OTHERS = Array.from({ length: 30 }, (_, i) => `acc-${i},boss@example.com,VIEWER,desk-${i},active,2026-08-30T10:00:00Z,B${i},human`);

describe('verification after a sync', () => {
  let app: App;
  let configDir: string;
  let item: ReviewItem;
  const boss = { id: 'E2', email: 'boss@example.com', slackId: null, label: 'boss@example.com' };
  const writeTrading = (rows: string[]) => writeFileSync(join(configDir, 'connectors/sample-data/trading.csv'), [HEADER, ...rows].join('\n') + '\n');
  const sync = async () => (await app.sync.runConfigured(undefined, { actor: 'test' })).flatMap((o: SyncOutcome) => (o.ok ? [o.result] : []));

  beforeEach(async () => {
    configDir = tempConfigDir({ ...MINIMAL_FIRM, 'connectors/sample-data/hr.csv': TRADING_DESK_HR, 'connectors/sample-data/trading.csv': [HEADER, ALICE, ...OTHERS].join('\n') + '\n' });
    const env = loadEnv({ IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: mkdtempSync(join(tmpdir(), 'iam-verify-sync-')), LOG_LEVEL: 'silent' });
    app = await openApp(env, { now: () => new Date('2026-09-01T08:00:00.000Z'), log: createLogger('silent') });
    await sync();
    const deps = await app.reviews.recordedDeps('test');
    const { campaign } = await openCampaign(deps, 'semiannual', { period: '2026-H2', actor: 'test' });
    item = (await app.store.campaigns.items(campaign.id)).find((i) => i.accountId === 'acc-alice')!;
  });

  afterEach(async () => {
    await app.close();
  });

  it('a revoke of a grant already gone when decided: open at first, verified by the next applied snapshot', async () => {
    writeTrading(OTHERS);
    const [, removedIn] = await sync();
    await decideItem(app.reviews.deps(), { itemId: item.id, outcome: 'revoke', actor: boss, channel: 'cli', justification: 'left the desk' });
    expect(await app.remediation.open('test')).toEqual({ opened: 1, attached: 0 });
    expect((await app.remediation.list()).map((r) => r.state)).toEqual(['open']);
    expect(removedIn!.applied).toBe(true);

    const results = await sync();
    const trading = results.find((r) => r.systemId === 'trading')!;
    expect(await app.remediation.get(`rem:${item.id}`)).toMatchObject({ state: 'verified', verifiedSnapshotId: trading.snapshot.id, verifiedSnapshotHash: trading.snapshot.contentHash });
    // Verifying again against the same snapshot changes nothing.
    expect((await app.remediation.verifyApplied(results)).find((v) => v.systemId === 'trading')).toEqual({ systemId: 'trading', snapshotId: trading.snapshot.id, verified: 0, reappeared: 0, skipped: null });
  });

  it('a revoke decided outside the CLI (Slack, the demo) gets its remediation from the next sync, due from the decision', async () => {
    await decideItem(app.reviews.deps(), { itemId: item.id, outcome: 'revoke', actor: boss, channel: 'slack', justification: 'left the desk' });
    expect(await app.remediation.list()).toEqual([]);
    await sync();
    expect(await app.remediation.list()).toMatchObject([{ id: `rem:${item.id}`, state: 'open', dueAt: '2026-09-02T08:00:00.000Z' }]);
  });

  it('a quarantined outcome verifies nothing; accepting it does', async () => {
    await decideItem(app.reviews.deps(), { itemId: item.id, outcome: 'revoke', actor: boss, channel: 'cli', justification: 'left the desk' });
    await app.remediation.open('test');
    writeTrading(OTHERS.slice(0, 3));
    const results = await sync();
    const quarantined = results.find((r) => r.systemId === 'trading')!;
    expect(quarantined).toMatchObject({ applied: false, snapshot: { status: 'quarantined' } });
    expect((await app.remediation.verifyApplied(results)).map((v) => v.systemId)).toEqual(['hr']);
    expect((await app.remediation.list()).map((r) => r.state)).toEqual(['open']);

    await app.sync.acceptQuarantined(quarantined.snapshot.id, 'sec@example.com');
    expect(await app.remediation.get(`rem:${item.id}`)).toMatchObject({ state: 'verified', verifiedSnapshotId: quarantined.snapshot.id });
  });
});
