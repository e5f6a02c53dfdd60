import { generateKeyPairSync, randomUUID, sign as rsaSign, verify } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FireblocksApiError, FireblocksClient, FIREBLOCKS_JWT_LIFETIME_SECONDS, sha256Hex, signFireblocksJwt } from '../../../src/connectors/fireblocks/fireblocks-client.js';
import type { FireblocksClientOptions } from '../../../src/connectors/fireblocks/fireblocks-client.js';
import { FakeFireblocks } from '../../fakes/fake-fireblocks.js';

const API_KEY = '6f1d2c3b-0000-4000-8000-000000000001';
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

let fake: FakeFireblocks;
beforeAll(async () => {
  fake = await FakeFireblocks.start();
  fake.registerApiUser(API_KEY, keys.publicKey);
  fake.consoleUsers = [{ id: 'u1', email: 'ana@example.com', role: 'ADMIN', enabled: true, status: 'READY', userType: 'CONSOLE' }];
});
afterAll(() => fake.close());
afterEach(() => {
  fake.now = Date.now;
});

function client(options: FireblocksClientOptions = {}, privateKey = keys.privateKey, timeoutMs = 5_000): FireblocksClient {
  return new FireblocksClient({ baseUrl: fake.baseUrl, apiKey: API_KEY, privateKey, timeoutMs }, options);
}

function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown>; signingInput: string; signature: Buffer } {
  const [h, p, s] = token.split('.') as [string, string, string];
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')),
    signingInput: `${h}.${p}`,
    signature: Buffer.from(s, 'base64url'),
  };
}

/** Sends a raw request with hand-made headers, to see what the fake accepts. */
async function raw(path: string, init: { token: string; apiKey?: string; method?: string; body?: string }): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${fake.baseUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: { 'X-API-Key': init.apiKey ?? API_KEY, Authorization: `Bearer ${init.token}` },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  return { status: res.status, body: await res.json() };
}

describe('signFireblocksJwt', () => {
  const input = { apiKey: API_KEY, privateKey: keys.privateKey, uri: '/v1/management/users', body: '', nonce: 'n-1', now: new Date('2026-03-01T10:00:00.900Z') };

  it('is pure: the same input gives the same token', () => {
    expect(signFireblocksJwt(input)).toBe(signFireblocksJwt(input));
    expect(signFireblocksJwt({ ...input, nonce: 'n-2' })).not.toBe(signFireblocksJwt(input));
  });

  it('carries the documented claims and an RS256 signature over header.payload', () => {
    const { header, payload, signingInput, signature } = decode(signFireblocksJwt(input));
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT' });
    const iat = Math.floor(Date.parse('2026-03-01T10:00:00Z') / 1000);
    expect(payload).toEqual({ uri: '/v1/management/users', nonce: 'n-1', iat, exp: iat + FIREBLOCKS_JWT_LIFETIME_SECONDS, sub: API_KEY, bodyHash: EMPTY_SHA256 });
    expect((payload.exp as number) - iat).toBeLessThan(30);
    expect(verify('sha256', Buffer.from(signingInput), keys.publicKey, signature)).toBe(true);
    expect(verify('sha256', Buffer.from(signingInput), otherKeys.publicKey, signature)).toBe(false);
  });

  it('hashes the raw body', () => {
    const { payload } = decode(signFireblocksJwt({ ...input, body: '{"a":1}' }));
    expect(payload.bodyHash).toBe(sha256Hex('{"a":1}'));
    expect(payload.bodyHash).not.toBe(EMPTY_SHA256);
  });
});

describe('FireblocksClient against the fake', () => {
  it('signs requests the fake accepts, with a fresh nonce each time', async () => {
    const before = fake.requests.length;
    const c = client();
    await expect(c.getJson('/v1/management/users')).resolves.toEqual({ users: fake.consoleUsers });
    await expect(c.getJson('/v1/management/users')).resolves.toEqual({ users: fake.consoleUsers });
    const seen = fake.requests.slice(before);
    expect(seen.map((r) => r.status)).toEqual([200, 200]);
    expect(seen.map((r) => r.apiKey)).toEqual([API_KEY, API_KEY]);
    expect(new Set(seen.map((r) => r.nonce)).size).toBe(2);
  });

  it('signs the uri with its query string, exactly as sent', async () => {
    const before = fake.requests.length;
    await expect(client().getJson('/v1/management/users?limit=5&name=a%20b')).resolves.toEqual({ users: fake.consoleUsers });
    expect(fake.requests.slice(before).map((r) => [r.uri, r.status])).toEqual([['/v1/management/users?limit=5&name=a%20b', 200]]);
  });

  it('a token for another key is refused with 401 code -1 (invalid signature)', async () => {
    const err = await client({}, otherKeys.privateKey).getJson('/v1/management/users').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FireblocksApiError);
    expect(err).toMatchObject({ status: 401, code: -1 });
    expect((err as FireblocksApiError).requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(fake.rejections.at(-1)).toBe('bad-signature');
  });

  it('a replayed nonce is refused', async () => {
    const c = client({ nonce: () => 'same-nonce-every-time' });
    await expect(c.getJson('/v1/management/users')).resolves.toBeTruthy();
    await expect(c.getJson('/v1/management/users')).rejects.toMatchObject({ status: 401, code: -7 });
    expect(fake.rejections.at(-1)).toBe('nonce-replayed');
  });

  it('an expired token and one issued in the future are refused (-10, -12)', async () => {
    const past = client({ now: () => new Date(Date.now() - 60_000) });
    await expect(past.getJson('/v1/management/users')).rejects.toMatchObject({ status: 401, code: -10 });
    expect(fake.rejections.at(-1)).toBe('expired');
    const future = client({ now: () => new Date(Date.now() + 60_000) });
    await expect(future.getJson('/v1/management/users')).rejects.toMatchObject({ status: 401, code: -12 });
    expect(fake.rejections.at(-1)).toBe('future-iat');
  });

  it('answers 429 with Retry-After as an error carrying retryAfterMs', async () => {
    fake.failNext({ status: 429, retryAfter: '7', body: { message: 'Too many requests', code: 429 } });
    const err = await client().getJson('/v1/management/users').catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 429, retryAfterMs: 7_000 });
    expect((err as Error).message).toContain('Too many requests');
  });

  it('reads the { error: { type, message } } error shape', async () => {
    fake.failNext({ status: 503 });
    await expect(client().getJson('/v1/management/users')).rejects.toMatchObject({ status: 503, code: 'INTERNAL', retryAfterMs: null, message: expect.stringContaining('injected 503') });
  });

  it('a stalled answer times out as status -1', async () => {
    fake.failNext({ stallMs: 400 });
    await expect(client({}, keys.privateKey, 100).getJson('/v1/management/users')).rejects.toMatchObject({ status: -1, message: expect.stringContaining('no answer within 0.1 s') });
  });

  it('an unreachable host is status -1 with the network cause', async () => {
    const closed = await FakeFireblocks.start();
    const url = closed.baseUrl;
    await closed.close();
    const c = new FireblocksClient({ baseUrl: url, apiKey: API_KEY, privateKey: keys.privateKey, timeoutMs: 2_000 });
    await expect(c.getJson('/v1/management/users')).rejects.toMatchObject({ status: -1, message: expect.stringContaining('ECONNREFUSED') });
  });

  it("an abort of the caller's signal is rethrown as is", async () => {
    fake.failNext({ stallMs: 300 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('run stopped')), 50);
    await expect(client().getJson('/v1/management/users', controller.signal)).rejects.toThrow('run stopped');
  });
});

describe('the fake checks what Fireblocks checks', () => {
  const sign = (over: Partial<Parameters<typeof signFireblocksJwt>[0]> = {}) =>
    signFireblocksJwt({ apiKey: API_KEY, privateKey: keys.privateKey, uri: '/v1/management/users', body: '', nonce: randomUUID(), now: new Date(), ...over });

  it('accepts a correctly signed raw request', async () => {
    expect(await raw('/v1/management/users', { token: sign() })).toMatchObject({ status: 200 });
  });

  it('refuses a body hash that does not match the body (GET with a hash of a body it did not get)', async () => {
    expect(await raw('/v1/management/users', { token: sign({ body: '{"tampered":true}' }) })).toEqual({ status: 401, body: { message: 'Unauthorized: Token was not accepted.', code: -7 } });
    expect(fake.rejections.at(-1)).toBe('body-hash');
  });

  it('checks the hash against the raw body of a request that has one', async () => {
    const body = '{"firstName":"A"}';
    // Authenticated (the hash matches), then 404: the fake serves no POST route.
    expect(await raw('/v1/management/users', { method: 'POST', body, token: sign({ body }) })).toMatchObject({ status: 404 });
    expect(await raw('/v1/management/users', { method: 'POST', body: '{"firstName":"B"}', token: sign({ body }) })).toMatchObject({ status: 401 });
    expect(fake.rejections.at(-1)).toBe('body-hash');
  });

  it('refuses a token signed for another uri, including another query (-4)', async () => {
    expect(await raw('/v1/management/api_users', { token: sign() })).toMatchObject({ status: 401, body: { code: -4 } });
    expect(await raw('/v1/management/users?x=1', { token: sign() })).toMatchObject({ status: 401, body: { code: -4 } });
    expect(fake.rejections.at(-1)).toBe('wrong-uri');
  });

  it('refuses a sub that is not the X-API-Key (-6) and an unknown API key (-7)', async () => {
    expect(await raw('/v1/management/users', { token: sign({ apiKey: 'someone-else' }) })).toMatchObject({ status: 401, body: { code: -6 } });
    expect(fake.rejections.at(-1)).toBe('wrong-sub');
    expect(await raw('/v1/management/users', { token: sign(), apiKey: 'not-registered' })).toMatchObject({ status: 401, body: { code: -7 } });
    expect(fake.rejections.at(-1)).toBe('unknown-api-key');
  });

  it('refuses a missing or malformed token and a non-RS256 one', async () => {
    const res = await fetch(`${fake.baseUrl}/v1/management/users`, { headers: { 'X-API-Key': API_KEY } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: -3 });
    expect(await raw('/v1/management/users', { token: 'not.a-jwt' })).toMatchObject({ status: 401, body: { code: -5 } });
    const [, p, s] = sign().split('.');
    const hs256 = `${Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')}.${p}.${s}`;
    expect(await raw('/v1/management/users', { token: hs256 })).toMatchObject({ status: 401, body: { code: -5 } });
  });

  it('refuses a token whose lifetime exceeds 30 s', async () => {
    const iat = Math.floor(Date.now() / 1000);
    const h = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url');
    const p = Buffer.from(JSON.stringify({ uri: '/v1/management/users', nonce: 'long-lived', iat, exp: iat + 55, sub: API_KEY, bodyHash: EMPTY_SHA256 })).toString('base64url');
    const token = `${h}.${p}.${rsaSign('sha256', Buffer.from(`${h}.${p}`), keys.privateKey).toString('base64url')}`;
    expect(await raw('/v1/management/users', { token })).toMatchObject({ status: 401 });
    expect(fake.rejections.at(-1)).toBe('lifetime-too-long');
  });
});
