/**
 * serve with Slack: in HTTP mode /healthz, /readyz and /metrics answer on Bolt's port beside
 * /slack/events (whose signature check still refuses unsigned requests); in Socket Mode on the
 * health server's port (HEALTH_PORT, defaulting to PORT: 0 here). Readiness includes Slack's
 * auth.test and fails (503) when a system's data is stale, when auth.test fails and when the
 * store is closed. The harness seeds hr and trading snapshots finished at 2026-11-01T00:00:01Z.
 */
import { retryPolicies } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/start-server.js';
import { startServer } from '../../src/server/start-server.js';
import { decideItem } from '../../src/reviews/decide-item.js';
import { SLACK_AUTH_TTL_MS } from '../../src/server/health-checks.js';
import { FakeSocketMode } from '../fakes/fake-socket-mode.js';
import { SlackHarness } from '../slack/slack-harness.js';
import { get, readyz } from './http-get.js';

const APP_TOKEN = 'xapp-1-A0APP0001-1-health-test';
const SEEDED_AT = Date.parse('2026-11-01T00:00:01Z');
const HOUR = 3_600_000;

describe('serve: health, readiness and metrics with Slack', () => {
  let h: SlackHarness;
  let server: RunningServer | null = null;
  let socket: FakeSocketMode | null = null;

  afterEach(async () => {
    await server?.stop();
    server = null;
    h.slack = null; // stopped with the server
    await h.close();
    await socket?.stop();
    socket = null;
  });

  const notOk = async (port: number) => (await readyz(port)).body.checks.filter((c) => !c.ok);

  describe('HTTP mode', () => {
    async function start(): Promise<RunningServer> {
      h = await SlackHarness.create();
      h.clock = new Date(SEEDED_AT + HOUR);
      server = await startServer(h.app, { slack: { port: 0 }, owner: 'test' });
      h.slack = server.slack;
      return server;
    }

    it('answers on the Slack port beside /slack/events; ready with auth.test; 503 once trading is stale', async () => {
      const s = await start();
      expect(s.slack).toMatchObject({ mode: 'http' });
      expect(s.healthPort).toBe(s.slack!.port);
      expect((await get(s.healthPort, '/healthz')).status).toBe(200);
      const r = await readyz(s.healthPort);
      expect(r.status).toBe(200);
      expect(r.body.checks.map((c) => [c.name, c.ok])).toEqual([['config', true], ['store', true], ['system:hr', true], ['system:trading', true], ['slack', true]]);
      expect(r.body.checks.at(-1)).toEqual({ name: 'slack', ok: true, detail: 'auth.test passed' });
      // Bolt still guards its own endpoint.
      expect((await fetch(`http://127.0.0.1:${s.healthPort}/slack/events`, { method: 'POST', body: '{}' })).status).toBe(401);

      // trading syncs every 6 h (Europe/Vaduz): stale after 18 h, 21 h in a week with a daylight-saving change; hr after 24 h.
      h.clock = new Date(SEEDED_AT + 22 * HOUR);
      const stale = await readyz(s.healthPort);
      expect(stale.status).toBe(503);
      expect(stale.body.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['system:trading']);
    });

    it('a failing auth.test fails readiness (asked again once its answer is older than the TTL)', async () => {
      const s = await start();
      expect((await readyz(s.healthPort)).status).toBe(200);
      h.fake.failNext('auth.test', 1, { type: 'error', error: 'invalid_auth' });
      // Within the TTL the last answer stands: no call.
      const calls = h.fake.callsTo('auth.test').length;
      expect((await readyz(s.healthPort)).status).toBe(200);
      expect(h.fake.callsTo('auth.test')).toHaveLength(calls);
      h.clock = new Date(h.clock.getTime() + SLACK_AUTH_TTL_MS);
      const r = await readyz(s.healthPort);
      expect(r.status).toBe(503);
      expect(r.body.checks.filter((c) => !c.ok)).toEqual([{ name: 'slack', ok: false, detail: 'auth.test failed: An API error occurred: invalid_auth' }]);
    });

    it('/metrics: open findings by type and severity, campaign items and remediations by state, without personal data', async () => {
      const s = await start();
      await h.openAndDeliver();
      const boss = { id: 'boss', email: 'boss@example.com', slackId: null, label: 'boss@example.com' };
      await decideItem(h.deps(), { itemId: (await h.item('bob-trader')).id, outcome: 'revoke', actor: boss, channel: 'cli', justification: 'No longer on the trading desk.' });
      await h.app.remediation.open('test');
      const m = await get(s.healthPort, '/metrics');
      expect(m.status).toBe(200);
      const text = m.body as string;
      expect(text).toContain('iam_review_open_findings{type="not-allowed",severity="high"} 1');
      expect(text).toContain('iam_review_grants{system="trading"} 5');
      expect(text).toMatch(/^iam_review_campaign_items\{state="pending"\} [1-9]\d*$/m);
      expect(text).toContain('iam_review_campaign_items{state="revoked"} 1');
      expect(text).toContain('iam_review_remediations{state="open"} 1');
      expect(text).not.toMatch(/example\.com|U0[A-Z0-9]{7}|alice|bob/i);
    });

    it('/metrics: Slack Web API requests by method and outcome, as the fake Slack saw them (a 429 and its retry, an ok=false answer)', async () => {
      const s = await start();
      // The first review message is answered 429 (retried at once: Retry-After 0); an unknown email is users_not_found (ok=false).
      h.fake.failNext('chat.postMessage', 1, { type: 'rate_limited', retryAfterSeconds: 0 });
      await h.openAndDeliver();
      expect(await h.slack!.services.deps.directory.userIdForEmail('nobody@example.com')).toBeNull();
      const text = (await get(s.healthPort, '/metrics')).body as string;
      const series = (method: string, outcome: string) => Number(new RegExp(`^iam_review_slack_api_calls_total\\{method="${method.replace('.', '\\.')}",outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
      const seen = (method: string, pick: (c: { status: number; ok: boolean }) => boolean) => h.fake.callsTo(method).filter(pick).length;
      const posts = seen('chat.postMessage', (c) => c.status === 200 && c.ok);
      expect(posts).toBeGreaterThan(0);
      expect(series('chat.postMessage', 'ok')).toBe(posts);
      expect(series('chat.postMessage', 'rate_limited')).toBe(1);
      expect(seen('chat.postMessage', (c) => c.status === 429)).toBe(1);
      expect(series('auth.test', 'ok')).toBe(seen('auth.test', (c) => c.ok));
      expect(series('users.lookupByEmail', 'error')).toBe(seen('users.lookupByEmail', (c) => c.status === 200 && !c.ok));
      expect(series('users.lookupByEmail', 'error')).toBeGreaterThan(0);
      // Every request the fake answered is counted once, under its method.
      const counted = [...text.matchAll(/^iam_review_slack_api_calls_total\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
      expect(counted).toBe(h.fake.calls.length);
      expect(text).not.toMatch(/example\.com|U0[A-Z0-9]{7}|C0[A-Z0-9]{7}/i);
    });
  });

  describe('Socket Mode', () => {
    it('answers on the health server (HEALTH_PORT); 503 when the store is closed', async () => {
      socket = await FakeSocketMode.start();
      const sock = socket;
      h = await SlackHarness.create({ appToken: APP_TOKEN, socketModeUrl: () => sock.newUrl() });
      h.clock = new Date(SEEDED_AT + HOUR);
      server = await startServer(h.app, { slack: { appToken: APP_TOKEN, port: 0, retryConfig: retryPolicies.rapidRetryPolicy }, owner: 'test' });
      h.slack = server.slack;
      expect(server.slack).toMatchObject({ mode: 'socket', port: null });
      expect(server.healthPort).toBeGreaterThan(0);
      expect((await get(server.healthPort, '/healthz')).status).toBe(200);
      expect((await get(server.healthPort, '/nope')).status).toBe(404);
      const r = await readyz(server.healthPort);
      expect(r.status).toBe(200);
      expect(r.body.checks.map((c) => c.name)).toEqual(['config', 'store', 'system:hr', 'system:trading', 'slack']);
      expect((await get(server.healthPort, '/metrics')).body).toContain('iam_review_grants{system="trading"} 5');

      h.clock = new Date(SEEDED_AT + 25 * HOUR);
      expect(await notOk(server.healthPort)).toMatchObject([{ name: 'system:hr' }, { name: 'system:trading' }]);

      await h.app.store.close();
      const down = await readyz(server.healthPort);
      expect(down.status).toBe(503);
      expect(down.body.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['store', 'system:hr', 'system:trading']);
    });
  });
});
