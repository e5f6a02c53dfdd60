/**
 * deploy/healthcheck.mjs (the image's and compose's HEALTHCHECK), run as a real process against
 * real HTTP servers: exit 0 only when /healthz answers 2xx on the port `serve` uses in that mode.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Check {
  code: number;
  out: string;
}

/** Runs the script with only the given variables (never the test process's PORT or Slack tokens). */
function healthcheck(env: Record<string, string>): Promise<Check> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['deploy/healthcheck.mjs'], { env: { PATH: process.env.PATH ?? '', ...env } }, (err, stdout) => {
      resolve({ code: err ? Number(err.code) : 0, out: stdout });
    });
  });
}

/** A server answering `status` on /healthz and 404 elsewhere. */
async function serverAnswering(status: number): Promise<{ server: Server; port: string }> {
  const server = createServer((req, res) => {
    res.statusCode = req.url === '/healthz' ? status : 404;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: String((server.address() as AddressInfo).port) };
}

let healthy: { server: Server; port: string };
let failing: { server: Server; port: string };
let closedPort: string;

beforeAll(async () => {
  healthy = await serverAnswering(200);
  failing = await serverAnswering(503);
  const closed = await serverAnswering(200);
  closedPort = closed.port;
  await new Promise((r) => closed.server.close(r));
});
afterAll(async () => {
  await Promise.all([healthy, failing].map(({ server }) => new Promise((r) => server.close(r))));
});

const HTTP_MODE = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret' };
const SOCKET_MODE = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' };

describe('deploy/healthcheck.mjs', () => {
  it('exits 0 when /healthz on PORT answers 200', async () => {
    expect(await healthcheck({ PORT: healthy.port })).toEqual({ code: 0, out: '' });
  });

  it('exits 1 naming the status when /healthz answers 503', async () => {
    const r = await healthcheck({ PORT: failing.port });
    expect(r.code).toBe(1);
    expect(r.out).toContain(`http://127.0.0.1:${failing.port}/healthz answered 503`);
  });

  it('exits 1 when nothing listens', async () => {
    const r = await healthcheck({ PORT: closedPort });
    expect(r.code).toBe(1);
    expect(r.out).toContain('ECONNREFUSED');
  });

  it('in Socket Mode and without Slack asks HEALTH_PORT', async () => {
    expect((await healthcheck({ ...SOCKET_MODE, PORT: failing.port, HEALTH_PORT: healthy.port })).code).toBe(0);
    expect((await healthcheck({ PORT: failing.port, HEALTH_PORT: healthy.port })).code).toBe(0);
    expect((await healthcheck({ ...SOCKET_MODE, PORT: healthy.port, HEALTH_PORT: failing.port })).code).toBe(1);
  });

  it('in HTTP mode asks PORT (beside /slack/events), whatever HEALTH_PORT says', async () => {
    expect((await healthcheck({ ...HTTP_MODE, PORT: healthy.port, HEALTH_PORT: failing.port })).code).toBe(0);
    expect((await healthcheck({ ...HTTP_MODE, PORT: failing.port, HEALTH_PORT: healthy.port })).code).toBe(1);
  });
});
