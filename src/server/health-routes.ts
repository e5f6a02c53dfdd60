/**
 * The operations routes: GET /healthz (liveness: the process and its event loop answer; no
 * I/O), GET /readyz (readiness: 200 when every check passed, else 503; the body names each
 * check) and GET /metrics (Prometheus text). The same routes serve in Bolt's HTTP receiver
 * (its customRoutes, beside /slack/events) and in health-server.ts's own server.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ReadinessProbe } from './health-checks.js';
import type { Metrics } from './metrics.js';

/** A route as Bolt's HTTPReceiver takes it (`customRoutes`). */
export interface HealthRoute {
  path: string;
  method: string;
  handler(req: IncomingMessage, res: ServerResponse): void;
}

export interface HealthRouteDeps {
  ready: ReadinessProbe;
  metrics: Metrics;
  /** Where a failing route's error is reported (the response says only that it failed). */
  onError(err: unknown, path: string): void;
}

export function healthRoutes(deps: HealthRouteDeps): HealthRoute[] {
  const route = (path: string, answer: () => Promise<{ status: number; type: string; body: string }>): HealthRoute => ({
    path,
    method: 'GET',
    handler(_req, res) {
      answer().then(
        (a) => send(res, a.status, a.type, a.body),
        (err: unknown) => {
          deps.onError(err, path);
          send(res, 500, JSON_TYPE, JSON.stringify({ error: 'internal error' }));
        },
      );
    },
  });
  return [
    route('/healthz', async () => ({ status: 200, type: JSON_TYPE, body: JSON.stringify({ status: 'ok' }) })),
    route('/readyz', async () => {
      const r = await deps.ready();
      return { status: r.ready ? 200 : 503, type: JSON_TYPE, body: JSON.stringify({ status: r.ready ? 'ready' : 'not ready', checks: r.checks }) };
    }),
    route('/metrics', async () => ({ status: 200, type: deps.metrics.contentType, body: await deps.metrics.render() })),
  ];
}

const JSON_TYPE = 'application/json; charset=utf-8';

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}
