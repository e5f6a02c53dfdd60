/**
 * What a custody review needs from Vault beyond entities and groups (issue 14): policies that
 * reach tokens through auth methods, what each policy body allows, and group members that live
 * in other namespaces. Runs the connector against the fake Vault API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector, ConnectorContext, GrantRecord, Page } from '../../../src/connectors/connector.js';
import { vaultConnectorType } from '../../../src/connectors/vault/vault-connector.js';
import { FakeVault } from '../../fakes/fake-vault.js';
import type { FakeVaultNamespace } from '../../fakes/fake-vault.js';

const TOKEN = 'hvs.test-token';
const SIGN = 'can sign with transit key hot-wallet-eth';
const ADMIN = 'can administer sys/policies/acl/*; sudo on sys/policies/acl/*';

const POLICIES: Record<string, string> = {
  'wallet-signer': `# the wallet backend signs withdrawals
path "transit/sign/hot-wallet-eth" {
  capabilities = ["update"]
}
path "transit/verify/*" {
  capabilities = ["update"]
}
`,
  'kms-admin': `path "sys/policies/acl/*" {
  capabilities = ["create", "read", "update", "delete", "list", "sudo"]
}
path "identity/*" {
  capabilities = ["read", "list"]
}
`,
  'kv-read': 'path "secret/data/custody/*" {\n  capabilities = ["read"]\n}\n',
  'custody-writer': 'path "secret/data/custody/keys/*" {\n  policy = "write"\n}\n',
  'broken': 'path "transit/sign/*" {\n  capabilities = ["update"\n}\n',
};

const CUSTODY: FakeVaultNamespace = {
  entities: [
    {
      id: 'e-anna',
      name: 'anna',
      aliases: [
        { name: 'anna', mount_accessor: 'auth_userpass_77e0', mount_type: 'userpass' },
        { name: 'Anna.Muster@Example.LI', mount_accessor: 'auth_oidc_5c1d', mount_type: 'oidc' },
      ],
    },
    { id: 'e-ci', name: 'wallet-backend', metadata: { type: 'service', owner: 'Bob@Example.LI' }, aliases: [{ name: '6b1e-role-id', mount_accessor: 'auth_approle_01', mount_type: 'approle' }] },
    { id: 'e-carol', name: 'carol', policies: ['custody-writer', 'broken'], metadata: { email: 'carol@example.li' } },
  ],
  groups: [
    // e-team-a lives in admin/custody/team-a, e-ghost nowhere the connector may look; g-team-b is a group of admin/custody/team-b.
    { id: 'g-signers', name: 'key-custodians', policies: ['wallet-signer'], member_entity_ids: ['e-carol', 'e-team-a', 'e-ghost'], member_group_ids: ['g-team-b'] },
  ],
  authMounts: [
    {
      path: 'oidc/',
      type: 'oidc',
      accessor: 'auth_oidc_5c1d',
      collections: { role: { 'custody-admin': { token_policies: ['kms-admin'] }, reader: { policies: ['kv-read'] } } },
    },
    {
      path: 'approle/',
      type: 'approle',
      accessor: 'auth_approle_01',
      collections: { role: { 'wallet-backend': { token_policies: ['wallet-signer'], role_id: '6b1e-role-id' }, 'nightly-job': { token_policies: ['wallet-signer'], role_id: 'no-login-yet' } } },
    },
    { path: 'userpass/', type: 'userpass', accessor: 'auth_userpass_77e0', collections: { users: { anna: { token_policies: ['wallet-signer', 'kv-read'] }, zoe: { token_policies: ['kv-read'] } } } },
    {
      path: 'ldap/',
      type: 'ldap',
      accessor: 'auth_ldap_3a',
      collections: { groups: { 'custody-ops': { policies: ['kms-admin'] } }, users: { dora: { policies: ['kv-read'], groups: 'custody-ops' } } },
    },
    // Not a type the connector reads: logged, not reported.
    { path: 'k8s/', type: 'kubernetes', accessor: 'auth_kubernetes_9', collections: { role: { app: { token_policies: ['wallet-signer'] } } } },
  ],
  policies: POLICIES,
};
const TEAM_A: FakeVaultNamespace = { entities: [{ id: 'e-team-a', name: 'tina', metadata: { email: 'tina@example.li' }, policies: ['kms-admin'] }], groups: [] };
const TEAM_B: FakeVaultNamespace = {
  entities: [{ id: 'e-bert', name: 'bert', metadata: { email: 'bert@example.li' } }],
  groups: [{ id: 'g-team-b', name: 'team-b-oncall', policies: ['kms-admin'], member_entity_ids: ['e-bert'] }],
};

let fake: FakeVault;
beforeAll(async () => {
  fake = await FakeVault.start({ token: TOKEN, namespaces: { 'admin/custody': CUSTODY, 'admin/custody/team-a': TEAM_A, 'admin/custody/team-b': TEAM_B } });
});
afterAll(async () => {
  await fake.close();
});

async function sync(settings: Record<string, unknown> = {}) {
  const warnings: Array<Record<string, unknown> | undefined> = [];
  const base = {
    systemId: 'kms',
    configDir: '/nowhere',
    env: (n: string) => (n === 'VAULT_TOKEN' ? TOKEN : undefined),
    log: { debug: () => {}, info: () => {}, warn: (_msg: string, fields?: Record<string, unknown>) => void warnings.push(fields) },
    now: () => new Date('2026-07-01T12:00:00Z'),
  };
  const parsed = vaultConnectorType.settingsSchema.parse({ address: fake.address, token: { env: 'VAULT_TOKEN' }, namespace: 'admin/custody', ...settings });
  const connector: Connector = vaultConnectorType.create(parsed, base);
  const ctx: ConnectorContext = { ...base, signal: new AbortController().signal };
  const pages: Page<GrantRecord>[] = [];
  let token: string | null = null;
  do {
    const page: Page<GrantRecord> = await connector.listGrants!(token, ctx);
    pages.push(page);
    token = page.nextToken;
  } while (token !== null);
  return { items: pages.flatMap((p) => p.items), problems: pages.flatMap((p) => p.problems ?? []), warnings };
}

/** The privileges the connector found in the policy body (the grant detail's summary), null when none. */
const allows = (g: GrantRecord) => (typeof g.detail?.summary === 'string' ? g.detail.summary : null);
const row = (g: GrantRecord) => [g.accountId, g.role, g.scope, allows(g), g.identityRef, g.accountType, g.accountStatus];

describe('vault: policies that reach tokens through auth methods', () => {
  it('reports each supported role, user and group with its token policies, owned through entity aliases where one exists', async () => {
    const { items, warnings } = await sync({ memberNamespaces: ['admin/custody/team-a', 'admin/custody/team-b'] });
    expect(items.filter((g) => g.accountId.startsWith('auth/')).map(row)).toEqual([
      ['auth/approle/role/wallet-backend', 'wallet-signer', 'auth:approle/role/wallet-backend', SIGN, 'bob@example.li', 'service', 'active'],
      ['auth/approle/role/nightly-job', 'wallet-signer', 'auth:approle/role/nightly-job', SIGN, null, 'service', 'active'],
      ['auth/ldap/groups/custody-ops', 'kms-admin', 'auth:ldap/groups/custody-ops', ADMIN, null, 'service', 'active'],
      ['auth/ldap/users/dora', 'kv-read', 'auth:ldap/users/dora', null, null, 'service', 'active'],
      ['auth/ldap/users/dora', 'kms-admin', 'auth:ldap/groups/custody-ops', ADMIN, null, 'service', 'active'],
      ['auth/oidc/role/custody-admin', 'kms-admin', 'auth:oidc/role/custody-admin', ADMIN, null, 'service', 'active'],
      ['auth/oidc/role/reader', 'kv-read', 'auth:oidc/role/reader', null, null, 'service', 'active'],
      ['auth/userpass/users/anna', 'wallet-signer', 'auth:userpass/users/anna', SIGN, 'anna.muster@example.li', 'human', 'active'],
      ['auth/userpass/users/anna', 'kv-read', 'auth:userpass/users/anna', null, 'anna.muster@example.li', 'human', 'active'],
      ['auth/userpass/users/zoe', 'kv-read', 'auth:userpass/users/zoe', null, null, 'service', 'active'],
    ]);
    expect(items.find((g) => g.accountId === 'auth/approle/role/wallet-backend')?.accountDisplayName).toBe('AppRole wallet-backend (approle/)');
    expect(warnings).toEqual([{ systemId: 'kms', mount: 'k8s/', type: 'kubernetes' }]);
  });

  it('the fake answers sys/auth and the role endpoints in the documented shapes', async () => {
    const headers = { 'X-Vault-Token': TOKEN, 'X-Vault-Namespace': 'admin/custody' };
    const get = async (path: string) => {
      const res = await fetch(`${fake.address}/v1/${path}`, { headers });
      return [res.status, await res.json()] as const;
    };
    const [, auth] = await get('sys/auth');
    expect(Object.keys((auth as { data: object }).data)).toEqual(['token/', 'oidc/', 'approle/', 'userpass/', 'ldap/', 'k8s/']);
    expect((auth as { data: Record<string, unknown> }).data['approle/']).toMatchObject({ type: 'approle', accessor: 'auth_approle_01' });
    expect(await get('auth/approle/role?list=true')).toEqual([200, expect.objectContaining({ data: { keys: ['wallet-backend', 'nightly-job'] } })]);
    expect(await get('auth/approle/role/wallet-backend/role-id')).toEqual([200, expect.objectContaining({ data: { role_id: '6b1e-role-id' } })]);
    expect(await get('auth/ldap/users/dora')).toEqual([200, expect.objectContaining({ data: expect.objectContaining({ policies: ['kv-read'], groups: 'custody-ops' }) })]);
    expect(await get('auth/userpass/users/nobody')).toEqual([404, { errors: [] }]);
    expect(await get('sys/policies/acl/kv-read')).toEqual([200, expect.objectContaining({ data: { name: 'kv-read', policy: POLICIES['kv-read'] } })]);
    expect(await get('sys/policies/acl/missing')).toEqual([404, { errors: [] }]);
  });
});

describe('vault: what a policy body allows', () => {
  it('names the privileged paths of each policy in the grant detail (the scope stays where it comes from), and reports a policy it cannot parse', async () => {
    const { items, problems } = await sync({ memberNamespaces: ['admin/custody/team-a', 'admin/custody/team-b'] });
    expect(items.filter((g) => g.accountId === 'e-carol').map((g) => [g.role, g.scope, allows(g)])).toEqual([
      ['custody-writer', '', null],
      ['broken', '', null],
      ['wallet-signer', 'group:key-custodians', SIGN],
    ]);
    expect(items.find((g) => g.accountId === 'e-carol' && g.role === 'wallet-signer')?.detail).toEqual({ summary: SIGN, privileges: [SIGN] });
    expect(problems.filter((p) => p.startsWith('policy '))).toEqual([
      expect.stringMatching(/^policy broken: cannot be parsed \(parse config: \[broken\.hcl:3,1-2: .+\]\); its privileged paths are unknown$/),
    ]);
  });

  it('takes kv paths and the privileged paths from the settings', async () => {
    const { items } = await sync({
      memberNamespaces: ['admin/custody/team-a', 'admin/custody/team-b'],
      secretPaths: ['secret/data/custody/*'],
      privilegedPaths: [{ path: 'transit/verify/*', capabilities: ['update'], label: 'can verify with {rest}' }],
    });
    expect(items.filter((g) => g.accountId === 'e-carol').map((g) => [g.role, g.scope, allows(g)])).toEqual([
      ['custody-writer', '', 'can write secrets at secret/data/custody/keys/*'],
      ['broken', '', null],
      ['wallet-signer', 'group:key-custodians', 'can verify with *'],
    ]);
  });
});

describe('vault: group members of other namespaces', () => {
  it('reads them in memberNamespaces, and reports each one found nowhere as a problem', async () => {
    const { items, problems } = await sync({ memberNamespaces: ['admin/custody/team-a', 'admin/custody/team-b'] });
    expect(items.filter((g) => ['e-team-a', 'e-bert'].includes(g.accountId)).map((g) => [g.accountId, g.accountDisplayName, g.role, g.scope, allows(g), g.identityRef])).toEqual([
      // Only this namespace's group policies: their own (kms-admin) apply in their namespaces.
      ['e-team-a', 'tina (namespace admin/custody/team-a)', 'wallet-signer', 'group:key-custodians', SIGN, 'tina@example.li'],
      ['e-bert', 'bert (namespace admin/custody/team-b)', 'wallet-signer', 'group:key-custodians', SIGN, 'bert@example.li'],
    ]);
    expect(problems.filter((p) => !p.startsWith('policy broken'))).toEqual([
      'group key-custodians: member entity e-ghost is not in namespace admin/custody and was not found in memberNamespaces (admin/custody/team-a, admin/custody/team-b); the policies it holds through this group are not reported',
    ]);
  });

  it('without memberNamespaces, reports every member of another namespace (never drops one silently)', async () => {
    const { items, problems } = await sync();
    expect(items.some((g) => ['e-team-a', 'e-bert', 'e-ghost'].includes(g.accountId))).toBe(false);
    const none = 'was not found in any memberNamespaces (none set); the policies it holds through this group are not reported';
    expect(problems.filter((p) => !p.startsWith('policy broken'))).toEqual([
      `group key-custodians: member group g-team-b is not in namespace admin/custody and ${none}`,
      `group key-custodians: member entity e-team-a is not in namespace admin/custody and ${none}`,
      `group key-custodians: member entity e-ghost is not in namespace admin/custody and ${none}`,
    ]);
  });
});
