import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../src/connectors/connector.js';
import type { ConnectorContext, GrantRecord, Page } from '../../../src/connectors/connector.js';
import { fireblocksConnectorType } from '../../../src/connectors/fireblocks/fireblocks-connector.js';
import type { FireblocksSettings } from '../../../src/connectors/fireblocks/fireblocks-settings.js';
import { drainPages } from '../../../src/sync/drain-pages.js';
import { FakeFireblocks } from '../../fakes/fake-fireblocks.js';

const API_KEY = '0b5e7d2a-1111-4000-8000-00000000beef';
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const OTHER_PEM = otherKeys.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

const CONSOLE_USERS = [
  { id: 'c-owner', firstName: 'Olga', lastName: 'Owner', email: 'olga@custodian.li', role: 'OWNER', enabled: true, status: 'READY', userType: 'CONSOLE' },
  { id: 'c-signer', firstName: 'Sam', lastName: 'Signer', email: 'sam@custodian.li', role: 'SIGNER', enabled: true, status: 'READY', userType: 'CONSOLE' },
  { id: 'c-left', firstName: 'Lea', lastName: 'Left', email: 'lea@custodian.li', role: 'APPROVER', enabled: false, status: 'READY', userType: 'CONSOLE' },
  { id: 'c-new', firstName: 'Nia', lastName: 'New', email: 'nia@custodian.li', role: 'VIEWER', enabled: true, status: 'PENDING_ACTIVATION', userType: 'CONSOLE' },
];
const API_USERS = [
  { id: 'a-review', name: 'iam-review', role: 'NON_SIGNING_ADMIN', enabled: true, status: 'READY', userType: 'API' },
  { id: 'a-payouts', name: 'payouts-bot', role: 'SIGNER', enabled: true, status: 'READY', userType: 'API' },
];

let fake: FakeFireblocks;
let configDir: string;
const logs: { msg: string; fields?: Record<string, unknown> }[] = [];

beforeAll(async () => {
  fake = await FakeFireblocks.start();
  fake.registerApiUser(API_KEY, keys.publicKey, 'NON_SIGNING_ADMIN');
  fake.registerApiUser('viewer-key', keys.publicKey, 'VIEWER');
  configDir = mkdtempSync(join(tmpdir(), 'fireblocks-connector-'));
  writeFileSync(join(configDir, 'fireblocks.key'), PEM);
});
afterAll(async () => {
  await fake.close();
  rmSync(configDir, { recursive: true, force: true });
});
beforeEach(() => {
  fake.consoleUsers = CONSOLE_USERS;
  fake.apiUsers = API_USERS;
  logs.length = 0;
});

const ENV: Record<string, string> = { FB_KEY: API_KEY, FB_SECRET: PEM, FB_OTHER_SECRET: OTHER_PEM, FB_VIEWER_KEY: 'viewer-key', FB_ONE_LINE: PEM.replace(/\n/g, '\\n') };

function context(env: Record<string, string> = ENV): ConnectorContext {
  const log = (msg: string, fields?: Record<string, unknown>) => void logs.push({ msg, ...(fields ? { fields } : {}) });
  return { systemId: 'fireblocks-main', configDir, env: (n) => env[n], signal: new AbortController().signal, log: { debug: log, info: log, warn: log }, now: () => new Date() };
}

function settings(over: Record<string, unknown> = {}): FireblocksSettings {
  return fireblocksConnectorType.settingsSchema.parse({ baseUrl: fake.baseUrl, apiKey: { env: 'FB_KEY' }, privateKey: { env: 'FB_SECRET' }, ...over });
}

function connector(s: FireblocksSettings = settings(), ctx = context()) {
  const c = fireblocksConnectorType.create(s, ctx);
  return { listGrants: (token: string | null) => c.listGrants!(token, ctx) };
}

async function drainAll(c: ReturnType<typeof connector>, sleeps: number[] = []): Promise<Page<GrantRecord>[]> {
  const pages: Page<GrantRecord>[] = [];
  const drain = drainPages((t) => c.listGrants(t), {
    signal: new AbortController().signal,
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 60_000 },
    sleep: async (ms) => void sleeps.push(ms),
  });
  for await (const page of drain) pages.push(page);
  return pages;
}

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectorError);
  return err as ConnectorError;
}

describe('settings schema', () => {
  const schema = fireblocksConnectorType.settingsSchema;
  const minimal = { apiKey: { env: 'FIREBLOCKS_API_KEY' }, privateKey: { env: 'FIREBLOCKS_API_SECRET' } };

  it('declares its type and secret settings', () => {
    expect(fireblocksConnectorType.type).toBe('fireblocks');
    expect(fireblocksConnectorType.secretSettings).toEqual(['apiKey', 'privateKey']);
  });

  it('fills the defaults', () => {
    expect(schema.parse(minimal)).toEqual({ ...minimal, baseUrl: 'https://api.fireblocks.io', includeApiUsers: true, readTap: true, tapPolicyTypes: ['TRANSFER'], lastActivityFromAuditLogs: true, timeoutSeconds: 30 });
  });

  it.each([
    ['https://eu-api.fireblocks.io', 'https://eu-api.fireblocks.io'],
    ['https://sandbox-api.fireblocks.io/v1', 'https://sandbox-api.fireblocks.io'],
    ['https://eu2-api.fireblocks.io/v1/', 'https://eu2-api.fireblocks.io'],
    ['http://127.0.0.1:8443', 'http://127.0.0.1:8443'],
  ])('accepts baseUrl %s as %s', (baseUrl, origin) => {
    expect(schema.parse({ ...minimal, baseUrl }).baseUrl).toBe(origin);
  });

  it.each(['http://api.fireblocks.io', 'https://api.fireblocks.io/v2', 'https://api.fireblocks.io/?x=1', 'api.fireblocks.io', 'https://user:pw@api.fireblocks.io'])('rejects baseUrl %s', (baseUrl) => {
    expect(schema.safeParse({ ...minimal, baseUrl }).success).toBe(false);
  });

  it('rejects unknown keys', () => {
    const r = schema.safeParse({ ...minimal, apiSecret: { env: 'X' } });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('apiSecret');
  });

  it('rejects inline secrets', () => {
    expect(schema.safeParse({ ...minimal, apiKey: API_KEY }).success).toBe(false);
    expect(schema.safeParse({ ...minimal, privateKey: PEM }).success).toBe(false);
    expect(schema.safeParse({ ...minimal, privateKey: { env: 'fb secret' } }).success).toBe(false);
  });

  it('needs exactly one of privateKey and privateKeyFile', () => {
    expect(schema.safeParse({ apiKey: minimal.apiKey, privateKeyFile: 'keys/fb.key' }).success).toBe(true);
    expect(schema.safeParse({ apiKey: minimal.apiKey }).success).toBe(false);
    expect(schema.safeParse({ ...minimal, privateKeyFile: 'keys/fb.key' }).success).toBe(false);
  });

  it('bounds timeoutSeconds and types includeApiUsers', () => {
    expect(schema.safeParse({ ...minimal, timeoutSeconds: 0 }).success).toBe(false);
    expect(schema.safeParse({ ...minimal, timeoutSeconds: 2.5 }).success).toBe(false);
    expect(schema.safeParse({ ...minimal, includeApiUsers: 'yes' }).success).toBe(false);
  });
});

describe('listing grants from the fake', () => {
  it('pages console users, then API users, then the TAP, through the sync core loop', async () => {
    const before = fake.requests.length;
    const pages = await drainAll(connector());
    expect(pages).toHaveLength(3);
    expect(pages[0]!.nextToken).not.toBeNull();
    expect(pages[1]!.nextToken).not.toBeNull();
    expect(pages[2]!.nextToken).toBeNull();
    expect(pages[2]!.items).toEqual([]);
    expect(pages.every((p) => p.problems === undefined)).toBe(true);
    expect(fake.requests.slice(before).map((r) => [new URL(r.uri, 'http://x').pathname, r.status])).toEqual([
      ['/v1/management/users', 200],
      ...CONSOLE_USERS.map(() => ['/v1/management/audit_logs', 200]),
      ['/v1/management/api_users', 200],
      ...API_USERS.map(() => ['/v1/management/audit_logs', 200]),
      ['/v1/management/user_groups', 200],
      ['/v1/policy/active_policy', 200],
    ]);
    const grants = pages.flatMap((p) => p.items);
    expect(grants.map((g) => [g.accountId, g.role, g.identityRef, g.accountType, g.accountStatus])).toEqual([
      ['c-owner', 'OWNER', 'olga@custodian.li', 'human', 'active'],
      ['c-signer', 'SIGNER', 'sam@custodian.li', 'human', 'active'],
      ['c-left', 'APPROVER', 'lea@custodian.li', 'human', 'disabled'],
      ['c-new', 'VIEWER', 'nia@custodian.li', 'human', 'active'],
      ['a-review', 'NON_SIGNING_ADMIN', null, 'service', 'active'],
      ['a-payouts', 'SIGNER', null, 'service', 'active'],
    ]);
    expect(grants[0]).toMatchObject({ scope: '', accountDisplayName: 'Olga Owner', lastActivityAt: null });
  });

  it('reads console users only when includeApiUsers is false', async () => {
    const before = fake.requests.length;
    const pages = await drainAll(connector(settings({ includeApiUsers: false, readTap: false, lastActivityFromAuditLogs: false })));
    expect(pages.map((p) => [p.items.length, p.nextToken])).toEqual([[4, null]]);
    expect(fake.requests.slice(before).map((r) => r.uri)).toEqual(['/v1/management/users']);
  });

  it('reads the key from privateKeyFile, relative to the connectors folder', async () => {
    const pages = await drainAll(connector(settings({ privateKey: undefined, privateKeyFile: 'fireblocks.key' })));
    expect(pages.flatMap((p) => p.items)).toHaveLength(6);
  });

  it('accepts a one-line PEM whose newlines are written as \\n', async () => {
    const pages = await drainAll(connector(settings({ privateKey: { env: 'FB_ONE_LINE' } })));
    expect(pages.flatMap((p) => p.items)).toHaveLength(6);
  });

  it('reports malformed users as problems of their page and keeps the rest', async () => {
    fake.consoleUsers = [CONSOLE_USERS[0], { firstName: 'No', lastName: 'Id', role: 'ADMIN' }, { id: 'c-norole', email: 'x@custodian.li' }];
    const [first] = await drainAll(connector(settings({ includeApiUsers: false })));
    expect(first!.items.map((g) => g.accountId)).toEqual(['c-owner']);
    expect(first!.problems).toEqual(['console user #1: missing id; not read', 'console user #2 (id c-norole): missing role; not read']);
  });

  it('reads an empty workspace list as an empty page, not an error', async () => {
    fake.apiUsers = [];
    const pages = await drainAll(connector());
    expect(pages.map((p) => p.items.length)).toEqual([4, 0, 0]);
  });

  it('refuses a page token it did not issue', async () => {
    const err = await failure(connector().listGrants('users?page=2'));
    expect(err.transient).toBe(false);
    expect(err.message).toContain('page token not understood');
  });

  it('fails on an answer that is not { users: [...] }', async () => {
    fake.failNext({ status: 200, body: CONSOLE_USERS });
    const err = await failure(connector().listGrants(null));
    expect(err.transient).toBe(false);
    expect(err.message).toContain('unexpected answer from GET /v1/management/users');
  });

  it('logs counts, never secrets', async () => {
    await drainAll(connector());
    expect(logs.map((l) => l.msg)).toEqual(['fireblocks: users read', 'fireblocks: users read', 'fireblocks: transaction authorization policy read']);
    expect(logs[0]!.fields).toMatchObject({ systemId: 'fireblocks-main', kind: 'console', users: 4, unreadable: 0 });
    const text = JSON.stringify(logs);
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain('PRIVATE KEY');
  });
});

describe('errors', () => {
  it('a key that is not the API user’s: 401 -> a clear, non-transient error without secrets', async () => {
    const err = await failure(connector(settings({ privateKey: { env: 'FB_OTHER_SECRET' } })).listGrants(null));
    expect(err).toMatchObject({ transient: false, status: 401 });
    expect(err.message).toContain('signature was rejected');
    expect(err.message).toContain('console users');
    expect(err.message).toContain('code -1');
    for (const secret of [API_KEY, 'PRIVATE KEY', 'Bearer', 'eyJ']) expect(err.message).not.toContain(secret);
  });

  it('an API user without an admin role: 401 -8 -> names the role it needs', async () => {
    const err = await failure(connector(settings({ apiKey: { env: 'FB_VIEWER_KEY' } })).listGrants(null));
    expect(err).toMatchObject({ transient: false, status: 401 });
    expect(err.message).toContain('Non-Signing Admin');
    expect(fake.rejections.at(-1)).toBe('insufficient-permissions');
  });

  it('403 -> names the role it needs', async () => {
    fake.failNext({ status: 403, body: { message: 'Forbidden', code: 403 } });
    const err = await failure(connector().listGrants('fireblocks:api-users'));
    expect(err).toMatchObject({ transient: false, status: 403 });
    expect(err.message).toContain('may not read API users');
    expect(err.message).toContain('Non-Signing Admin');
  });

  it('429 with Retry-After -> transient with retryAfterMs; the core waits that long and the retry succeeds', async () => {
    fake.failNext({ status: 429, retryAfter: '2' });
    const err = await failure(connector().listGrants(null));
    expect(err).toMatchObject({ transient: true, retryAfterMs: 2_000, status: 429 });

    fake.failNext({ status: 429, retryAfter: '3' });
    const sleeps: number[] = [];
    const pages = await drainAll(connector(), sleeps);
    expect(sleeps).toEqual([3_000]);
    expect(pages.flatMap((p) => p.items)).toHaveLength(6);
  });

  it.each([500, 502, 503, 504])('%i -> transient', async (status) => {
    fake.failNext({ status });
    const err = await failure(connector().listGrants(null));
    expect(err).toMatchObject({ transient: true, status, retryAfterMs: null });
    expect(err.message).toMatch(/request id [0-9a-f-]{36}/);
  });

  it('an unreachable host -> transient', async () => {
    const closed = await FakeFireblocks.start();
    const baseUrl = closed.baseUrl;
    await closed.close();
    const err = await failure(connector(settings({ baseUrl })).listGrants(null));
    expect(err).toMatchObject({ transient: true, status: null });
  });

  it('a request that outlives timeoutSeconds -> transient', async () => {
    fake.failNext({ stallMs: 1_500 });
    const err = await failure(connector(settings({ timeoutSeconds: 1 })).listGrants(null));
    expect(err.transient).toBe(true);
    expect(err.message).toContain('no answer within 1 s');
  });

  it('a missing environment variable -> names it, not transient', async () => {
    const env = { ...ENV };
    delete env.FB_SECRET;
    const err = await failure(connector(settings(), context(env)).listGrants(null));
    expect(err.transient).toBe(false);
    expect(err.message).toContain('FB_SECRET is not set');
  });

  it('a key that is not PEM, or not RSA -> names the source, never the content', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const env = { ...ENV, FB_SECRET: 'not-a-key-but-secret-ish', FB_EC: ec };
    const notPem = await failure(connector(settings(), context(env)).listGrants(null));
    expect(notPem.message).toBe('fireblocks privateKey (environment variable FB_SECRET): not an unencrypted PEM private key');
    const notRsa = await failure(connector(settings({ privateKey: { env: 'FB_EC' } }), context(env)).listGrants(null));
    expect(notRsa.message).toContain('an RSA key is required');
    expect(notRsa.message).not.toContain('PRIVATE KEY');
  });

  it('an unreadable privateKeyFile -> names the file', async () => {
    const err = await failure(connector(settings({ privateKey: undefined, privateKeyFile: 'missing.key' })).listGrants(null));
    expect(err.message).toContain('missing.key: cannot read (ENOENT)');
  });
});
