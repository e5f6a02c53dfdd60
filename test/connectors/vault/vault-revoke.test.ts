/**
 * vault revokeGrant over HTTP against the fake Vault: read-modify-write of the one field that
 * holds the grant (an entity's policies, a group's member_entity_ids, an auth role's
 * token_policies), keeping every other policy and member; refusals where removing would take
 * more than the grant or is not Vault's to change (external groups, subgroups, LDAP users'
 * group policies); a 403 on the write names the capability; a repeat finds the grant gone.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectorContext, GrantRecord } from '../../../src/connectors/connector.js';
import { vaultConnectorType } from '../../../src/connectors/vault/vault-connector.js';
import { grantSource } from '../../../src/connectors/vault/vault-revoker.js';
import { FakeVault } from '../../fakes/fake-vault.js';
import type { FakeVaultNamespace } from '../../fakes/fake-vault.js';

const TOKEN = 'hvs.remediation-token';

function custody(): FakeVaultNamespace {
  return {
    entities: [
      { id: 'e-anna', name: 'anna', policies: ['kms-admin', 'kv-read', 'transit-sign'] },
      { id: 'e-bob', name: 'bob', policies: [] },
      { id: 'e-carol', name: 'carol', policies: [] },
      { id: 'e-dave', name: 'dave', policies: [] },
    ],
    groups: [
      { id: 'g-signers', name: 'signers', policies: ['transit-sign'], member_entity_ids: ['e-bob', 'e-carol'] },
      { id: 'g-ops', name: 'ops', policies: ['kv-read', 'kv-write'], member_entity_ids: ['e-bob'] },
      { id: 'g-all', name: 'custody-all', policies: ['kv-list'], member_group_ids: ['g-nested'] },
      { id: 'g-nested', name: 'nested', policies: [], member_entity_ids: ['e-dave'] },
      { id: 'g-oidc', name: 'oidc-admins', type: 'external', policies: ['kms-admin'], member_entity_ids: ['e-carol'] },
    ],
    authMounts: [
      { path: 'approle/', type: 'approle', accessor: 'auth_approle_01', collections: { role: { deployer: { token_policies: ['transit-encrypt', 'kv-read'], role_id: 'r-1' } } } },
      { path: 'userpass/', type: 'userpass', accessor: 'auth_userpass_02', collections: { users: { erin: { token_policies: ['kv-read', 'kms-admin'] } } } },
      {
        path: 'ldap/',
        type: 'ldap',
        accessor: 'auth_ldap_03',
        collections: { groups: { admins: { policies: ['kms-admin', 'audit'] } }, users: { frank: { policies: ['kv-read'], groups: 'admins' } } },
      },
    ],
    policies: { 'kms-admin': 'path "sys/policies/acl/*" { capabilities = ["create", "update"] }' },
  };
}

let fake: FakeVault;
let data: FakeVaultNamespace;
beforeEach(async () => {
  data = custody();
  fake = await FakeVault.start({ token: TOKEN, namespaces: { custody: data } });
});
afterEach(async () => {
  await fake.close();
});

function connect() {
  const base = { systemId: 'kms', configDir: '/nowhere', env: (n: string) => (n === 'VAULT_TOKEN' ? TOKEN : undefined), log: { debug: () => {}, info: () => {}, warn: () => {} }, now: () => new Date('2026-07-01T12:00:00Z') };
  const connector = vaultConnectorType.create(vaultConnectorType.settingsSchema.parse({ address: fake.address, token: { env: 'VAULT_TOKEN' }, namespace: 'custody' }), base);
  const ctx: ConnectorContext = { ...base, signal: new AbortController().signal };
  return { connector, ctx };
}

/** All grants as the connector reports them (what a snapshot holds). */
async function grants(): Promise<GrantRecord[]> {
  const { connector, ctx } = connect();
  const out: GrantRecord[] = [];
  let token: string | null = null;
  do {
    const page = await connector.listGrants!(token, ctx);
    out.push(...page.items);
    token = page.nextToken;
  } while (token !== null);
  return out;
}
async function grant(accountId: string, role: string, source: string): Promise<GrantRecord> {
  const sourceOf = (scope: string) => {
    const s = grantSource(scope);
    return s.kind === 'entity' ? '' : s.kind === 'group' ? `group:${s.name}` : `auth:${s.where}`;
  };
  const found = (await grants()).find((g) => g.accountId === accountId && g.role === role && sourceOf(g.scope) === source);
  expect(found, `${accountId} ${role} ${source}`).toBeDefined();
  return found!;
}
async function revoke(g: GrantRecord) {
  const { connector, ctx } = connect();
  return connector.revokeGrant!(g, ctx);
}
const posts = () => fake.requests.filter((r) => r.method === 'POST').map((r) => r.path);
const entity = (id: string) => data.entities.find((e) => e.id === id)!;
const group = (id: string) => data.groups.find((g) => g.id === id)!;

describe('vault revokeGrant: entity policies', () => {
  it('removes the one policy from the entity and keeps its other policies; a repeat is already gone', async () => {
    const g = await grant('e-anna', 'kms-admin', '');
    expect([g.scope, g.detail?.summary]).toEqual(['', expect.any(String)]); // kms-admin is privileged: its detail says what it allows
    expect(await revoke(g)).toEqual({ outcome: 'removed', ref: 'POST identity/entity/id/e-anna: policy kms-admin removed from entity anna' });
    expect(entity('e-anna').policies).toEqual(['kv-read', 'transit-sign']);
    expect(posts()).toEqual(['identity/entity/id/e-anna']);
    expect((await grants()).filter((x) => x.accountId === 'e-anna').map((x) => x.role).sort()).toEqual(['kv-read', 'transit-sign']);

    expect(await revoke(g)).toMatchObject({ outcome: 'already-gone' });
    expect(posts()).toHaveLength(1);
  });

  it('re-reads right before writing: a policy added since the snapshot is kept', async () => {
    const g = await grant('e-anna', 'kv-read', '');
    entity('e-anna').policies = [...entity('e-anna').policies!, 'added-later'];
    expect(await revoke(g)).toMatchObject({ outcome: 'removed' });
    expect(entity('e-anna').policies).toEqual(['kms-admin', 'transit-sign', 'added-later']);
  });

  it('an entity deleted since the snapshot is already gone', async () => {
    const g = await grant('e-anna', 'kv-read', '');
    data.entities = data.entities.filter((e) => e.id !== 'e-anna');
    expect(await revoke(g)).toMatchObject({ outcome: 'already-gone', ref: 'entity e-anna no longer exists' });
    expect(posts()).toEqual([]);
  });

  it('403 on the write (token without "update"): refused naming the capability, nothing changed', async () => {
    fake.deniedWritePrefixes.push('identity/');
    const g = await grant('e-anna', 'kv-read', '');
    const result = await revoke(g);
    expect(result).toMatchObject({ outcome: 'refused', permission: '"update" on identity/entity/id/e-anna' });
    expect(entity('e-anna').policies).toEqual(['kms-admin', 'kv-read', 'transit-sign']);
  });
});

describe('vault revokeGrant: group policies', () => {
  it('removes the entity from a group that gives it only the revoked policy; the other members stay', async () => {
    const g = await grant('e-bob', 'transit-sign', 'group:signers');
    expect(await revoke(g)).toEqual({ outcome: 'removed', ref: 'POST identity/group/id/g-signers: entity e-bob removed from group signers' });
    expect(group('g-signers').member_entity_ids).toEqual(['e-carol']);
    expect(group('g-signers').policies).toEqual(['transit-sign']);
    expect(group('g-ops').member_entity_ids).toEqual(['e-bob']);
    expect(await revoke(g)).toMatchObject({ outcome: 'already-gone' });
  });

  it('refuses when the membership carries other policies (they were not revoked)', async () => {
    const g = await grant('e-bob', 'kv-read', 'group:ops');
    expect(await revoke(g)).toMatchObject({ outcome: 'refused', reason: expect.stringMatching(/would also remove policies kv-write/) });
    expect(group('g-ops').member_entity_ids).toEqual(['e-bob']);
    expect(posts()).toEqual([]);
  });

  it('refuses an external group and a member through a subgroup', async () => {
    expect(await revoke(await grant('e-carol', 'kms-admin', 'group:oidc-admins'))).toMatchObject({ outcome: 'refused', reason: expect.stringMatching(/external group/) });
    expect(await revoke(await grant('e-dave', 'kv-list', 'group:custody-all'))).toMatchObject({ outcome: 'refused', reason: expect.stringMatching(/through one of its subgroups/) });
    expect(posts()).toEqual([]);
  });
});

describe('vault revokeGrant: auth-method policies', () => {
  it('AppRole role: token_policies minus the policy, the others kept', async () => {
    const g = await grant('auth/approle/role/deployer', 'kv-read', 'auth:approle/role/deployer');
    expect(await revoke(g)).toMatchObject({ outcome: 'removed' });
    expect(posts()).toEqual(['auth/approle/role/deployer']);
    expect(data.authMounts![0]!.collections!.role!.deployer!.token_policies).toEqual(['transit-encrypt']);
    expect(await revoke(g)).toMatchObject({ outcome: 'already-gone' });
  });

  it('userpass user: through users/:name/policies', async () => {
    const g = await grant('auth/userpass/users/erin', 'kms-admin', 'auth:userpass/users/erin');
    expect(await revoke(g)).toMatchObject({ outcome: 'removed' });
    expect(posts()).toEqual(['auth/userpass/users/erin/policies']);
    expect(data.authMounts![1]!.collections!.users!.erin!.token_policies).toEqual(['kv-read']);
  });

  it('LDAP group: its policies minus the one; an LDAP user\'s policy from that group is refused', async () => {
    const fromGroup = await grant('auth/ldap/users/frank', 'kms-admin', 'auth:ldap/groups/admins');
    expect(await revoke(fromGroup)).toMatchObject({ outcome: 'refused', reason: expect.stringMatching(/through auth\/ldap\/groups\/admins/) });
    const own = await grant('auth/ldap/groups/admins', 'audit', 'auth:ldap/groups/admins');
    expect(await revoke(own)).toMatchObject({ outcome: 'removed' });
    expect(data.authMounts![2]!.collections!.groups!.admins!.policies).toEqual(['kms-admin']);
    // An LDAP user's own policies are not removed automatically (its write would rebuild the entry).
    expect(await revoke(await grant('auth/ldap/users/frank', 'kv-read', 'auth:ldap/users/frank'))).toMatchObject({ outcome: 'refused' });
    expect(data.authMounts![2]!.collections!.users!.frank).toEqual({ policies: ['kv-read'], groups: 'admins' });
  });
});

describe('grantSource', () => {
  it('reads where a grant comes from off its scope, ignoring the privileges appended to it', () => {
    expect(grantSource('')).toEqual({ kind: 'entity' });
    expect(grantSource('can administer sys/*')).toEqual({ kind: 'entity' });
    // Scopes stored by versions before grant details carried the privileges after ' · '.
    expect(grantSource('group:ops · can write secrets at secret/data/x')).toEqual({ kind: 'group', name: 'ops' });
    expect(grantSource('auth:approle/role/deployer')).toEqual({ kind: 'auth', where: 'approle/role/deployer' });
  });
});
