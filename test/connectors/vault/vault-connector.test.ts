import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../src/connectors/connector.js';
import type { Connector, ConnectorContext, GrantRecord, Page } from '../../../src/connectors/connector.js';
import { vaultConnectorType } from '../../../src/connectors/vault/vault-connector.js';
import { FakeVault } from '../../fakes/fake-vault.js';
import type { FakeVaultEntity, FakeVaultNamespace } from '../../fakes/fake-vault.js';

const TOKEN = 'hvs.test-token';
const NOW = new Date('2026-07-01T12:00:00Z');
const oidc = (name: string) => ({ name, mount_accessor: 'auth_oidc_5c1d', mount_type: 'oidc' });
const userpass = (name: string) => ({ name, mount_accessor: 'auth_userpass_77e0', mount_type: 'userpass' });

const CUSTODY: FakeVaultNamespace = {
  entities: [
    { id: 'e-anna', name: 'anna', policies: ['kms-admin'], aliases: [userpass('anna'), oidc('Anna.Muster@Example.LI')] },
    { id: 'e-bob', name: 'bob', policies: null, aliases: [oidc('3f2a9c1e-8b7d-4e6f-9a1b-2c3d4e5f6a7b')] },
    { id: 'e-carol', name: 'carol', policies: ['kv-read'], disabled: true, metadata: { email: 'Carol@Example.LI' } },
    { id: 'e-ci', name: 'ci-deployer', policies: ['transit-encrypt'], metadata: { type: 'service', owner: 'bob@example.li' }, aliases: [{ name: '6b1e-role-id', mount_accessor: 'auth_approle_01', mount_type: 'approle' }] },
    { id: 'e-dave', name: 'dave', policies: ['kms-admin'] },
  ],
  groups: [
    { id: 'g-all', name: 'custody-all', policies: ['kv-read'], member_group_ids: ['g-keys'] },
    { id: 'g-keys', name: 'key-custodians', policies: ['transit-sign'], member_entity_ids: ['e-bob'] },
    { id: 'g-admins', name: 'oidc-admins', type: 'external', policies: ['kms-admin'], member_entity_ids: ['e-dave'] },
  ],
};
const ROOT: FakeVaultNamespace = { entities: [{ id: 'e-root', name: 'root-only', policies: ['root-ops'] }], groups: [] };
const EMPTY: FakeVaultNamespace = { entities: [], groups: [] };
const MANY: FakeVaultNamespace = {
  entities: Array.from({ length: 450 }, (_, i): FakeVaultEntity => ({ id: `e-${String(i).padStart(3, '0')}`, name: `user${i}`, policies: ['kv-read'] })),
  groups: [{ id: 'g-ops', name: 'ops', policies: ['transit-sign'], member_entity_ids: ['e-000', 'e-449'] }],
};

let fake: FakeVault;
beforeAll(async () => {
  fake = await FakeVault.start({ token: TOKEN, namespaces: { '': ROOT, 'admin/custody': CUSTODY, empty: EMPTY, many: MANY } });
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  fake.requests.length = 0;
  fake.maxInFlight = 0;
  fake.holdAnswers(0);
});

function connect(settings: Record<string, unknown>, env: Record<string, string> = { VAULT_TOKEN: TOKEN }) {
  const base = { systemId: 'kms', configDir: '/nowhere', env: (n: string) => env[n], log: { debug: () => {}, info: () => {}, warn: () => {} }, now: () => NOW };
  const parsed = vaultConnectorType.settingsSchema.parse({ address: fake.address, token: { env: 'VAULT_TOKEN' }, ...settings });
  const connector = vaultConnectorType.create(parsed, base);
  const ctx: ConnectorContext = { ...base, signal: new AbortController().signal };
  return { connector, ctx };
}

async function drain(connector: Connector, ctx: ConnectorContext) {
  const pages: Page<GrantRecord>[] = [];
  let token: string | null = null;
  do {
    const page: Page<GrantRecord> = await connector.listGrants!(token, ctx);
    pages.push(page);
    token = page.nextToken;
  } while (token !== null);
  return { pages, items: pages.flatMap((p) => p.items), problems: pages.flatMap((p) => p.problems ?? []) };
}

const row = (g: GrantRecord) => [g.accountId, g.role, g.scope, g.identityRef, g.accountType, g.accountStatus];

describe('vault connector: mapping', () => {
  it('maps entities, direct policies, group and nested-group policies in the namespace', async () => {
    const { connector, ctx } = connect({ namespace: 'admin/custody' });
    const { items, problems } = await drain(connector, ctx);
    expect(problems).toEqual([]);
    expect(items.map(row)).toEqual([
      ['e-anna', 'kms-admin', '', 'anna.muster@example.li', 'human', 'active'],
      ['e-bob', 'kv-read', 'group:custody-all', '3f2a9c1e-8b7d-4e6f-9a1b-2c3d4e5f6a7b', 'human', 'active'],
      ['e-bob', 'transit-sign', 'group:key-custodians', '3f2a9c1e-8b7d-4e6f-9a1b-2c3d4e5f6a7b', 'human', 'active'],
      ['e-carol', 'kv-read', '', 'carol@example.li', 'human', 'disabled'],
      ['e-ci', 'transit-encrypt', '', 'bob@example.li', 'service', 'active'],
      ['e-dave', 'kms-admin', '', 'dave', 'human', 'active'],
      ['e-dave', 'kms-admin', 'group:oidc-admins', 'dave', 'human', 'active'],
    ]);
    expect(items[0]).toMatchObject({ accountDisplayName: 'anna', lastActivityAt: null });
  });

  it('uses the aliases of the configured auth mount', async () => {
    const { connector, ctx } = connect({ namespace: 'admin/custody', identityAlias: { mountType: 'userpass' } });
    const { items } = await drain(connector, ctx);
    expect(Object.fromEntries(items.map((g) => [g.accountId, g.identityRef]))).toEqual({
      'e-anna': 'anna',
      'e-bob': 'bob', // no userpass alias and no metadata email: the entity name
      'e-carol': 'carol@example.li',
      'e-ci': 'bob@example.li',
      'e-dave': 'dave',
    });
  });
});

describe('vault connector: HTTP behaviour', () => {
  it('sends the token and namespace headers and lists with ?list=true', async () => {
    const { connector, ctx } = connect({ namespace: 'admin/custody' });
    await drain(connector, ctx);
    expect(fake.requests.every((r) => r.token === TOKEN && r.namespace === 'admin/custody')).toBe(true);
    expect(fake.requests.filter((r) => r.list).map((r) => `${r.method} ${r.path}`)).toEqual(['GET identity/entity/id', 'GET identity/group/id']);
    const reads = fake.requests.filter((r) => !r.list).map((r) => r.path);
    // Each entity and group once, the auth mounts once, and each policy held once.
    expect(reads.filter((p) => p.startsWith('identity/'))).toHaveLength(CUSTODY.entities.length + CUSTODY.groups.length);
    expect(reads.filter((p) => !p.startsWith('identity/')).sort()).toEqual([
      'sys/auth',
      'sys/policies/acl/kms-admin',
      'sys/policies/acl/kv-read',
      'sys/policies/acl/transit-encrypt',
      'sys/policies/acl/transit-sign',
    ]);
  });

  it('reads the root namespace without a namespace header', async () => {
    const { connector, ctx } = connect({});
    const { items } = await drain(connector, ctx);
    expect(items.map(row)).toEqual([['e-root', 'root-ops', '', 'root-only', 'human', 'active']]);
    expect(fake.requests.every((r) => r.namespace === null)).toBe(true);
  });

  it('reads an empty LIST (404 {"errors":[]}) as no entities, not as an error', async () => {
    const { connector, ctx } = connect({ namespace: 'empty' });
    const { pages } = await drain(connector, ctx);
    expect(pages).toEqual([{ items: [], nextToken: null }]);
  });

  it('the fake answers LIST and GET ?list=true alike, and 404 {"errors":[]} when empty', async () => {
    const headers = { 'X-Vault-Token': TOKEN, 'X-Vault-Namespace': 'admin/custody' };
    const viaMethod = await fetch(`${fake.address}/v1/identity/group/id/`, { method: 'LIST', headers });
    const viaQuery = await fetch(`${fake.address}/v1/identity/group/id?list=true`, { headers });
    expect([viaMethod.status, viaQuery.status]).toEqual([200, 200]);
    const keys = async (res: Response) => ((await res.json()) as { data: { keys: string[] } }).data.keys;
    expect(await keys(viaMethod)).toEqual(['g-all', 'g-keys', 'g-admins']);
    expect(await keys(viaQuery)).toEqual(['g-all', 'g-keys', 'g-admins']);
    const empty = await fetch(`${fake.address}/v1/identity/entity/id`, { method: 'LIST', headers: { ...headers, 'X-Vault-Namespace': 'empty' } });
    expect([empty.status, await empty.json()]).toEqual([404, { errors: [] }]);
    const plainGet = await fetch(`${fake.address}/v1/identity/group/id`, { headers });
    expect(plainGet.status).toBe(405);
  });

  it('turns 403 into a permanent error naming the missing capability', async () => {
    const wrongToken = connect({ namespace: 'admin/custody' }, { VAULT_TOKEN: 'hvs.wrong' });
    const err = await wrongToken.connector.listGrants!(null, wrongToken.ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ transient: false, status: 403 });
    expect((err as Error).message).toMatch(/^vault: LIST identity\/entity\/id: permission denied \(403\) in namespace admin\/custody: the token needs "list" on identity\/entity\/id /);

    fake.deniedPrefixes.push('identity/group/id/');
    try {
      const { connector, ctx } = connect({ namespace: 'admin/custody' });
      await expect(connector.listGrants!(null, ctx)).rejects.toThrow('vault: GET identity/group/id/g-all: permission denied (403) in namespace admin/custody: the token needs "read" on identity/group/id/*');
    } finally {
      fake.deniedPrefixes.length = 0;
    }
  });

  it('refuses a namespace the token does not belong to', async () => {
    const { connector, ctx } = connect({ namespace: 'admin/other' });
    await expect(connector.listGrants!(null, ctx)).rejects.toThrow(/permission denied \(403\) in namespace admin\/other/);
  });

  it('turns 429 into a transient error with Retry-After, and the same page then succeeds', async () => {
    const { connector, ctx } = connect({ namespace: 'admin/custody' });
    fake.failNext(1, 429, '2');
    const err = await connector.listGrants!(null, ctx).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ConnectorError', transient: true, status: 429, retryAfterMs: 2000 });
    expect((err as Error).message).toContain('rate limit quota exceeded');
    const page = await connector.listGrants!(null, ctx);
    expect(page.items).toHaveLength(7);
  });

  it('treats 503 (sealed) as transient and reads an HTTP-date Retry-After against the clock', async () => {
    const { connector, ctx } = connect({ namespace: 'admin/custody' });
    fake.failNext(1, 503, new Date(NOW.getTime() + 30_000).toUTCString());
    await expect(connector.listGrants!(null, ctx)).rejects.toMatchObject({ transient: true, status: 503, retryAfterMs: 30_000, message: expect.stringContaining('Vault is sealed') });
  });

  it('fails clearly on an address that routes nowhere (404 with errors)', async () => {
    const { connector, ctx } = connect({ address: `${fake.address}/not-vault`, namespace: 'admin/custody' });
    await expect(connector.listGrants!(null, ctx)).rejects.toMatchObject({ transient: false, status: 404, message: expect.stringContaining('no handler for route') });
  });

  it('reports an unreachable Vault as transient', async () => {
    const closed = await FakeVault.start({ token: TOKEN, namespaces: {} });
    await closed.close();
    const { connector, ctx } = connect({ address: closed.address });
    await expect(connector.listGrants!(null, ctx)).rejects.toMatchObject({ transient: true, message: expect.stringMatching(/^vault: LIST identity\/entity\/id: ECONNREFUSED/) });
  });

  it('names the environment variable when the token is not set', async () => {
    const { connector, ctx } = connect({}, {});
    await expect(connector.listGrants!(null, ctx)).rejects.toThrow(new ConnectorError('vault token: environment variable VAULT_TOKEN is not set'));
  });
});

describe('vault connector: paging', () => {
  it('pages through entities 200 at a time with limited concurrency, reading the lists once', async () => {
    // The entity reads are answered only once three are waiting at once.
    fake.holdAnswers(3, 'identity/entity/id/');
    const { connector, ctx } = connect({ namespace: 'many', concurrency: 3 });
    const { pages, items } = await drain(connector, ctx);
    expect(pages.map((p) => [p.items.length, p.nextToken])).toEqual([
      [201, '200'],
      [200, '400'],
      [51, null],
    ]);
    expect(items.filter((g) => g.role === 'transit-sign').map((g) => g.accountId)).toEqual(['e-000', 'e-449']);
    expect(fake.requests.filter((r) => r.list)).toHaveLength(2);
    expect(fake.maxInFlight).toBe(3);
  });

  it('retries a page with the same token, and refuses a token from no run', async () => {
    const { connector, ctx } = connect({ namespace: 'many' });
    const first = await connector.listGrants!(null, ctx);
    fake.failNext(1, 502);
    await expect(connector.listGrants!(first.nextToken, ctx)).rejects.toMatchObject({ transient: true, retryAfterMs: null });
    expect((await connector.listGrants!(first.nextToken, ctx)).nextToken).toBe('400');

    const fresh = connect({ namespace: 'many' });
    await expect(fresh.connector.listGrants!('200', fresh.ctx)).rejects.toThrow('vault: page token "200" does not belong to the current run');
    await expect(connector.listGrants!('9999', ctx)).rejects.toThrow(ConnectorError);
  });
});

describe('vault connector: settings', () => {
  const schema = vaultConnectorType.settingsSchema;
  const base = { address: 'https://vault.example.com:8200', token: { env: 'VAULT_TOKEN' } };

  it('fills defaults and keeps the token a reference', () => {
    expect(schema.parse(base)).toEqual({ ...base, timeoutSeconds: 30, concurrency: 8 });
    expect(vaultConnectorType.secretSettings).toEqual(['token']);
  });

  it('rejects unknown keys (there is no tlsSkipVerify), inline tokens, and bad addresses', () => {
    expect(schema.safeParse({ ...base, tlsSkipVerify: true }).success).toBe(false);
    expect(schema.safeParse({ ...base, token: 'hvs.inline' }).success).toBe(false);
    expect(schema.safeParse({ ...base, address: 'vault.example.com:8200' }).success).toBe(false);
    expect(schema.safeParse({ ...base, address: 'https://vault.example.com:8200/v1/' }).success).toBe(false);
    expect(schema.safeParse({ token: base.token }).success).toBe(false);
    expect(schema.safeParse({ ...base, identityAlias: {} }).success).toBe(false);
    expect(schema.safeParse({ ...base, identityAlias: { mountType: 'oidc', path: 'x' } }).success).toBe(false);
  });
});
