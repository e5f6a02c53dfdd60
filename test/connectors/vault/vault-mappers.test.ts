import { describe, expect, it } from 'vitest';
import { GroupIndex, chooseIdentityRef, entityGrants } from '../../../src/connectors/vault/vault-mappers.js';
import type { VaultEntity, VaultGroup } from '../../../src/connectors/vault/vault-mappers.js';

const entity = (over: Partial<VaultEntity>): VaultEntity => ({ id: 'e-1', name: 'someone', ...over });
const oidc = (name: string) => ({ name, mount_accessor: 'auth_oidc_1a2b', mount_type: 'oidc' });
const userpass = (name: string) => ({ name, mount_accessor: 'auth_userpass_9f', mount_type: 'userpass' });

describe('chooseIdentityRef', () => {
  it('prefers an email-like alias, then a GUID-like alias, then metadata email, then the name', () => {
    expect(chooseIdentityRef(entity({ aliases: [userpass('anna'), oidc('3F2A9C1E-8B7D-4E6F-9A1B-2C3D4E5F6A7B'), oidc('Anna@Example.LI')] }))).toBe('anna@example.li');
    expect(chooseIdentityRef(entity({ aliases: [userpass('anna'), oidc('3F2A9C1E-8B7D-4E6F-9A1B-2C3D4E5F6A7B')] }))).toBe('3F2A9C1E-8B7D-4E6F-9A1B-2C3D4E5F6A7B');
    expect(chooseIdentityRef(entity({ aliases: [userpass('anna')], metadata: { email: 'Anna@Example.li' } }))).toBe('anna@example.li');
    expect(chooseIdentityRef(entity({ aliases: [userpass('anna')], metadata: null }))).toBe('someone');
  });

  it('with identityAlias, takes the alias of that mount even if it is neither email nor GUID', () => {
    const e = entity({ aliases: [oidc('anna@example.li'), userpass('anna')], metadata: { email: 'other@example.li' } });
    expect(chooseIdentityRef(e, { mountType: 'userpass' })).toBe('anna');
    expect(chooseIdentityRef(e, { mountAccessor: 'auth_oidc_1a2b', mountType: 'oidc' })).toBe('anna@example.li');
    // Both fields must match; no alias of that mount falls back to metadata email, not to other aliases.
    expect(chooseIdentityRef(e, { mountAccessor: 'auth_oidc_1a2b', mountType: 'userpass' })).toBe('other@example.li');
  });

  it('gives service entities their metadata owner, or no owner', () => {
    expect(chooseIdentityRef(entity({ aliases: [oidc('ci@example.li')], metadata: { type: 'Service', owner: 'Bob@Example.li' } }))).toBe('bob@example.li');
    expect(chooseIdentityRef(entity({ aliases: [oidc('ci@example.li')], metadata: { type: 'service' } }))).toBeNull();
  });
});

describe('GroupIndex and entityGrants', () => {
  const groups: VaultGroup[] = [
    { id: 'g-top', name: 'custody-all', policies: ['kv-read'], member_group_ids: ['g-mid'] },
    { id: 'g-mid', name: 'key-custodians', policies: ['transit-sign', 'kv-read'], member_group_ids: ['g-leaf'] },
    { id: 'g-leaf', name: 'night-shift', policies: [], member_entity_ids: ['e-1'] },
    // A cycle (Vault refuses these, but a reader must not loop) and an unknown parent id.
    { id: 'g-a', name: 'loop-a', policies: ['a'], member_group_ids: ['g-b'], member_entity_ids: ['e-2'] },
    { id: 'g-b', name: 'loop-b', policies: ['b'], member_group_ids: ['g-a', 'g-missing'] },
    { id: 'g-ext', name: 'oidc-admins', type: 'external', policies: ['kms-admin'] },
  ];
  const index = new GroupIndex(groups);

  it('inherits policies down nested groups, one grant per (policy, holding group)', () => {
    const grants = entityGrants(entity({ policies: ['kv-read', 'kv-read', ''] }), index);
    expect(grants.map((g) => [g.role, g.scope])).toEqual([
      ['kv-read', ''],
      ['kv-read', 'group:custody-all'],
      ['transit-sign', 'group:key-custodians'],
      ['kv-read', 'group:key-custodians'],
    ]);
    expect(grants[0]).toMatchObject({ accountId: 'e-1', accountDisplayName: 'someone', identityRef: 'someone', accountType: 'human', accountStatus: 'active', lastActivityAt: null });
  });

  it('survives cycles and counts groups named only on the entity (external groups)', () => {
    const grants = entityGrants(entity({ id: 'e-2', name: 'x', direct_group_ids: ['g-ext', 'g-gone'] }), index);
    expect(grants.map((g) => [g.role, g.scope])).toEqual([
      ['a', 'group:loop-a'],
      ['b', 'group:loop-b'],
      ['kms-admin', 'group:oidc-admins'],
    ]);
  });

  it('marks disabled and service entities', () => {
    const [g] = entityGrants(entity({ policies: ['p'], disabled: true, metadata: { type: 'service' } }), new GroupIndex([]));
    expect(g).toMatchObject({ accountStatus: 'disabled', accountType: 'service', identityRef: null });
  });
});
