import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectorContext, GrantRecord, Page } from '../../../src/connectors/connector.js';
import { FireblocksClient } from '../../../src/connectors/fireblocks/fireblocks-client.js';
import type { FireblocksApiError } from '../../../src/connectors/fireblocks/fireblocks-client.js';
import { fireblocksConnectorType } from '../../../src/connectors/fireblocks/fireblocks-connector.js';
import { drainPages } from '../../../src/sync/drain-pages.js';
import { FakeFireblocks } from '../../fakes/fake-fireblocks.js';
import { TAP_API_USERS, TAP_CONSOLE_USERS, TAP_RULES, TAP_USER_GROUPS } from './tap-fixture.js';

const API_KEY = '0b5e7d2a-2222-4000-8000-00000000beef';
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const DAY = 86_400_000;

let fake: FakeFireblocks;
const logs: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];

beforeAll(async () => {
  fake = await FakeFireblocks.start();
  fake.registerApiUser(API_KEY, keys.publicKey, 'NON_SIGNING_ADMIN');
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.consoleUsers = TAP_CONSOLE_USERS;
  fake.apiUsers = TAP_API_USERS;
  fake.userGroups = TAP_USER_GROUPS;
  fake.policyRules = TAP_RULES;
  fake.auditLogs = [];
  fake.clearFailOn();
  logs.length = 0;
});

function context(): ConnectorContext {
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => void logs.push({ level, msg, ...(fields ? { fields } : {}) });
  return { systemId: 'custody', configDir: '/', env: (n) => ({ FB_KEY: API_KEY, FB_SECRET: PEM })[n], signal: new AbortController().signal, log: { debug: at('debug'), info: at('info'), warn: at('warn') }, now: () => new Date() };
}

async function drain(over: Record<string, unknown> = {}): Promise<Page<GrantRecord>[]> {
  const settings = fireblocksConnectorType.settingsSchema.parse({ baseUrl: fake.baseUrl, apiKey: { env: 'FB_KEY' }, privateKey: { env: 'FB_SECRET' }, ...over });
  const ctx = context();
  const c = fireblocksConnectorType.create(settings, ctx);
  const pages: Page<GrantRecord>[] = [];
  for await (const p of drainPages((t) => c.listGrants!(t, ctx), { signal: ctx.signal, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, sleep: async () => {} })) pages.push(p);
  return pages;
}

describe('transaction authorization policy from the fake', () => {
  it('reports tap:* grants of the active TRANSFER policy on the last page, owned like the workspace role grants', async () => {
    const before = fake.requests.length;
    const pages = await drain({ lastActivityFromAuditLogs: false });
    expect(pages).toHaveLength(3);
    const tap = pages[2]!;
    expect(tap.problems).toBeUndefined();
    expect(tap.items.map((g) => [g.role, g.accountId, g.scope])).toEqual([
      ['tap:initiator', 'a-payouts', 'TAP rule r-large'],
      ['tap:initiator', 'c-olga', 'TAP rule r-large'],
      ['tap:initiator', 'c-sam', 'TAP rule r-large'],
      ['tap:approver', 'c-olga', 'TAP rule r-large'],
      ['tap:approver', 'c-sam', 'TAP rule r-large'],
      ['tap:approver', 'c-cleo', 'TAP rule r-large'],
      ['tap:signer', 'c-sam', 'TAP rule r-large'],
      ['tap:initiator', 'c-tom', 'TAP rule r-desk'],
      ['tap:approver', 'c-sam', 'TAP rule r-desk'],
      ['tap:approver', 'c-olga', 'TAP rule r-desk'],
      ['tap:signer', 'c-tom', 'TAP rule r-desk'],
    ]);
    expect(tap.items[3]).toMatchObject({ identityRef: 'olga@custodian.li', accountDisplayName: 'Olga Owner', accountType: 'human', accountStatus: 'active' });
    expect(tap.items[0]).toMatchObject({ identityRef: null, accountType: 'service', accountDisplayName: 'payouts-bot' });
    expect(tap.items[3]!.detail!.summary).toContain('can approve TRANSFER of BTC, ETH over 1000000 EUR from VAULT 0');
    expect(fake.requests.slice(before).map((r) => r.uri).slice(-2)).toEqual(['/v1/management/user_groups', '/v1/policy/active_policy?policyType=TRANSFER']);
  });

  it('asks for every configured policy type', async () => {
    fake.policyRules = [...TAP_RULES, { ...TAP_RULES[1], id: 'r-raw', name: 'Raw signing', type: 'RAW' }];
    const pages = await drain({ lastActivityFromAuditLogs: false, tapPolicyTypes: ['TRANSFER', 'RAW'] });
    expect(fake.requests.at(-1)!.uri).toBe('/v1/policy/active_policy?policyType=TRANSFER&policyType=RAW');
    expect(pages[2]!.items.filter((g) => g.scope === 'TAP rule r-raw').map((g) => g.role)).toEqual(['tap:initiator', 'tap:approver', 'tap:approver', 'tap:signer']);
  });

  it('resolves API users even when includeApiUsers is off (automated initiators hold TAP grants)', async () => {
    const pages = await drain({ lastActivityFromAuditLogs: false, includeApiUsers: false });
    expect(pages.map((p) => p.items.filter((g) => g.accountId === 'a-payouts').map((g) => g.role))).toEqual([[], ['tap:initiator']]);
  });

  it.each([
    ['403', { status: 403, body: { message: 'Forbidden', code: 403 } }],
    ['401 code -8', { status: 401, body: { message: 'Insufficient permissions', code: -8 } }],
    ['404 (not enabled for the workspace)', { status: 404, body: { message: 'Not found', code: 404 } }],
  ])('a TAP the API user may not read (%s) is a problem of the snapshot, never "no TAP grants"', async (_, failure) => {
    fake.failOn('/v1/policy/active_policy', failure);
    const pages = await drain({ lastActivityFromAuditLogs: false });
    expect(pages[2]!.items).toEqual([]);
    expect(pages[2]!.problems).toHaveLength(1);
    expect(pages[2]!.problems![0]).toMatch(/^fireblocks: the transaction authorization policy could not be read \(GET \/v1\/policy\/active_policy: \d{3}.*\); its tap:\* grants are missing from this snapshot\. It needs an API user with the Owner, Admin or Non-Signing Admin role, or set readTap: false$/);
  });

  it('user groups that may not be read are the same problem', async () => {
    fake.failOn('/v1/management/user_groups', { status: 401, body: { message: 'Insufficient permissions', code: -8 } });
    const pages = await drain({ lastActivityFromAuditLogs: false });
    expect(pages[2]!.problems![0]).toContain('the transaction authorization policy could not be read (GET /v1/management/user_groups: 401 (code -8)');
  });

  it('a TAP read that fails transiently fails the page (the core retries), it is not read as empty', async () => {
    fake.failOn('/v1/policy/active_policy', { status: 503 });
    await expect(drain({ lastActivityFromAuditLogs: false })).rejects.toMatchObject({ transient: true, status: 503 });
  });

  it('readTap: false reads no policy', async () => {
    const before = fake.requests.length;
    const pages = await drain({ lastActivityFromAuditLogs: false, readTap: false });
    expect(pages).toHaveLength(2);
    expect(fake.requests.slice(before).map((r) => r.uri)).toEqual(['/v1/management/users', '/v1/management/api_users']);
  });
});

describe('last activity from the audit logs', () => {
  it("is each user's newest event of the last year, on role and TAP grants alike", async () => {
    const now = Date.now();
    fake.auditLogs = [
      { id: 'e1', timestamp: now - 3 * DAY, userId: 'c-olga', event: 'Login' },
      { id: 'e2', timestamp: now - 30 * DAY, userId: 'c-olga', event: 'Transaction approved' },
      { id: 'e3', timestamp: now - 200 * DAY, userId: 'a-payouts', event: 'Transaction created' },
      { id: 'e4', timestamp: now - 400 * DAY, userId: 'c-sam', event: 'Login' },
    ];
    const pages = await drain();
    const lastOf = (id: string) => [...new Set(pages.flatMap((p) => p.items).filter((g) => g.accountId === id).map((g) => g.lastActivityAt))];
    expect(lastOf('c-olga')).toEqual([new Date(now - 3 * DAY).toISOString()]);
    expect(lastOf('a-payouts')).toEqual([new Date(now - 200 * DAY).toISOString()]);
    expect(lastOf('c-sam')).toEqual([null]);
    const query = new URL(fake.requests.find((r) => r.uri.startsWith('/v1/management/audit_logs'))!.uri, 'http://x').searchParams;
    expect(query.get('userId')).toBe('c-olga');
    expect(query.get('pageSize')).toBe('1');
    expect(pages.every((p) => p.problems === undefined)).toBe(true);
  });

  it('not permitted: lastActivityAt stays null, one warning, no further audit-log requests, and the pull is complete', async () => {
    fake.auditLogs = [{ id: 'e1', timestamp: Date.now() - DAY, userId: 'c-olga' }];
    fake.failOn('/v1/management/audit_logs', { status: 401, body: { message: 'Insufficient permissions', code: -8 } });
    const before = fake.requests.length;
    const pages = await drain();
    expect(pages.every((p) => p.problems === undefined)).toBe(true);
    expect(pages.flatMap((p) => p.items).every((g) => g.lastActivityAt === null)).toBe(true);
    expect(fake.requests.slice(before).filter((r) => r.uri.startsWith('/v1/management/audit_logs'))).toHaveLength(1);
    expect(logs.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual(['fireblocks: the API user may not read the audit logs; last activity is unknown (lastActivityAt null)']);
  });
});

describe('the fake answers each endpoint only to the roles the docs name', () => {
  it.each([
    ['OWNER', { users: 401, groups: 401, policy: 200, audit: 401 }],
    ['NON_SIGNING_ADMIN', { users: 200, groups: 200, policy: 200, audit: 200 }],
    ['ADMIN', { users: 200, groups: 200, policy: 200, audit: 200 }],
    ['VIEWER', { users: 401, groups: 401, policy: 401, audit: 401 }],
    ['AUDITOR', { users: 401, groups: 401, policy: 401, audit: 200 }],
    ['SECURITY_AUDITOR', { users: 401, groups: 401, policy: 401, audit: 200 }],
    ['SECURITY_ADMIN', { users: 401, groups: 401, policy: 401, audit: 200 }],
  ])('%s', async (role, expected) => {
    const key = `key-${role}`;
    fake.registerApiUser(key, keys.publicKey, role);
    const client = new FireblocksClient({ baseUrl: fake.baseUrl, apiKey: key, privateKey: keys.privateKey, timeoutMs: 5_000 });
    const status = (path: string) => client.getJson(path).then(() => 200, (e: FireblocksApiError) => (e.status === 401 ? (expect(e.code).toBe(-8), 401) : e.status));
    expect({
      users: await status('/v1/management/users'),
      groups: await status('/v1/management/user_groups'),
      policy: await status('/v1/policy/active_policy?policyType=TRANSFER'),
      audit: await status(`/v1/management/audit_logs?startTime=${Date.now() - DAY}`),
    }).toEqual(expected);
  });

  it('refuses an audit-log window reaching more than a year back, and a policy read without policyType', async () => {
    const client = new FireblocksClient({ baseUrl: fake.baseUrl, apiKey: API_KEY, privateKey: keys.privateKey, timeoutMs: 5_000 });
    await expect(client.getJson(`/v1/management/audit_logs?startTime=${Date.now() - 366 * DAY}`)).rejects.toMatchObject({ status: 400 });
    await expect(client.getJson('/v1/policy/active_policy')).rejects.toMatchObject({ status: 400 });
  });
});
