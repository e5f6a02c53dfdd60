/**
 * A small node:http server for the operations routes when Bolt's HTTP receiver does not listen
 * (Socket Mode, or no Slack): on HEALTH_PORT. Anything but GET of a known path answers 404.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HealthRoute } from './health-routes.js';

export interface HealthServer {
  port: number;
  stop(): Promise<void>;
}

export async function startHealthServer(routes: readonly HealthRoute[], port: number): Promise<HealthServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = routes.find((r) => r.path === path && r.method === req.method);
    if (route) return route.handler(req, res);
    res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ error: 'not found' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
