/**
 * serve without Slack: the health server on HEALTH_PORT (ephemeral here) answers /healthz,
 * /readyz and /metrics over real HTTP; the initial sync fills a fresh data folder; readiness
 * fails (503) when a system's data is stale and when the store is closed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { openApp } from '../../src/app.js';
import { loadEnv } from '../../src/config/env.js';
import type { RunningServer } from '../../src/server/start-server.js';
import { startServer } from '../../src/server/start-server.js';
import { MINIMAL_FIRM, TRADING_DESK_HR, tempConfigDir } from '../helpers/temp-config.js';
import { get, readyz } from './http-get.js';

const TRADING_CSV = ['account_id,identity,role,scope,status,last_activity_at,display_name,account_type', 'alice,alice@example.com,TRADER,spot,active,2026-11-23T17:31:00Z,Alice,human', 'boss,boss@example.com,VIEWER,,active,2026-11-23T17:31:00Z,Boss,human', ''].join('\n');
const HOUR = 3_600_000;
/** trading every 6 hours in UTC: the default limit counts slots from now, and a daylight-saving change would stretch one gap. */
const TRADING_YAML = MINIMAL_FIRM['connectors/trading.yaml']!.replace('timezone: Europe/Vaduz', 'timezone: UTC');

describe('serve: health, readiness and metrics without Slack', () => {
  let app: App;
  let server: RunningServer | null;
  let clock: Date;

  beforeEach(async () => {
    const dir = tempConfigDir({ ...MINIMAL_FIRM, 'connectors/trading.yaml': TRADING_YAML, 'connectors/sample-data/hr.csv': TRADING_DESK_HR, 'connectors/sample-data/trading.csv': TRADING_CSV });
    const data = mkdtempSync(join(tmpdir(), 'iam-health-'));
    clock = new Date('2026-12-01T10:00:00Z');
    app = await openApp(loadEnv({ IAM_REVIEW_CONFIG_DIR: dir, IAM_REVIEW_DATA_DIR: data, LOG_LEVEL: 'silent', HEALTH_PORT: '0' }), { now: () => new Date(clock), log: pino({ level: 'silent' }) });
    server = await startServer(app, { owner: 'test' });
  });
  afterEach(async () => {
    await server?.stop();
    await app.close();
  });

  it('a fresh data folder: every system is synced at start, then /readyz is 200 naming each check', async () => {
    const outcomes = await server!.initialSync;
    expect(outcomes.map((o) => [o.systemId, o.ok && o.result.applied])).toEqual([['hr', true], ['trading', true]]);
    expect(await get(server!.healthPort, '/healthz')).toEqual({ status: 200, type: 'application/json; charset=utf-8', body: { status: 'ok' } });
    const r = await readyz(server!.healthPort);
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('ready');
    expect(r.body.checks.map((c) => [c.name, c.ok])).toEqual([['config', true], ['store', true], ['system:hr', true], ['system:trading', true]]);
  });

  it('a system whose current snapshot is older than its limit fails readiness with 503 (trading: 3 x 6 h; hr, unscheduled: 24 h)', async () => {
    await server!.initialSync;
    clock = new Date(clock.getTime() + 17.9 * HOUR);
    expect((await readyz(server!.healthPort)).status).toBe(200);
    clock = new Date(clock.getTime() + 0.2 * HOUR);
    const r = await readyz(server!.healthPort);
    expect(r.status).toBe(503);
    expect(r.body.status).toBe('not ready');
    expect(r.body.checks.filter((c) => !c.ok)).toEqual([{ name: 'system:trading', ok: false, detail: 'last applied snapshot 18.1 h old (stale after 18.0 h)' }]);
    clock = new Date(clock.getTime() + 6 * HOUR);
    expect((await readyz(server!.healthPort)).body.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['system:hr', 'system:trading']);
  });

  it('replicas starting together sync each system once: a system whose initial sync another replica claimed is left to it', async () => {
    await server!.stop();
    server = null;
    const dir = tempConfigDir({ ...MINIMAL_FIRM, 'connectors/sample-data/hr.csv': TRADING_DESK_HR, 'connectors/sample-data/trading.csv': TRADING_CSV });
    const other = await openApp(loadEnv({ IAM_REVIEW_CONFIG_DIR: dir, IAM_REVIEW_DATA_DIR: mkdtempSync(join(tmpdir(), 'iam-health-')), LOG_LEVEL: 'silent', HEALTH_PORT: '0' }), { now: () => new Date(clock), log: pino({ level: 'silent' }) });
    expect(await other.store.scheduler.claim('initial-sync:hr@attempt-0', 'initial-sync:hr', 'replica-2', clock.toISOString(), 60_000)).toBe(true);
    const s = await startServer(other, { owner: 'test' });
    try {
      expect((await s.initialSync).map((o) => o.systemId)).toEqual(['trading']);
      expect([...(await other.store.snapshots.currentAll()).keys()]).toEqual(['trading']);
    } finally {
      await s.stop();
      await other.close();
    }
  });

  it('a system that never synced is not ready', async () => {
    await server!.stop();
    server = null;
    // hr's export is gone: its sync fails, so it has no applied snapshot.
    const dir = tempConfigDir({ ...MINIMAL_FIRM, 'connectors/sample-data/trading.csv': TRADING_CSV });
    const other = await openApp(loadEnv({ IAM_REVIEW_CONFIG_DIR: dir, IAM_REVIEW_DATA_DIR: mkdtempSync(join(tmpdir(), 'iam-health-')), LOG_LEVEL: 'silent', HEALTH_PORT: '0' }), { now: () => new Date(clock), log: pino({ level: 'silent' }) });
    const s = await startServer(other, { owner: 'test' });
    try {
      expect((await s.initialSync).map((o) => [o.systemId, o.ok && o.result.applied])).toEqual([['hr', false], ['trading', true]]);
      const r = await readyz(s.healthPort);
      expect(r.status).toBe(503);
      expect(r.body.checks.filter((c) => !c.ok)).toEqual([{ name: 'system:hr', ok: false, detail: 'no applied snapshot yet' }]);
      const metrics = (await get(s.healthPort, '/metrics')).body as string;
      expect(metrics).toContain('iam_review_snapshots{system="hr",status="failed"} 1');
      expect(metrics).toContain('iam_review_snapshots{system="trading",status="complete"} 1');
    } finally {
      await s.stop();
      await other.close();
    }
  });

  it('a closed store fails readiness with 503 (store and every system); liveness still answers', async () => {
    await server!.initialSync;
    await app.store.close();
    const r = await readyz(server!.healthPort);
    expect(r.status).toBe(503);
    expect(r.body.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['store', 'system:hr', 'system:trading']);
    expect(r.body.checks.find((c) => c.name === 'store')!.detail).toMatch(/^sqlite: .+/);
    expect(r.body.checks.find((c) => c.name === 'system:hr')!.detail).toBe('not checked: the store did not answer');
    expect((await get(server!.healthPort, '/healthz')).status).toBe(200);
  });

  it('/metrics: Prometheus text, every series prefixed iam_review_, no personal data in labels', async () => {
    await server!.initialSync;
    const m = await get(server!.healthPort, '/metrics');
    expect(m.status).toBe(200);
    expect(m.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = m.body as string;
    const samples = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(samples.length).toBeGreaterThan(20);
    for (const s of samples) expect(s).toMatch(/^iam_review_[a-z0-9_]+(\{[^}]*\})? /);
    expect(text).not.toMatch(/example\.com|alice|boss/i);
    expect(samples).toEqual(expect.arrayContaining([
      'iam_review_sync_runs_total{system="hr",outcome="complete"} 1',
      'iam_review_sync_runs_total{system="trading",outcome="complete"} 1',
      'iam_review_sync_duration_seconds_count{system="trading",outcome="complete"} 1',
      'iam_review_grants{system="trading"} 2',
      'iam_review_grants{system="hr"} 0',
      'iam_review_last_successful_sync_age_seconds{system="trading"} 0',
      'iam_review_snapshots{system="hr",status="complete"} 1',
      'iam_review_snapshots{system="trading",status="complete"} 1',
    ]));
    expect(samples.filter((l) => l.startsWith('iam_review_snapshots{'))).toHaveLength(2);
    const head = (await app.store.ledger.head())!.seq;
    expect(samples).toContain(`iam_review_ledger_head_seq ${head}`);
  });
});
