/**
 * Ticket mode through a generic webhook, over real HTTP to a hand-written receiver that checks
 * the signature the way docs/remediation.md tells receivers to, and dedupes on Idempotency-Key;
 * the app and its store (real SQLite) are real, sleeps are recorded instead of waited.
 */
import { REQUEST_LEASE_MS } from '../../src/remediation/request-removals.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeTicketWebhook } from '../fakes/fake-ticket-webhook.js';
import type { TicketFirm } from './ticket-fixture.js';
import { REVOKED, SECRETS, ticketFirm, writeTrading } from './ticket-fixture.js';

const webhookBlock = (url: string, batch = 'per-remediation') => `  mode: ticket\n  ticket:\n    webhook:\n      url: ${url}\n      secretEnv: WEBHOOK_SECRET\n      batch: ${batch}\n`;

describe('ticket mode: webhook', () => {
  let firm: TicketFirm;
  let hook: FakeTicketWebhook;

  async function setUp(batch = 'per-remediation', extraEnv: Record<string, string> = {}) {
    let clock = () => new Date();
    hook = await new FakeTicketWebhook(SECRETS.WEBHOOK_SECRET, () => Math.floor(clock().getTime() / 1000)).start();
    firm = await ticketFirm(webhookBlock(hook.url, batch), extraEnv);
    clock = () => firm.clock.now;
  }

  afterEach(async () => {
    await firm?.close();
    await hook?.stop();
  });

  it('one signed POST per remediation, keyed by its id; the receiver verifies each signature; requested with the ticket id', async () => {
    await setUp();
    const result = await firm.request();
    expect(result).toMatchObject({ requested: 3, failed: 0 });
    expect(hook.deliveries).toHaveLength(3);
    expect(hook.deliveries.every((d) => d.verified && d.status === 201)).toBe(true);
    const ids = (await firm.app.remediation.list({ systemId: 'trading' })).map((r) => r.id).sort();
    expect(hook.deliveries.map((d) => d.key).sort()).toEqual(ids);
    const body = hook.deliveries[0]!.body as { type: string; idempotencyKey: string; system: { id: string }; remediations: { id: string; accountId: string; dueAt: string }[] };
    expect(body).toMatchObject({ type: 'iam-review.removal-requested', idempotencyKey: hook.deliveries[0]!.key, system: { id: 'trading' } });
    expect(body.remediations).toHaveLength(1);
    expect(body.remediations[0]!.id).toBe(hook.deliveries[0]!.key);
    expect(await firm.states()).toEqual({ 'acc-a': ['requested', null], 'acc-b': ['requested', null], 'acc-c': ['requested', null] });
    expect((await firm.events('remediation.requested')).map((e) => e.ref).sort()).toEqual(['TCK-1', 'TCK-2', 'TCK-3']);
    expect(firm.sleeps).toEqual([]);
  });

  it('a wrong secret: the receiver refuses the signature (401), no retry, failed with the answer', async () => {
    await setUp('per-remediation', { WEBHOOK_SECRET: 'not-the-receivers-secret' });
    const result = await firm.request();
    expect(result).toMatchObject({ requested: 0, failed: 3 });
    expect(hook.deliveries.map((d) => [d.verified, d.why])).toEqual(Array(3).fill([false, 'signature mismatch']));
    expect((await firm.states())['acc-a']).toEqual(['failed', 'webhook answered 401: {"error":"signature mismatch"}']);
    expect(firm.sleeps).toEqual([]);
  });

  it('a missing secret variable fails the requests naming it, without calling', async () => {
    await setUp('per-remediation', { WEBHOOK_SECRET: '' });
    expect(await firm.request()).toMatchObject({ failed: 3 });
    expect((await firm.states())['acc-a']![1]).toBe('environment variable WEBHOOK_SECRET is not set (remediation.ticket.webhook.secretEnv in connectors/trading.yaml)');
    expect(hook.deliveries).toEqual([]);
  });

  it('500 then 503: retried with exponential backoff, the same key and body, then requested', async () => {
    await setUp();
    hook.answerNext({ status: 500, body: 'boom' }, { status: 503 });
    expect(await firm.request()).toMatchObject({ requested: 3, failed: 0 });
    expect(firm.sleeps).toEqual([1000, 2000]);
    const [first, second, third] = hook.deliveries;
    expect([first!.status, second!.status, third!.status]).toEqual([500, 503, 201]);
    expect(new Set([first!.key, second!.key, third!.key]).size).toBe(1);
    expect(first!.body).toEqual(third!.body);
  });

  it('500 every time: failed after the retry budget with the reason, nothing lost, sent again (same key) and requested on the next run; the receiver dedupes', async () => {
    await setUp();
    // The receiver opened the ticket each time but its answer failed: a retry must not open a second one.
    hook.answerNext(...Array.from({ length: 15 }, () => ({ status: 500, body: 'database unavailable', processed: true })));
    const first = await firm.request();
    expect(first).toMatchObject({ requested: 0, failed: 3 });
    expect(firm.sleeps).toEqual(Array(3).fill([1000, 2000, 4000, 8000]).flat());
    expect((await firm.states())['acc-a']).toEqual(['failed', 'webhook answered 500: database unavailable (gave up after 5 attempts)']);
    expect((await firm.events('remediation.failed')).map((e) => e.error)).toEqual(Array(3).fill('webhook answered 500: database unavailable (gave up after 5 attempts)'));

    const second = await firm.request();
    expect(second).toMatchObject({ requested: 3, failed: 0 });
    expect(hook.tickets.size).toBe(3);
    expect(new Set(hook.deliveries.map((d) => d.key)).size).toBe(3);
    expect((await firm.events('remediation.requested')).map((e) => e.ref).sort()).toEqual(['TCK-1', 'TCK-2', 'TCK-3']);
  });

  it('the endpoint down (connection refused): retried within the budget, then failed naming it', async () => {
    await setUp();
    await hook.stop();
    expect(await firm.request()).toMatchObject({ failed: 3 });
    expect((await firm.states())['acc-a']![1]).toMatch(/^webhook unreachable: fetch failed \(ECONNREFUSED\) \(gave up after 5 attempts\)$/);
    expect(firm.sleeps).toEqual(Array(3).fill([1000, 2000, 4000, 8000]).flat());
  });

  it('429 with Retry-After: waits exactly that long, then requested', async () => {
    await setUp();
    hook.answerNext({ status: 429, headers: { 'retry-after': '7' } });
    await firm.request();
    expect(firm.sleeps).toEqual([7000]);
    expect(await firm.states()).toEqual({ 'acc-a': ['requested', null], 'acc-b': ['requested', null], 'acc-c': ['requested', null] });
  });

  it('429 with a Retry-After beyond the retry budget fails at once with the reason', async () => {
    await setUp();
    hook.answerNext({ status: 429, headers: { 'retry-after': '3600' } });
    const result = await firm.request();
    expect(result).toMatchObject({ requested: 2, failed: 1 });
    expect(firm.sleeps).toEqual([]);
    expect(Object.values(await firm.states()).find(([s]) => s === 'failed')![1]).toBe('webhook answered 429 (gave up: waiting 3600 s more would exceed the retry budget of 120 s)');
  });

  it('the ticket reference: a JSON key, none for a non-JSON or huge answer (read up to a cap, the rest dropped)', async () => {
    await setUp();
    const bigJson = `{"id":"BIG-1","pad":"${'x'.repeat(200_000)}"}`;
    hook.answerNext(
      { status: 200, body: '{"key":"OPS-9"}', headers: { 'content-type': 'application/json' } },
      { status: 200, body: '<html>thanks</html>', headers: { 'content-type': 'text/html' } },
      { status: 202, body: bigJson.slice(0, 20), hugeBytes: 8 * 1024 * 1024 },
    );
    expect(await firm.request()).toMatchObject({ requested: 3 });
    const refs = (await firm.events('remediation.requested')).map((e) => [e.ref, (e.data.webhook as { note?: string }).note ?? null]);
    expect(refs).toEqual([
      ['OPS-9', null],
      [null, 'the answer was not JSON with an id or key: no ticket reference'],
      [null, 'the answer exceeded the size cap: no ticket reference read'],
    ]);
  });

  it('a huge valid-JSON answer is not parsed past the cap (no reference taken from it)', async () => {
    await setUp();
    hook.answerNext({ status: 201, body: `{"id":"BIG-1","pad":"${'x'.repeat(200_000)}"}` });
    await firm.request();
    expect((await firm.events('remediation.requested'))[0]!.ref).toBeNull();
  });

  it('a huge error answer gives a short reason', async () => {
    await setUp();
    hook.answerNext({ status: 400, body: 'y'.repeat(50_000) });
    await firm.request();
    const failure = Object.values(await firm.states()).find(([s]) => s === 'failed')![1]!;
    expect(failure).toBe(`webhook answered 400: ${'y'.repeat(200)}...`);
  });

  it('per-system batch: one POST for the system, keyed by its content; all three requested with its ticket', async () => {
    await setUp('per-system');
    expect(await firm.request()).toMatchObject({ requested: 3 });
    expect(hook.deliveries).toHaveLength(1);
    expect(hook.deliveries[0]!.key).toMatch(/^batch:[0-9a-f]{32}$/);
    expect((hook.deliveries[0]!.body as { remediations: unknown[] }).remediations).toHaveLength(3);
    expect((await firm.events('remediation.requested')).map((e) => e.ref)).toEqual(['TCK-1', 'TCK-1', 'TCK-1']);
  });

  it('a crash between the POST and the ledger: the next run sends the same key, the receiver opens no second ticket', async () => {
    await setUp();
    const restore = firm.failLedgerOnce('remediation.requested');
    await expect(firm.request()).rejects.toThrow(/injected: crash before the ledger/);
    restore();
    // The crashed run held each removal's request lease: the next run comes once it has run out.
    firm.clock.now = new Date(firm.clock.now.getTime() + REQUEST_LEASE_MS + 1);
    expect(await firm.states()).toEqual({ 'acc-a': ['open', null], 'acc-b': ['open', null], 'acc-c': ['open', null] });
    expect(hook.tickets.size).toBe(3);

    expect(await firm.request()).toMatchObject({ requested: 3 });
    expect(hook.deliveries).toHaveLength(6);
    expect(hook.tickets.size).toBe(3);
    expect((await firm.events('remediation.requested')).map((e) => e.ref).sort()).toEqual(['TCK-1', 'TCK-2', 'TCK-3']);
  });

  it('a receiver that accepts the connection and never answers: timed out, retried, failed', async () => {
    await setUp();
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
      const requester = firm.requester({ retry: { timeoutMs: 50, attempts: 2 } });
      const system = { ...firm.app.loadConfig().systems.find((s) => s.id === 'trading')!, remediation: { mode: 'ticket' as const, ticket: { webhook: { url, secretEnv: 'WEBHOOK_SECRET', batch: 'per-remediation' as const } } } };
      const [r] = await firm.app.remediation.list({ systemId: 'trading' });
      const [outcome] = await requester.request(system, [r!], { now: () => firm.clock.now });
      expect(outcome).toMatchObject({ outcome: 'failed', error: 'webhook unreachable: no answer within 0.05 s (gave up after 2 attempts)' });
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('a verified removal is told to the receiver (signed, keyed verified:<id>, with the verifying snapshot)', async () => {
    await setUp();
    await firm.request();
    firm.clock.now = new Date('2026-09-01T12:00:00.000Z');
    writeTrading(firm.configDir, REVOKED.slice(1));
    // The sync verifies through the app's RemediationService, whose ticket requester is the one app.ts registers.
    await firm.app.sync.runConfigured('trading', { actor: 'test' });
    const a = (await firm.app.remediation.list({ systemId: 'trading' })).find((r) => r.accountId === 'acc-a')!;
    expect(a.state).toBe('verified');
    const told = hook.deliveries.filter((d) => (d.body as { type: string }).type === 'iam-review.removal-verified');
    expect(told.map((d) => [d.key, d.verified])).toEqual([[`verified:${a.id}`, true]]);
    expect((told[0]!.body as { remediations: unknown[] }).remediations).toEqual([expect.objectContaining({ id: a.id, verifiedSnapshotId: a.verifiedSnapshotId, verifiedSnapshotHash: a.verifiedSnapshotHash })]);
  });
});
