/**
 * entra-id revokeGrant through the real Graph client, MSAL and the SDK's RetryHandler against
 * the fake Graph: the grant as the reader reported it is found again by a read right before
 * the DELETE (which gives the assignment's current id), removed once, and a repeat finds it
 * gone; group-held grants are refused without any DELETE; a 403 names the write permission; a
 * 404 on the DELETE is "already gone"; a 429 is retried after Retry-After. PIM eligible roles
 * are removed by an adminRemove roleEligibilityScheduleRequest, with the same guarantees (its
 * RoleAssignmentDoesNotExist answer is "already gone" only when a read agrees).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connector, GrantRecord } from '../../../src/connectors/connector.js';
import { ALL_PERMISSIONS, WRITE_PERMISSIONS } from '../../fakes/fake-graph.js';
import type { FakeGraph } from '../../fakes/fake-graph.js';
import { connectorFor, drain, ids, roles, runContext, startFake } from './entra-id-harness.js';

let fake: FakeGraph;
beforeEach(async () => {
  fake = await startFake();
  fake.permissions = new Set([...ALL_PERMISSIONS, ...WRITE_PERMISSIONS]);
});
afterEach(async () => {
  await fake.close();
});

const appRoles = () => connectorFor(fake, { read: 'app-roles', servicePrincipalId: ids.walletSp });
const directoryRoles = () => connectorFor(fake, { read: 'directory-roles' });
const deletes = () => fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.path);
const ELIGIBILITY_REQUESTS = '/roleManagement/directory/roleEligibilityScheduleRequests';
const removalRequests = () => fake.requests.filter((r) => r.method === 'POST' && r.path === ELIGIBILITY_REQUESTS);

/** The grants as the reader reports them (what a snapshot holds). */
async function grants(connector: Connector): Promise<GrantRecord[]> {
  return (await drain((token) => connector.listGrants!(token, runContext()))).items;
}
async function grant(connector: Connector, accountId: string, role: string, scope = ''): Promise<GrantRecord> {
  const found = (await grants(connector)).find((g) => g.accountId === accountId && g.role === role && g.scope === scope);
  expect(found, `${accountId} ${role} ${scope}`).toBeDefined();
  return found!;
}
const walletAssignments = () => fake.servicePrincipals.find((s) => s.id === ids.walletSp)!.assignments.map((a) => a.id);

describe('entra-id revokeGrant: app role assignments', () => {
  it('reads the assignment, DELETEs it by its current id, and a repeat finds it already gone', async () => {
    const connector = appRoles();
    const alice = await grant(connector, ids.alice, 'Withdrawal.Approve');
    const result = await connector.revokeGrant!(alice, runContext());
    expect(result).toEqual({ outcome: 'removed', ref: `DELETE /servicePrincipals/${ids.walletSp}/appRoleAssignedTo/ara-1` });
    expect(deletes()).toEqual([`/servicePrincipals/${ids.walletSp}/appRoleAssignedTo/ara-1`]);
    expect(walletAssignments()).toEqual(['ara-2', 'ara-3', 'ara-4']);
    // The reader no longer reports it.
    expect((await grants(connector)).some((g) => g.accountId === ids.alice && g.role === 'Withdrawal.Approve' && g.scope === '')).toBe(false);

    // A repeat (a crash after the DELETE, before the ledger): nothing found, nothing sent.
    expect(await connector.revokeGrant!(alice, runContext())).toMatchObject({ outcome: 'already-gone' });
    expect(deletes()).toHaveLength(1);
  });

  it('removes a service principal\'s Default Access assignment', async () => {
    const connector = appRoles();
    const bot = await grant(connector, ids.botSp, 'Default Access');
    expect(await connector.revokeGrant!(bot, runContext())).toMatchObject({ outcome: 'removed' });
    expect(walletAssignments()).toEqual(['ara-1', 'ara-2', 'ara-4']);
  });

  it('refuses a role held through a group, naming the group, and deletes nothing (not the group\'s assignment, not another)', async () => {
    const connector = appRoles();
    const bob = await grant(connector, ids.bob, 'Withdrawal initiator', 'group:Wallet Ops');
    const result = await connector.revokeGrant!(bob, runContext());
    expect(result).toMatchObject({ outcome: 'refused' });
    expect((result as { reason: string }).reason).toMatch(/through group Wallet Ops.*Remove the account from group Wallet Ops/);
    expect(deletes()).toEqual([]);
    expect(walletAssignments()).toEqual(['ara-1', 'ara-2', 'ara-3', 'ara-4']);
  });

  it('403 without AppRoleAssignment.ReadWrite.All: refused naming the permission, nothing removed', async () => {
    fake.permissions.delete('AppRoleAssignment.ReadWrite.All');
    const connector = appRoles();
    const result = await connector.revokeGrant!(await grant(connector, ids.alice, 'Withdrawal.Approve'), runContext());
    expect(result).toMatchObject({ outcome: 'refused', permission: 'AppRoleAssignment.ReadWrite.All' });
    expect((result as { reason: string }).reason).toMatch(/403 Authorization_RequestDenied.*AppRoleAssignment\.ReadWrite\.All application permission/);
    expect(walletAssignments()).toContain('ara-1');
  });

  it('a DELETE answered 404 (removed by someone else since the read) is already gone, not an error', async () => {
    const connector = appRoles();
    const alice = await grant(connector, ids.alice, 'Withdrawal.Approve');
    fake.fail((r) => r.method === 'DELETE', { status: 404, code: 'Request_ResourceNotFound', message: "Resource 'ara-1' does not exist" });
    expect(await connector.revokeGrant!(alice, runContext())).toMatchObject({ outcome: 'already-gone', ref: expect.stringMatching(/404/) });
  });

  it('a DELETE answered 429 is re-sent after its Retry-After by the SDK\'s RetryHandler, then removed', async () => {
    const connector = appRoles();
    const alice = await grant(connector, ids.alice, 'Withdrawal.Approve');
    fake.fail((r) => r.method === 'DELETE', { status: 429, retryAfter: '0' }, 2);
    expect(await connector.revokeGrant!(alice, runContext())).toMatchObject({ outcome: 'removed' });
    expect(deletes()).toHaveLength(3);
    expect(fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.headers['retry-attempt'] ?? '0')).toEqual(['0', '1', '2']);
    expect(walletAssignments()).not.toContain('ara-1');
  });

  it('still throttled after the retries: a transient error with the Retry-After to wait, nothing removed', async () => {
    const connector = connectorFor(fake, { read: 'app-roles', servicePrincipalId: ids.walletSp }, runContext(), { maxRetries: 1 });
    const alice = await grant(connector, ids.alice, 'Withdrawal.Approve');
    fake.fail((r) => r.method === 'DELETE', { status: 429, retryAfter: '0' }, 5);
    await expect(connector.revokeGrant!(alice, runContext())).rejects.toMatchObject({ transient: true, status: 429 });
    expect(deletes()).toHaveLength(2);
    expect(walletAssignments()).toContain('ara-1');
  });
});

describe('entra-id revokeGrant: directory role assignments', () => {
  it('finds the active assignment by principal, role and directory scope, and DELETEs it', async () => {
    const connector = directoryRoles();
    const carol = await grant(connector, ids.carol, 'User Administrator', '/administrativeUnits/au-compliance');
    expect(await connector.revokeGrant!(carol, runContext())).toEqual({ outcome: 'removed', ref: 'DELETE /roleManagement/directory/roleAssignments/ra-3' });
    expect(fake.requests.find((r) => r.path === '/roleManagement/directory/roleAssignments' && r.query.get('$filter'))?.query.get('$filter')).toBe(`principalId eq '${ids.carol}'`);
    expect(fake.roleAssignments.map((a) => a.id)).toEqual(['ra-1', 'ra-2', 'ra-4']);
    expect(await connector.revokeGrant!(carol, runContext())).toMatchObject({ outcome: 'already-gone' });
    // A tenant-wide grant of the same role and principal would be another assignment: not this one.
    expect(await connector.revokeGrant!({ ...carol, scope: '' }, runContext())).toMatchObject({ outcome: 'already-gone' });
    expect(deletes()).toHaveLength(1);
  });

  it('refuses a role held through a role-assignable group, active or eligible, and an eligibility Graph reports through an unnamed group', async () => {
    fake.roleEligibilities.push({ id: 'el-5-e', principalId: ids.frank, roleDefinitionId: roles.userAdmin, directoryScopeId: '/', memberType: 'Group' });
    const connector = directoryRoles();
    const viaGroup = await grant(connector, ids.gina, 'Global Administrator', 'group:Entra Admins (PIM)');
    expect(await connector.revokeGrant!(viaGroup, runContext())).toMatchObject({ outcome: 'refused', reason: expect.stringMatching(/through group Entra Admins \(PIM\)/) });
    const eligibleViaGroup = await grant(connector, ids.gina, 'Privileged Role Administrator', 'eligible;group:Entra Admins (PIM)');
    expect(await connector.revokeGrant!(eligibleViaGroup, runContext())).toMatchObject({ outcome: 'refused', reason: expect.stringMatching(/through group Entra Admins \(PIM\).*eligibility/) });
    const unnamed = await grant(connector, ids.frank, 'User Administrator', 'eligible;via-group');
    expect(await connector.revokeGrant!(unnamed, runContext())).toMatchObject({ outcome: 'refused', reason: expect.stringMatching(/eligible for User Administrator through a group.*by hand/) });
    expect(deletes()).toEqual([]);
    expect(removalRequests()).toEqual([]);
    expect(fake.roleEligibilities).toHaveLength(5);
  });

  it('403 without RoleManagement.ReadWrite.Directory: refused naming the permission', async () => {
    fake.permissions.delete('RoleManagement.ReadWrite.Directory');
    const connector = directoryRoles();
    const gina = await grant(connector, ids.gina, 'Global Administrator');
    expect(await connector.revokeGrant!(gina, runContext())).toMatchObject({ outcome: 'refused', permission: 'RoleManagement.ReadWrite.Directory' });
    expect(fake.roleAssignments.map((a) => a.id)).toContain('ra-1');
  });
});

describe('entra-id revokeGrant: PIM eligible directory roles (adminRemove)', () => {
  const eligibilityIds = () => fake.roleEligibilities.map((e) => e.id);

  it('reads the principal\'s eligibility, POSTs an adminRemove for its role and scope, and a repeat finds it already gone', async () => {
    const connector = directoryRoles();
    const frank = await grant(connector, ids.frank, 'Global Administrator', 'eligible');
    const result = await connector.revokeGrant!(frank, runContext());
    expect(result).toEqual({ outcome: 'removed', ref: `POST ${ELIGIBILITY_REQUESTS} adminRemove ${roles.globalAdmin} at / (request eligibility-request-1, Revoked)` });
    expect(fake.requests.find((r) => r.path === '/roleManagement/directory/roleEligibilityScheduleInstances' && r.query.get('$filter'))?.query.get('$filter')).toBe(`principalId eq '${ids.frank}'`);
    expect(removalRequests().map((r) => r.body)).toEqual([
      { action: 'adminRemove', principalId: ids.frank, roleDefinitionId: roles.globalAdmin, directoryScopeId: '/', justification: 'Removed by iam-review: access revoked in an access review' },
    ]);
    // Only Frank's eligibility went; Gina's eligibility of the same role and every active assignment stay.
    expect(eligibilityIds()).toEqual(['el-1-e', 'el-3-e', 'el-4-e']);
    expect(fake.roleAssignments).toHaveLength(4);
    expect((await grants(connector)).some((g) => g.accountId === ids.frank && g.scope === 'eligible')).toBe(false);

    expect(await connector.revokeGrant!(frank, runContext())).toMatchObject({ outcome: 'already-gone', ref: expect.stringMatching(/no eligibility of eligible directory role Global Administrator/) });
    expect(removalRequests()).toHaveLength(1);
    expect(deletes()).toEqual([]);
  });

  it('an eligibility scoped to an administrative unit is removed at that scope only', async () => {
    const connector = directoryRoles();
    const carol = await grant(connector, ids.carol, 'User Administrator', 'eligible;/administrativeUnits/au-compliance');
    expect(await connector.revokeGrant!({ ...carol, scope: 'eligible' }, runContext())).toMatchObject({ outcome: 'already-gone' });
    expect(await connector.revokeGrant!(carol, runContext())).toMatchObject({ outcome: 'removed' });
    expect(removalRequests().map((r) => (r.body as { directoryScopeId: string }).directoryScopeId)).toEqual(['/administrativeUnits/au-compliance']);
    expect(eligibilityIds()).toEqual(['el-1-e', 'el-2-e', 'el-4-e']);
  });

  it('removed by someone else between the read and the request: Graph answers 400 RoleAssignmentDoesNotExist, a read agrees, already gone', async () => {
    const connector = directoryRoles();
    const frank = await grant(connector, ids.frank, 'Global Administrator', 'eligible');
    fake.fail((r) => {
      if (r.method === 'POST' && r.path === ELIGIBILITY_REQUESTS) fake.roleEligibilities = fake.roleEligibilities.filter((e) => e.id !== 'el-2-e');
      return false;
    }, { status: 500 });
    expect(await connector.revokeGrant!(frank, runContext())).toMatchObject({ outcome: 'already-gone', ref: expect.stringMatching(/adminRemove answered 400 RoleAssignmentDoesNotExist and a read shows no eligibility/) });
    expect(removalRequests()).toHaveLength(1);
  });

  it('RoleAssignmentDoesNotExist while a read still shows the eligibility: refused with Graph\'s answer, nothing claimed', async () => {
    const connector = directoryRoles();
    const frank = await grant(connector, ids.frank, 'Global Administrator', 'eligible');
    fake.fail((r) => r.method === 'POST' && r.path === ELIGIBILITY_REQUESTS, { status: 400, code: 'RoleAssignmentDoesNotExist', message: 'The Role assignment does not exist.' });
    expect(await connector.revokeGrant!(frank, runContext())).toMatchObject({ outcome: 'refused', reason: expect.stringMatching(/400 RoleAssignmentDoesNotExist.*a read still shows the eligibility/) });
    expect(eligibilityIds()).toContain('el-2-e');
  });

  it('403 without RoleEligibilitySchedule.ReadWrite.Directory (nor RoleManagement.ReadWrite.Directory): refused naming the permission; the higher one alone suffices', async () => {
    fake.permissions.delete('RoleEligibilitySchedule.ReadWrite.Directory');
    fake.permissions.delete('RoleManagement.ReadWrite.Directory');
    const connector = directoryRoles();
    const frank = await grant(connector, ids.frank, 'Global Administrator', 'eligible');
    const result = await connector.revokeGrant!(frank, runContext());
    expect(result).toMatchObject({ outcome: 'refused', permission: 'RoleEligibilitySchedule.ReadWrite.Directory' });
    expect((result as { reason: string }).reason).toMatch(/403 Authorization_RequestDenied.*RoleEligibilitySchedule\.ReadWrite\.Directory application permission/);
    expect(eligibilityIds()).toContain('el-2-e');
    fake.permissions.add('RoleManagement.ReadWrite.Directory');
    expect(await connector.revokeGrant!(frank, runContext())).toMatchObject({ outcome: 'removed' });
  });

  it('a request answered 429 is re-sent after its Retry-After by the SDK\'s RetryHandler, then removed', async () => {
    const connector = directoryRoles();
    const frank = await grant(connector, ids.frank, 'Global Administrator', 'eligible');
    fake.fail((r) => r.method === 'POST' && r.path === ELIGIBILITY_REQUESTS, { status: 429, retryAfter: '0' }, 2);
    expect(await connector.revokeGrant!(frank, runContext())).toMatchObject({ outcome: 'removed' });
    expect(removalRequests().map((r) => r.headers['retry-attempt'] ?? '0')).toEqual(['0', '1', '2']);
    expect(eligibilityIds()).not.toContain('el-2-e');
  });

  it('a request Graph carried out but answered 503, re-sent by the RetryHandler and answered RoleAssignmentDoesNotExist: a read shows it gone, already gone', async () => {
    const connector = directoryRoles();
    const frank = await grant(connector, ids.frank, 'Global Administrator', 'eligible');
    let first = true;
    fake.fail((r) => {
      if (!(r.method === 'POST' && r.path === ELIGIBILITY_REQUESTS && first)) return false;
      first = false;
      fake.roleEligibilities = fake.roleEligibilities.filter((e) => e.id !== 'el-2-e');
      return true;
    }, { status: 503, retryAfter: '0' });
    expect(await connector.revokeGrant!(frank, runContext())).toMatchObject({ outcome: 'already-gone', ref: expect.stringMatching(/RoleAssignmentDoesNotExist/) });
    expect(removalRequests()).toHaveLength(2);
  });
});

describe('entra-id revokeGrant: identities', () => {
  it('the identities mode removes nothing: it has no revokeGrant', () => {
    expect(connectorFor(fake, { read: 'identities' }).revokeGrant).toBeUndefined();
  });
});
