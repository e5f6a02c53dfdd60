import { describe, expect, it } from 'vitest';
import { accountStatusOf, FIREBLOCKS_ROLES, mapApiUser, mapConsoleUser, mapUsers, usersOf } from '../../../src/connectors/fireblocks/fireblocks-mappers.js';

const consoleUser = (over: Record<string, unknown> = {}) => ({
  id: 'c0ffee00-0000-4000-8000-000000000001',
  firstName: 'Ana',
  lastName: 'Ruiz',
  email: 'ana.ruiz@example.li',
  role: 'SIGNER',
  enabled: true,
  status: 'READY',
  userType: 'CONSOLE',
  ...over,
});

const apiUser = (over: Record<string, unknown> = {}) => ({
  id: 'a9100000-0000-4000-8000-000000000001',
  name: 'treasury-bot',
  role: 'EDITOR',
  enabled: true,
  status: 'READY',
  userType: 'API',
  ...over,
});

describe('mapConsoleUser', () => {
  it('maps a console user to a human account correlated by email', () => {
    expect(mapConsoleUser(consoleUser(), 0)).toEqual({
      grant: {
        accountId: 'c0ffee00-0000-4000-8000-000000000001',
        role: 'SIGNER',
        scope: '',
        identityRef: 'ana.ruiz@example.li',
        accountDisplayName: 'Ana Ruiz',
        accountType: 'human',
        accountStatus: 'active',
        lastActivityAt: null,
      },
    });
  });

  it.each(FIREBLOCKS_ROLES.map((r) => [r]))('passes the documented role %s through', (role) => {
    expect(mapConsoleUser(consoleUser({ role }), 0)).toMatchObject({ grant: { role } });
    expect(mapApiUser(apiUser({ role }), 0)).toMatchObject({ grant: { role } });
  });

  it('passes an unknown role through unchanged (policies decide)', () => {
    expect(mapConsoleUser(consoleUser({ role: 'TRAVEL_RULE_OFFICER' }), 0)).toMatchObject({ grant: { role: 'TRAVEL_RULE_OFFICER' } });
    expect(mapConsoleUser(consoleUser({ role: 'signer ' }), 0)).toMatchObject({ grant: { role: 'signer ' } });
  });

  it('falls back to the email as display name, and to null without either', () => {
    expect(mapConsoleUser(consoleUser({ firstName: undefined, lastName: '' }), 0)).toMatchObject({ grant: { accountDisplayName: 'ana.ruiz@example.li' } });
    expect(mapConsoleUser(consoleUser({ firstName: 'Ana', lastName: undefined }), 0)).toMatchObject({ grant: { accountDisplayName: 'Ana' } });
    expect(mapConsoleUser(consoleUser({ firstName: null, lastName: null, email: null }), 0)).toMatchObject({ grant: { accountDisplayName: null, identityRef: null, accountType: 'human' } });
  });

  it('reports a console entry typed API as an unowned service account', () => {
    expect(mapConsoleUser(consoleUser({ userType: 'API', email: 'x@example.li' }), 0)).toMatchObject({ grant: { accountType: 'service', identityRef: null } });
  });
});

describe('account status', () => {
  it.each([
    [true, 'READY', 'active'],
    [true, 'PENDING_ACTIVATION', 'active'],
    [true, 'PENDING_DEVICE_PAIRING', 'active'],
    [true, 'PENDING_DEVICE_SETUP', 'active'],
    [true, 'SOMETHING_NEW', 'active'],
    [false, 'READY', 'disabled'],
    [false, 'PENDING_ACTIVATION', 'disabled'],
    [undefined, 'READY', 'active'],
    [undefined, undefined, 'active'],
    ['false', 'READY', 'active'],
  ] as const)('enabled %s, status %s -> %s', (enabled, status, expected) => {
    expect(mapConsoleUser(consoleUser({ enabled, status }), 0)).toMatchObject({ grant: { accountStatus: expected } });
    expect(mapApiUser(apiUser({ enabled, status }), 0)).toMatchObject({ grant: { accountStatus: expected } });
  });

  it('only enabled === false disables', () => {
    expect(accountStatusOf(false)).toBe('disabled');
    expect(accountStatusOf(null)).toBe('active');
  });
});

describe('mapApiUser', () => {
  it('maps an API user to an unowned service account', () => {
    expect(mapApiUser(apiUser(), 0)).toEqual({
      grant: {
        accountId: 'a9100000-0000-4000-8000-000000000001',
        role: 'EDITOR',
        scope: '',
        identityRef: null,
        accountDisplayName: 'treasury-bot',
        accountType: 'service',
        accountStatus: 'active',
        lastActivityAt: null,
      },
    });
    expect(mapApiUser(apiUser({ name: '' }), 0)).toMatchObject({ grant: { accountDisplayName: null } });
  });
});

describe('malformed users', () => {
  it.each([
    [null, 'console user #3: not an object'],
    ['u1', 'console user #3: not an object'],
    [consoleUser({ id: undefined }), 'console user #3: missing id; not read'],
    [consoleUser({ id: '' }), 'console user #3: missing id; not read'],
    [consoleUser({ role: undefined }), 'console user #3 (id c0ffee00-0000-4000-8000-000000000001): missing role; not read'],
    [consoleUser({ role: 7 }), 'console user #3 (id c0ffee00-0000-4000-8000-000000000001): missing role; not read'],
    [consoleUser({ id: 42, role: null }), 'console user #3: missing id and role; not read'],
  ])('%j -> a problem', (raw, problem) => {
    expect(mapConsoleUser(raw, 3)).toEqual({ problem });
  });

  it('mapUsers keeps the readable users and reports the rest', () => {
    const result = mapUsers([apiUser(), apiUser({ id: undefined }), apiUser({ id: 'a2', role: 'VIEWER' })], 'api');
    expect(result.items.map((g) => [g.accountId, g.role])).toEqual([
      ['a9100000-0000-4000-8000-000000000001', 'EDITOR'],
      ['a2', 'VIEWER'],
    ]);
    expect(result.problems).toEqual(['API user #1: missing id; not read']);
  });

  it('mapUsers picks the mapper by kind', () => {
    expect(mapUsers([consoleUser()], 'console').items[0]).toMatchObject({ accountType: 'human' });
    expect(mapUsers([consoleUser()], 'api').items[0]).toMatchObject({ accountType: 'service', identityRef: null });
  });
});

describe('usersOf', () => {
  it('reads the users array of a list answer, and nothing else', () => {
    expect(usersOf({ users: [1, 2] })).toEqual([1, 2]);
    expect(usersOf({ users: [] })).toEqual([]);
    expect(usersOf([consoleUser()])).toBeNull();
    expect(usersOf({ users: {} })).toBeNull();
    expect(usersOf(null)).toBeNull();
  });
});
