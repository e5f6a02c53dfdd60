import { describe, expect, it } from 'vitest';
import {
  DEFAULT_APP_ROLE_ID,
  appRoleNames,
  employmentTypeOf,
  identityStatusOf,
  lastSignInOf,
  mapAppRoleAssignment,
  mapAppRoleGroupMember,
  mapDirectoryRoleAssignment,
  mapDirectoryRoleGroupMember,
  mapUser,
} from '../../../src/connectors/entra-id/entra-id-mappers.js';

const NOW = new Date('2026-06-15T09:00:00Z');

describe('mapUser', () => {
  it('maps every field of a Graph user', () => {
    const record = mapUser(
      {
        id: 'u1',
        displayName: 'Alice Adler',
        userPrincipalName: 'alice@custodian.li',
        mail: 'Alice.Adler@Custodian.LI',
        department: 'Operations',
        jobTitle: 'Head of Operations',
        accountEnabled: true,
        employeeType: 'Contractor',
        employeeLeaveDateTime: '2026-12-31T23:59:59Z',
        userType: 'Member',
        signInActivity: { lastSuccessfulSignInDateTime: '2026-06-14T07:59:00Z', lastSignInDateTime: '2026-06-14T08:30:00Z' },
        manager: { id: 'm1', userPrincipalName: 'boss@custodian.li' },
      },
      ['Wallet Ops', 'Wallet Signers', 'Wallet Ops'],
      NOW,
    );
    expect(record).toEqual({
      id: 'u1',
      email: 'alice.adler@custodian.li',
      displayName: 'Alice Adler',
      department: 'Operations',
      jobTitle: 'Head of Operations',
      managerRef: 'm1',
      groups: ['Wallet Ops', 'Wallet Signers'],
      aliases: ['alice@custodian.li'],
      status: 'active',
      employmentType: 'contractor',
      contractEnd: '2026-12-31',
      lastSignInAt: '2026-06-14T07:59:00Z',
    });
  });

  it('falls back to the UPN for email and name, and to nulls for what Graph omits', () => {
    const record = mapUser({ id: 'u2', userPrincipalName: 'Bob@Custodian.li' }, [], NOW);
    expect(record).toMatchObject({ email: 'bob@custodian.li', displayName: 'Bob@Custodian.li', department: null, jobTitle: null, managerRef: null, aliases: ['Bob@Custodian.li'], status: 'active', contractEnd: null, lastSignInAt: null });
  });
});

describe('identityStatusOf', () => {
  it('is terminated once the leave date has passed, even with the account still enabled', () => {
    expect(identityStatusOf(true, '2026-05-31T17:00:00Z', NOW)).toBe('terminated');
    expect(identityStatusOf(false, '2026-05-31T17:00:00Z', NOW)).toBe('terminated');
  });
  it('is disabled for a disabled account without a past leave date', () => {
    expect(identityStatusOf(false, null, NOW)).toBe('disabled');
    expect(identityStatusOf(false, '2026-12-31T00:00:00Z', NOW)).toBe('disabled');
  });
  it('is active otherwise', () => {
    expect(identityStatusOf(true, '2026-12-31T00:00:00Z', NOW)).toBe('active');
    expect(identityStatusOf(undefined, null, NOW)).toBe('active');
  });
});

describe('employmentTypeOf', () => {
  it.each([
    ['Employee', null, 'employee'],
    ['employee', null, 'employee'],
    ['Contractor', null, 'contractor'],
    ['Vendor', null, 'third-party'],
    ['Guest', null, 'third-party'],
    [' External ', null, 'third-party'],
    [null, 'Guest', 'third-party'],
    ['Employee', 'Guest', 'employee'],
    ['Intern', null, 'employee'],
    [null, null, 'employee'],
  ] as const)('employeeType %s, userType %s -> %s', (employeeType, userType, expected) => {
    expect(employmentTypeOf(employeeType, userType)).toBe(expected);
  });
});

describe('lastSignInOf', () => {
  it('prefers the last successful sign-in', () => {
    expect(lastSignInOf({ lastSuccessfulSignInDateTime: '2026-01-01T00:00:00Z', lastSignInDateTime: '2026-02-01T00:00:00Z' })).toBe('2026-01-01T00:00:00Z');
  });
  it('else takes the later of interactive and non-interactive', () => {
    expect(lastSignInOf({ lastSignInDateTime: '2026-01-01T00:00:00Z', lastNonInteractiveSignInDateTime: '2026-03-01T00:00:00Z' })).toBe('2026-03-01T00:00:00Z');
    expect(lastSignInOf({ lastSignInDateTime: '2026-04-01T00:00:00Z', lastNonInteractiveSignInDateTime: null })).toBe('2026-04-01T00:00:00Z');
  });
  it('is null when unknown', () => {
    expect(lastSignInOf(null)).toBeNull();
    expect(lastSignInOf({})).toBeNull();
  });
});

describe('app role assignments', () => {
  const names = appRoleNames({ id: 'sp', appRoles: [{ id: 'r1', value: 'Withdrawal.Approve', displayName: 'Approver' }, { id: 'r2', value: null, displayName: 'Initiator' }] });

  it('names roles by value, else display name; the default role is Default Access', () => {
    expect(names.get('r1')).toBe('Withdrawal.Approve');
    expect(names.get('r2')).toBe('Initiator');
    expect(names.get(DEFAULT_APP_ROLE_ID)).toBe('Default Access');
  });

  it('maps a user to a human grant owned by the user id', () => {
    expect(mapAppRoleAssignment({ id: 'a', appRoleId: 'r1', principalId: 'u1', principalType: 'User', principalDisplayName: 'Alice' }, names)).toEqual({
      grant: { accountId: 'u1', role: 'Withdrawal.Approve', scope: '', identityRef: 'u1', accountDisplayName: 'Alice', accountType: 'human', accountStatus: 'active', lastActivityAt: null },
    });
  });

  it('maps a service principal to an unowned service grant', () => {
    expect(mapAppRoleAssignment({ id: 'a', appRoleId: DEFAULT_APP_ROLE_ID, principalId: 'sp2', principalType: 'ServicePrincipal', principalDisplayName: 'Bot' }, names)).toEqual({
      grant: { accountId: 'sp2', role: 'Default Access', scope: '', identityRef: null, accountDisplayName: 'Bot', accountType: 'service', accountStatus: 'active', lastActivityAt: null },
    });
  });

  it('queues a group for expansion, and keeps the id of a role the app no longer defines', () => {
    expect(mapAppRoleAssignment({ id: 'a', appRoleId: 'gone', principalId: 'g1', principalType: 'Group', principalDisplayName: 'Ops' }, names)).toEqual({ group: { id: 'g1', name: 'Ops', role: 'appRole:gone', scope: '' } });
  });

  it('reports a principal type it does not understand', () => {
    expect(mapAppRoleAssignment({ id: 'a', appRoleId: 'r1', principalId: 'x', principalType: 'Device' }, names)).toHaveProperty('problem');
  });
});

describe('directory role assignments', () => {
  const base = { id: 'ra', principalId: 'p', roleDefinitionId: 'rd', roleDefinition: { id: 'rd', displayName: 'Global Administrator' } };

  it('maps a user at tenant scope ("/" -> "") with its account state', () => {
    expect(mapDirectoryRoleAssignment({ ...base, directoryScopeId: '/', principal: { '@odata.type': '#microsoft.graph.user', id: 'u1', displayName: 'Gina', accountEnabled: false } })).toEqual({
      grant: { accountId: 'u1', role: 'Global Administrator', scope: '', identityRef: 'u1', accountDisplayName: 'Gina', accountType: 'human', accountStatus: 'disabled', lastActivityAt: null },
    });
  });

  it('keeps an administrative-unit scope and maps service principals as service accounts', () => {
    const outcome = mapDirectoryRoleAssignment({ ...base, directoryScopeId: '/administrativeUnits/au1', principal: { '@odata.type': '#microsoft.graph.servicePrincipal', id: 'sp', displayName: 'Bot' } });
    expect(outcome).toEqual({ grant: expect.objectContaining({ accountId: 'sp', scope: '/administrativeUnits/au1', identityRef: null, accountType: 'service' }) });
  });

  it('queues a role-assignable group with the assignment scope', () => {
    expect(mapDirectoryRoleAssignment({ ...base, directoryScopeId: '/administrativeUnits/au1', principal: { '@odata.type': '#microsoft.graph.group', id: 'g', displayName: 'Admins' } })).toEqual({ group: { id: 'g', name: 'Admins', role: 'Global Administrator', scope: '/administrativeUnits/au1' } });
  });

  it('reports an assignment whose principal Graph did not return', () => {
    expect(mapDirectoryRoleAssignment({ ...base, directoryScopeId: '/', principal: null })).toHaveProperty('problem', expect.stringContaining('deleted object'));
  });
});

describe('mapDirectoryRoleAssignment (eligible, PIM)', () => {
  const base = { id: 'el-1-e', principalId: 'u1', roleDefinitionId: 'r1', roleDefinition: { id: 'r1', displayName: 'Global Administrator' } };
  const user = { '@odata.type': '#microsoft.graph.user', id: 'u1', displayName: 'Gina' };

  it('marks the grant eligible in its scope, so it stays distinct from the active one', () => {
    const active = mapDirectoryRoleAssignment({ ...base, directoryScopeId: '/', principal: user });
    const eligible = mapDirectoryRoleAssignment({ ...base, directoryScopeId: '/', memberType: 'Direct', principal: user }, 'eligible');
    expect(active).toEqual({ grant: expect.objectContaining({ role: 'Global Administrator', scope: '' }) });
    expect(eligible).toEqual({ grant: expect.objectContaining({ accountId: 'u1', role: 'Global Administrator', scope: 'eligible', identityRef: 'u1', accountType: 'human', accountStatus: 'active' }) });
  });

  it('keeps the administrative unit after the marker, and queues groups with the marker', () => {
    expect(mapDirectoryRoleAssignment({ ...base, directoryScopeId: '/administrativeUnits/au1', principal: user }, 'eligible')).toEqual({ grant: expect.objectContaining({ scope: 'eligible;/administrativeUnits/au1' }) });
    expect(mapDirectoryRoleAssignment({ ...base, directoryScopeId: '/', principal: { '@odata.type': '#microsoft.graph.group', id: 'g', displayName: 'Admins' } }, 'eligible')).toEqual({ group: { id: 'g', name: 'Admins', role: 'Global Administrator', scope: 'eligible' } });
  });

  it('says when an instance reaches a user through a group (memberType Group)', () => {
    expect(mapDirectoryRoleAssignment({ ...base, directoryScopeId: '/', memberType: 'Group', principal: user }, 'eligible')).toEqual({ grant: expect.objectContaining({ scope: 'eligible;via-group' }) });
  });

  it('names an eligibility whose principal Graph did not return', () => {
    expect(mapDirectoryRoleAssignment({ ...base, principal: null }, 'eligible')).toHaveProperty('problem', expect.stringMatching(/^eligible role el-1-e \(Global Administrator\).*deleted object/));
  });
});

describe('members of a group holding a role', () => {
  const ops = { id: 'g', name: 'Wallet Ops', role: 'Initiator', scope: '' };
  const admins = { id: 'g2', name: 'Admins', role: 'GA', scope: '/administrativeUnits/au1' };

  it('scopes the grant by group so it stays distinct from a direct assignment', () => {
    expect(mapAppRoleGroupMember({ '@odata.type': '#microsoft.graph.user', id: 'u1', displayName: 'Bob', accountEnabled: true }, ops)).toEqual({
      grant: { accountId: 'u1', role: 'Initiator', scope: 'group:Wallet Ops', identityRef: 'u1', accountDisplayName: 'Bob', accountType: 'human', accountStatus: 'active', lastActivityAt: null },
    });
    expect(mapDirectoryRoleGroupMember({ '@odata.type': '#microsoft.graph.user', id: 'u1', accountEnabled: false }, admins)).toMatchObject({ grant: { scope: '/administrativeUnits/au1;group:Admins', accountStatus: 'disabled' } });
  });

  it('app roles: a nested group and non-user members hold nothing (no cascade)', () => {
    expect(mapAppRoleGroupMember({ '@odata.type': '#microsoft.graph.group', id: 'g3', displayName: 'Wallet Signers' }, ops)).toEqual({ none: expect.stringContaining('nested group Wallet Signers in Wallet Ops gets nothing from Initiator') });
    expect(mapAppRoleGroupMember({ '@odata.type': '#microsoft.graph.servicePrincipal', id: 'sp' }, ops)).toHaveProperty('none');
    expect(mapAppRoleGroupMember({ '@odata.type': '#microsoft.graph.device', id: 'd' }, ops)).toHaveProperty('none');
  });

  it('directory roles: service principal members hold the role; a nested group is reported', () => {
    expect(mapDirectoryRoleGroupMember({ '@odata.type': '#microsoft.graph.servicePrincipal', id: 'sp', displayName: 'Bot' }, admins)).toEqual({ grant: expect.objectContaining({ accountId: 'sp', identityRef: null, accountType: 'service', scope: '/administrativeUnits/au1;group:Admins' }) });
    expect(mapDirectoryRoleGroupMember({ '@odata.type': '#microsoft.graph.group', id: 'g3', displayName: 'Inner' }, admins)).toEqual({ problem: expect.stringContaining('role-assignable groups cannot have') });
  });
});
