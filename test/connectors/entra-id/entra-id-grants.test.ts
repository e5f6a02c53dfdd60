/** read: app-roles and read: directory-roles, end to end against the fake. */
import { afterEach, describe, expect, it } from 'vitest';
import type { GrantRecord } from '../../../src/connectors/connector.js';
import { ConnectorError } from '../../../src/connectors/connector.js';
import type { FakeGraph } from '../../fakes/fake-graph.js';
import { connectorFor, drain, ids, roles, runContext, startFake } from './entra-id-harness.js';
import type { RecordedLog } from './entra-id-harness.js';

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
  it('reports direct, group-derived (direct members only) and service principal assignments', async () => {
    fake = await startFake();
    const { items, problems } = await readGrants(fake, appRoles);
    expect(problems).toEqual([]);
    expect(rows(items)).toEqual([
      // Alice holds the approver role directly and again through Wallet Signers: two grants.
      'Alice Adler | Withdrawal.Approve | (none) | self | human | active',
      'Alice Adler | Withdrawal.Approve | group:Wallet Signers | self | human | active',
      // Wallet Ops holds the initiator role (no value: its display name). Only its direct
      // member user Bob holds it; Signers is nested in Ops and gets nothing from it.
      'Bob Brandt | Withdrawal initiator | group:Wallet Ops | self | human | active',
      'Dave Dorn | Withdrawal.Approve | group:Wallet Signers | self | human | active',
      'Settlement Bot | Default Access | (none) | - | service | active',
    ]);
    expect(items.every((g) => g.lastActivityAt === null)).toBe(true);
    // Role names were read once, with the documented $select.
    expect(fake.graphRequests(`/servicePrincipals/${ids.walletSp}`).filter((r) => !r.path.endsWith('appRoleAssignedTo')).map((r) => r.query.get('$select'))).toEqual(['id,appDisplayName,appRoles']);
  });

  it('does not give members of a nested group the role of the outer group (no cascade, no false SoD)', async () => {
    fake = await startFake();
    // A second nesting level: Night Shift sits in Wallet Signers, which sits in Wallet Ops.
    const nightShift = '60000000-0000-4000-8000-000000000064';
    fake.groups.push({ id: nightShift, displayName: 'Night Shift', members: [ids.erin, ids.frank] });
    fake.groups.find((g) => g.id === ids.signersGroup)?.members.push(nightShift);
    const logs: RecordedLog[] = [];
    const ctx = runContext(logs);
    const connector = connectorFor(fake, appRoles, ctx);
    const { items, problems } = await drain<GrantRecord>((token) => connector.listGrants!(token, ctx));
    expect(problems).toEqual([]);
    const holders = (role: string) => items.filter((g) => g.role === role).map((g) => g.accountDisplayName).sort();
    // Only Bob is a direct member user of Wallet Ops; Dave and Alice are in it only through Signers.
    expect(holders('Withdrawal initiator')).toEqual(['Bob Brandt']);
    // Erin and Frank are in Signers only through Night Shift: they hold no approver role.
    expect(holders('Withdrawal.Approve')).toEqual(['Alice Adler', 'Alice Adler', 'Dave Dorn']);
    expect(items.some((g) => g.accountId === ids.erin || g.accountId === ids.frank)).toBe(false);
    // So nobody both initiates and approves: no separation-of-duties conflict to raise.
    const initiators = new Set(items.filter((g) => g.role === 'Withdrawal initiator').map((g) => g.accountId));
    expect(items.filter((g) => g.role === 'Withdrawal.Approve' && initiators.has(g.accountId))).toEqual([]);
    // Direct members were read (never the flattened list), and each skipped nested group logged.
    expect(fake.graphRequests('/groups/').map((r) => r.path)).toEqual([`/groups/${ids.opsGroup}/members`, `/groups/${ids.signersGroup}/members`]);
    expect(logs.filter((l) => l.level === 'info').map((l) => l.msg)).toEqual([
      expect.stringContaining('nested group Wallet Signers in Wallet Ops gets nothing from Withdrawal initiator'),
      expect.stringContaining('nested group Night Shift in Wallet Signers gets nothing from Withdrawal.Approve'),
    ]);
  });

  it('reads direct members with $select and $top, and reports disabled members', async () => {
    fake = await startFake();
    const dave = fake.users.find((u) => u.id === ids.dave);
    if (dave) dave.accountEnabled = false;
    const { items } = await readGrants(fake, appRoles);
    expect(items.filter((g) => g.accountId === ids.dave).map((g) => g.accountStatus)).toEqual(['disabled']);
    const memberRequests = fake.graphRequests('/groups/');
    expect(memberRequests.map((r) => r.path)).toEqual([`/groups/${ids.opsGroup}/members`, `/groups/${ids.signersGroup}/members`]);
    expect(memberRequests.every((r) => r.query.get('$select') === 'id,displayName,userPrincipalName,accountEnabled' && r.query.get('$top') === '999')).toBe(true);
  });

  it('pages through assignments and group members, one Graph page per connector page', async () => {
    fake = await startFake();
    fake.pageSize = 1;
    fake.emptyPageAfterFirst = true;
    const { items, pages } = await readGrants(fake, appRoles);
    expect(items).toHaveLength(5);
    // 4 assignment pages (2 of them only queue a group) + Bob (the nested Signers on Ops'
    // second member page yields nothing) + 2 Signers members; pages without grants are
    // stepped over.
    expect(pages).toBe(5);
    expect(fake.graphRequests(`/servicePrincipals/${ids.walletSp}/appRoleAssignedTo`).length).toBe(5);
    // Ops: bob, an empty page, the nested group; Signers: dave, an empty page, alice.
    expect(fake.graphRequests(`/groups/${ids.opsGroup}/members`).length).toBe(3);
    expect(fake.graphRequests(`/groups/${ids.signersGroup}/members`).length).toBe(3);
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
  it('reports privileged Entra roles of users, role-assignable groups and service principals, active and eligible', async () => {
    fake = await startFake();
    const { items, problems } = await readGrants(fake, { read: 'directory-roles' });
    expect(problems).toEqual([]);
    expect(rows(items)).toEqual([
      'Carol Cruz | User Administrator | /administrativeUnits/au-compliance | self | human | disabled',
      'Carol Cruz | User Administrator | eligible;/administrativeUnits/au-compliance | self | human | disabled',
      'Frank Falk | Global Administrator | eligible | self | human | active',
      'Gina Gall | Global Administrator | (none) | self | human | active',
      'Gina Gall | Global Administrator | eligible | self | human | active',
      'Gina Gall | Global Administrator | group:Entra Admins (PIM) | self | human | active',
      'Gina Gall | Privileged Role Administrator | eligible;group:Entra Admins (PIM) | self | human | active',
      'Settlement Bot | User Administrator | (none) | - | service | active',
    ]);
    const request = fake.graphRequests('/roleManagement/directory/roleAssignments')[0];
    expect(request?.query.get('$expand')).toBe('principal,roleDefinition');
  });

  it('reports an assignment to a deleted principal as a problem', async () => {
    fake = await startFake();
    fake.roleAssignments.push({ id: 'ra-9', principalId: '00000000-dead-4000-8000-000000000000', roleDefinitionId: roles.globalAdmin, directoryScopeId: '/' });
    const { items, problems } = await readGrants(fake, { read: 'directory-roles' });
    expect(items).toHaveLength(8);
    expect(problems).toEqual([expect.stringMatching(/ra-9 \(Global Administrator\).*deleted object/)]);
  });

  it('survives throttling of the assignments list', async () => {
    fake = await startFake();
    fake.fail((r) => r.path.startsWith('/roleManagement'), { status: 429, retryAfter: '0.01' });
    fake.fail((r) => r.path.startsWith('/groups/'), { status: 503, retryAfter: '0.01' });
    fake.fail((r) => r.path.endsWith('roleEligibilityScheduleInstances'), { status: 503, retryAfter: '0.01' });
    const { items } = await readGrants(fake, { read: 'directory-roles' });
    expect(items).toHaveLength(8);
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

describe('entra-id eligible directory roles (PIM)', () => {
  const eligibleRows = (grants: GrantRecord[]) => rows(grants.filter((g) => g.scope.split(';')[0] === 'eligible'));

  it('reads roleEligibilityScheduleInstances with principal and roleDefinition expanded, after the active ones', async () => {
    fake = await startFake();
    await readGrants(fake, { read: 'directory-roles' });
    const roleRequests = fake.requests.filter((r) => r.path.startsWith('/roleManagement/'));
    expect(roleRequests.map((r) => r.path)).toEqual(['/roleManagement/directory/roleAssignments', '/roleManagement/directory/roleEligibilityScheduleInstances']);
    expect(roleRequests[1]?.query.get('$expand')).toBe('principal,roleDefinition');
    // The eligible group's direct members were read like an active group's.
    expect(fake.graphRequests(`/groups/${ids.adminsGroup}/members`)).toHaveLength(2);
  });

  it('an active and an eligible assignment of the same role are two grants with distinct scopes', async () => {
    fake = await startFake();
    const { items } = await readGrants(fake, { read: 'directory-roles' });
    const gina = items.filter((g) => g.accountId === ids.gina && g.role === 'Global Administrator').map((g) => g.scope).sort();
    expect(gina).toEqual(['', 'eligible', 'group:Entra Admins (PIM)']);
  });

  it('pages through eligibility instances, one Graph page per connector page', async () => {
    fake = await startFake();
    fake.pageSize = 1;
    fake.emptyPageAfterFirst = true;
    const { items, problems } = await readGrants(fake, { read: 'directory-roles' });
    expect(problems).toEqual([]);
    expect(eligibleRows(items)).toEqual([
      'Carol Cruz | User Administrator | eligible;/administrativeUnits/au-compliance | self | human | disabled',
      'Frank Falk | Global Administrator | eligible | self | human | active',
      'Gina Gall | Global Administrator | eligible | self | human | active',
      'Gina Gall | Privileged Role Administrator | eligible;group:Entra Admins (PIM) | self | human | active',
    ]);
    // 4 instances, one per page, plus the empty page Graph may serve with a nextLink.
    expect(fake.graphRequests('/roleManagement/directory/roleEligibilityScheduleInstances')).toHaveLength(5);
  });

  it('a tenant without PIM licence: the eligible roles are a problem of the pull (partial), active roles still read', async () => {
    fake = await startFake();
    fake.pimLicensed = false;
    const { items, problems } = await readGrants(fake, { read: 'directory-roles' });
    expect(problems).toEqual([expect.stringMatching(/^eligible \(PIM\) directory roles could not be read: Graph answered 400 AadPremiumLicenseRequired: .*P2.*set eligibleRoles: false/)]);
    expect(items).toHaveLength(4);
    expect(items.some((g) => g.scope.startsWith('eligible'))).toBe(false);
  });

  it('eligibleRoles: false does not ask for eligible roles', async () => {
    fake = await startFake();
    fake.pimLicensed = false;
    const { items, problems } = await readGrants(fake, { read: 'directory-roles', eligibleRoles: false });
    expect(problems).toEqual([]);
    expect(items).toHaveLength(4);
    expect(fake.graphRequests('/roleManagement/directory/roleEligibilityScheduleInstances')).toEqual([]);
  });

  it('any other refusal of the eligible roles fails the run, naming the permission', async () => {
    fake = await startFake();
    fake.fail((r) => r.path.endsWith('roleEligibilityScheduleInstances'), { status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
    const err = await readGrants(fake, { read: 'directory-roles' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ transient: false, status: 403 });
    expect((err as Error).message).toMatch(/eligible \(PIM\) directory role assignments.*RoleManagement\.Read\.Directory/);
  });
});
