/** read: app-roles and read: directory-roles, end to end against the fake. */
import { afterEach, describe, expect, it } from 'vitest';
import type { GrantRecord } from '../../../src/connectors/connector.js';
import { ConnectorError } from '../../../src/connectors/connector.js';
import type { FakeGraph } from '../../fakes/fake-graph.js';
import { connectorFor, drain, ids, roles, runContext, startFake } from './entra-id-harness.js';

let fake: FakeGraph | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function readGrants(f: FakeGraph, settings: Record<string, unknown>) {
  const ctx = runContext();
  const connector = connectorFor(f, settings, ctx);
  const list = connector.listGrants;
  if (!list) throw new Error('grants connector without listGrants');
  expect(connector.listIdentities).toBeUndefined();
  return drain<GrantRecord>((token) => list(token, ctx));
}

const appRoles = { read: 'app-roles', servicePrincipalId: ids.walletSp };

/** account | role | scope | identityRef | type | status, sorted: easy to read and compare. */
function rows(grants: GrantRecord[]): string[] {
  return grants.map((g) => [g.accountDisplayName, g.role, g.scope || '(none)', g.identityRef === null ? '-' : g.identityRef === g.accountId ? 'self' : g.identityRef, g.accountType, g.accountStatus].join(' | ')).sort();
}

describe('entra-id app roles', () => {
  it('reports direct, group-derived (nested) and service principal assignments', async () => {
    fake = await startFake();
    const { items, problems } = await readGrants(fake, appRoles);
    expect(problems).toEqual([]);
    expect(rows(items)).toEqual([
      // Wallet Ops holds the initiator role (no value: its display name); Signers is nested in it.
      'Alice Adler | Withdrawal initiator | group:Wallet Ops | self | human | active',
      // Alice holds the approver role directly and again through Wallet Signers: two grants.
      'Alice Adler | Withdrawal.Approve | (none) | self | human | active',
      'Alice Adler | Withdrawal.Approve | group:Wallet Signers | self | human | active',
      'Bob Brandt | Withdrawal initiator | group:Wallet Ops | self | human | active',
      'Dave Dorn | Withdrawal initiator | group:Wallet Ops | self | human | active',
      'Dave Dorn | Withdrawal.Approve | group:Wallet Signers | self | human | active',
      'Settlement Bot | Default Access | (none) | - | service | active',
    ]);
    expect(items.every((g) => g.lastActivityAt === null)).toBe(true);
    // Role names were read once, with the documented $select.
    expect(fake.graphRequests(`/servicePrincipals/${ids.walletSp}`).filter((r) => !r.path.endsWith('appRoleAssignedTo')).map((r) => r.query.get('$select'))).toEqual(['id,appDisplayName,appRoles']);
  });

  it('expands group members with advanced-query headers, and reports disabled members', async () => {
    fake = await startFake();
    const dave = fake.users.find((u) => u.id === ids.dave);
    if (dave) dave.accountEnabled = false;
    const { items } = await readGrants(fake, appRoles);
    expect(items.filter((g) => g.accountId === ids.dave).map((g) => g.accountStatus)).toEqual(['disabled', 'disabled']);
    const memberRequests = fake.graphRequests('/groups/');
    expect(memberRequests.map((r) => r.path)).toEqual([`/groups/${ids.opsGroup}/transitiveMembers/microsoft.graph.user`, `/groups/${ids.signersGroup}/transitiveMembers/microsoft.graph.user`]);
    expect(memberRequests.every((r) => r.headers['consistencylevel'] === 'eventual' && r.query.get('$count') === 'true')).toBe(true);
  });

  it('pages through assignments and group members, one Graph page per connector page', async () => {
    fake = await startFake();
    fake.pageSize = 1;
    fake.emptyPageAfterFirst = true;
    const { items, pages } = await readGrants(fake, appRoles);
    expect(items).toHaveLength(7);
    // 4 assignment pages (2 of them only queue a group) + 3 Ops members + 2 Signers members;
    // the pages that queue a group yield no grant and are stepped over.
    expect(pages).toBe(7);
    expect(fake.graphRequests(`/servicePrincipals/${ids.walletSp}/appRoleAssignedTo`).length).toBe(5);
  });

  it('names Application.Read.All when the app cannot be read', async () => {
    fake = await startFake();
    fake.permissions.delete('Application.Read.All');
    const err = await readGrants(fake, appRoles).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ transient: false, status: 403 });
    expect((err as Error).message).toContain('Application.Read.All');
  });

  it('names GroupMember.Read.All when group members cannot be read', async () => {
    fake = await startFake();
    fake.permissions.delete('GroupMember.Read.All');
    const err = await readGrants(fake, appRoles).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as Error).message).toContain('GroupMember.Read.All');
  });

  it('explains a service principal id that does not exist', async () => {
    fake = await startFake();
    const err = await readGrants(fake, { read: 'app-roles', servicePrincipalId: '50000000-0000-4000-8000-0000000000ff' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as Error).message).toMatch(/not found: servicePrincipalId is the object id of the enterprise app/);
  });

  it('reports a group deleted before it could be expanded as a problem', async () => {
    fake = await startFake();
    fake.groups = fake.groups.filter((g) => g.id !== ids.signersGroup);
    const { items, problems } = await readGrants(fake, appRoles);
    expect(problems).toEqual([expect.stringContaining('Wallet Signers')]);
    expect(items.some((g) => g.scope === 'group:Wallet Signers')).toBe(false);
  });
});

describe('entra-id directory roles', () => {
  it('reports privileged Entra roles of users, role-assignable groups and service principals', async () => {
    fake = await startFake();
    const { items, problems } = await readGrants(fake, { read: 'directory-roles' });
    expect(problems).toEqual([]);
    expect(rows(items)).toEqual([
      'Carol Cruz | User Administrator | /administrativeUnits/au-compliance | self | human | disabled',
      'Gina Gall | Global Administrator | (none) | self | human | active',
      'Gina Gall | Global Administrator | group:Entra Admins (PIM) | self | human | active',
      'Settlement Bot | User Administrator | (none) | - | service | active',
    ]);
    const request = fake.graphRequests('/roleManagement/directory/roleAssignments')[0];
    expect(request?.query.get('$expand')).toBe('principal,roleDefinition');
  });

  it('reports an assignment to a deleted principal as a problem', async () => {
    fake = await startFake();
    fake.roleAssignments.push({ id: 'ra-9', principalId: '00000000-dead-4000-8000-000000000000', roleDefinitionId: roles.globalAdmin, directoryScopeId: '/' });
    const { items, problems } = await readGrants(fake, { read: 'directory-roles' });
    expect(items).toHaveLength(4);
    expect(problems).toEqual([expect.stringMatching(/ra-9 \(Global Administrator\).*deleted object/)]);
  });

  it('survives throttling of the assignments list', async () => {
    fake = await startFake();
    fake.fail((r) => r.path.startsWith('/roleManagement'), { status: 429, retryAfter: '0.01' });
    fake.fail((r) => r.path.startsWith('/groups/'), { status: 503, retryAfter: '0.01' });
    const { items } = await readGrants(fake, { read: 'directory-roles' });
    expect(items).toHaveLength(4);
  });

  it('names RoleManagement.Read.Directory when roles cannot be read', async () => {
    fake = await startFake();
    fake.permissions.delete('RoleManagement.Read.Directory');
    const err = await readGrants(fake, { read: 'directory-roles' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ transient: false, status: 403 });
    expect((err as Error).message).toContain('RoleManagement.Read.Directory');
  });

  it('fails on a 401 from Graph without retrying as transient', async () => {
    fake = await startFake();
    fake.fail(() => true, { status: 401, code: 'InvalidAuthenticationToken', message: 'Access token has expired or is not yet valid.' });
    const err = await readGrants(fake, { read: 'directory-roles' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ConnectorError', transient: false, status: 401 });
    expect((err as Error).message).toContain('rejected the access token');
  });
});
