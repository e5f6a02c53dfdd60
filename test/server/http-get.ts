/** GET over real HTTP against a started server on 127.0.0.1. */
import type { CheckResult } from '../../src/server/readiness.js';

export interface Answer {
  status: number;
  type: string | null;
  body: unknown;
}

export async function get(port: number, path: string): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  const type = res.headers.get('content-type');
  const text = await res.text();
  return { status: res.status, type, body: type?.startsWith('application/json') ? JSON.parse(text) : text };
}

export async function readyz(port: number): Promise<{ status: number; body: { status: string; checks: CheckResult[] } }> {
  const a = await get(port, '/readyz');
  return { status: a.status, body: a.body as { status: string; checks: CheckResult[] } };
}
