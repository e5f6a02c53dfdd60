/** read: identities, end to end through the real Graph client and MSAL against the fake. */
import { afterEach, describe, expect, it } from 'vitest';
import type { IdentityRecord } from '../../../src/connectors/connector.js';
import { ConnectorError } from '../../../src/connectors/connector.js';
import type { FakeGraph } from '../../fakes/fake-graph.js';
import { connectorFor, drain, ids, runContext, startFake } from './entra-id-harness.js';
import type { RecordedLog } from './entra-id-harness.js';

let fake: FakeGraph | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function readAll(f: FakeGraph, settings: Record<string, unknown>, logs: RecordedLog[] = []) {
  const ctx = runContext(logs);
  const connector = connectorFor(f, { read: 'identities', ...settings }, ctx);
  const list = connector.listIdentities;
  if (!list) throw new Error('identities connector without listIdentities');
  return drain<IdentityRecord>((token) => list(token, ctx));
}

function byId(items: IdentityRecord[], id: string): IdentityRecord {
  const found = items.find((i) => i.id === id);
  if (!found) throw new Error(`no identity ${id}`);
  return found;
}

describe('entra-id identities', () => {
  it('maps every field of the directory users', async () => {
    fake = await startFake();
    const { items, problems } = await readAll(fake, { groups: true });
    expect(problems).toEqual([]);
    expect(items).toHaveLength(7);
    expect(byId(items, ids.alice)).toEqual({
      id: ids.alice,
      email: 'alice.adler@custodian.li',
      displayName: 'Alice Adler',
      department: 'Operations',
      jobTitle: 'Head of Operations',
      managerRef: null,
      groups: ['Wallet Ops', 'Wallet Signers'],
      aliases: ['alice@custodian.li'],
      status: 'active',
      employmentType: 'employee',
      contractEnd: null,
      lastSignInAt: '2026-06-14T07:59:00Z',
    });
    // No mail: the UPN is the email; the manager is referenced by id; a contract end.
    expect(byId(items, ids.bob)).toMatchObject({ email: 'bob@custodian.li', managerRef: ids.alice, aliases: ['bob@custodian.li'], employmentType: 'contractor', contractEnd: '2026-12-31', status: 'active', groups: ['Wallet Ops'] });
    // Nested group: Dave is in Wallet Ops only through Wallet Signers.
    expect(byId(items, ids.dave).groups).toEqual(['Wallet Ops', 'Wallet Signers']);
    expect(byId(items, ids.erin)).toMatchObject({ employmentType: 'third-party', email: 'erin@vendor.example' });
    expect(byId(items, ids.frank).employmentType).toBe('third-party');
    // The users request selects what the mapping needs and expands the manager.
    const usersRequest = fake.graphRequests('/users').find((r) => !r.inBatch);
    expect(usersRequest?.query.get('$select')?.split(',')).toEqual(expect.arrayContaining(['accountEnabled', 'employeeType', 'employeeLeaveDateTime', 'signInActivity']));
    expect(usersRequest?.query.get('$expand')).toBe('manager($select=id,userPrincipalName)');
  });

  it('reports disabled and terminated people', async () => {
    fake = await startFake();
    const { items } = await readAll(fake, {});
    expect(byId(items, ids.carol)).toMatchObject({ status: 'disabled', contractEnd: null });
    // Left on 31 May with the account still enabled: terminated, so leaver rules catch it.
    expect(byId(items, ids.dave)).toMatchObject({ status: 'terminated', contractEnd: '2026-05-31' });
    expect(byId(items, ids.bob).status).toBe('active');
  });

  it('returns one Graph page per connector page, across an empty page with a nextLink', async () => {
    fake = await startFake();
    fake.pageSize = 2;
    fake.emptyPageAfterFirst = true;
    const { items, pages } = await readAll(fake, { groups: true });
    expect(items.map((i) => i.id).sort()).toEqual(Object.values(ids).filter((id) => fake?.users.some((u) => u.id === id)).sort());
    // 7 users at 2 a page: 4 non-empty Graph pages (the empty one is stepped over).
    expect(pages).toBe(4);
    expect(fake.graphRequests('/users').filter((r) => !r.inBatch)).toHaveLength(5);
    // Group memberships are read per page, one $batch per page.
    expect(fake.graphRequests('/$batch')).toHaveLength(4);
  });

  it('without groups: true, reads no memberships', async () => {
    fake = await startFake();
    const { items } = await readAll(fake, {});
    expect(items.every((i) => i.groups.length === 0)).toBe(true);
    expect(fake.graphRequests('/$batch')).toHaveLength(0);
  });

  it('re-sends group lookups Graph throttled inside the $batch', async () => {
    fake = await startFake();
    fake.failInBatch((r) => r.path.includes(ids.dave), { status: 429, retryAfter: '0.01' });
    const { items } = await readAll(fake, { groups: true });
    expect(byId(items, ids.dave).groups).toEqual(['Wallet Ops', 'Wallet Signers']);
    expect(fake.graphRequests('/$batch')).toHaveLength(2);
  });

  it('survives a 429 and a 503 on the users list', async () => {
    fake = await startFake();
    fake.fail((r) => r.path === '/users', { status: 429, retryAfter: '0.01' });
    fake.fail((r) => r.path === '/users', { status: 503, retryAfter: '0.01' });
    const { items } = await readAll(fake, {});
    expect(items).toHaveLength(7);
    expect(fake.graphRequests('/users')).toHaveLength(3);
  });

  it('surfaces throttling beyond the retries as a transient error with the wait', async () => {
    fake = await startFake();
    fake.fail((r) => r.path === '/users', { status: 429, retryAfter: '0.01' }, 10);
    const ctx = runContext();
    const connector = connectorFor(fake, { read: 'identities' }, ctx, { maxRetries: 1 });
    const err = await connector.listIdentities?.(null, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ transient: true, retryAfterMs: 10, status: 429 });
  });

  describe('sign-in activity', () => {
    it('auto: without a premium licence, warns once and reads users without last sign-in', async () => {
      fake = await startFake();
      fake.premium = false;
      fake.pageSize = 3;
      const logs: RecordedLog[] = [];
      const ctx = runContext(logs);
      const connector = connectorFor(fake, { read: 'identities' }, ctx);
      const list = connector.listIdentities;
      if (!list) throw new Error('no listIdentities');
      const first = await drain((t) => list(t, ctx));
      const second = await drain((t) => list(t, ctx));
      expect(first.items).toHaveLength(7);
      expect(first.items.every((i) => i.lastSignInAt === null)).toBe(true);
      expect(second.items).toHaveLength(7);
      const warnings = logs.filter((l) => l.level === 'warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.msg).toContain('AuditLog.Read.All');
      expect(warnings[0]?.fields).toMatchObject({ reason: '403 Authentication_RequestFromNonPremiumTenantOrB2CTenant' });
      // Only the very first request asked for signInActivity; its page size was <= 500.
      const asked = fake.graphRequests('/users').map((r) => r.query.get('$select')?.includes('signInActivity'));
      expect(asked).toEqual([true, false, false, false, false, false, false]);
      expect(fake.graphRequests('/users')[0]?.query.get('$top')).toBe('500');
      expect(fake.graphRequests('/users')[1]?.query.get('$top')).toBe('999');
    });

    it('auto: degrades the same way when AuditLog.Read.All is not granted', async () => {
      fake = await startFake();
      fake.permissions.delete('AuditLog.Read.All');
      const logs: RecordedLog[] = [];
      const { items } = await readAll(fake, {}, logs);
      expect(items).toHaveLength(7);
      expect(logs.filter((l) => l.level === 'warn')).toHaveLength(1);
    });

    it('on: a refusal is an error naming the permission and the licence', async () => {
      fake = await startFake();
      fake.permissions.delete('AuditLog.Read.All');
      const err = await readAll(fake, { signInActivity: 'on' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      expect(err).toMatchObject({ transient: false, status: 403 });
      expect((err as Error).message).toMatch(/AuditLog\.Read\.All.*Entra ID P1/);
    });

    it('off: never asks for it', async () => {
      fake = await startFake();
      const { items } = await readAll(fake, { signInActivity: 'off' });
      expect(items.every((i) => i.lastSignInAt === null)).toBe(true);
      expect(fake.graphRequests('/users').some((r) => r.query.get('$select')?.includes('signInActivity'))).toBe(false);
    });
  });

  describe('permissions', () => {
    it('names User.Read.All when users cannot be read', async () => {
      fake = await startFake();
      fake.permissions.delete('User.Read.All');
      const err = await readAll(fake, { signInActivity: 'off' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      expect(err).toMatchObject({ transient: false, status: 403 });
      expect((err as Error).message).toBe(
        'Graph denied reading users (403 Authorization_RequestDenied: Insufficient privileges to complete the operation.): grant the app registration the User.Read.All application permission, with admin consent',
      );
    });

    it('names GroupMember.Read.All when groups come back without their names', async () => {
      fake = await startFake();
      fake.permissions.delete('GroupMember.Read.All');
      const err = await readAll(fake, { groups: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      expect((err as Error).message).toContain('GroupMember.Read.All');
    });
  });

  it('rejects a page token it did not issue', async () => {
    fake = await startFake();
    const ctx = runContext();
    const connector = connectorFor(fake, { read: 'identities' }, ctx);
    const err = await connector.listIdentities?.('bm90LWEtdG9rZW4', ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as Error).message).toContain('page token');
  });

  it('fails at creation, naming the variable, when the secret is not set', async () => {
    fake = await startFake();
    expect(() => connectorFor(fake as FakeGraph, { read: 'identities' }, runContext([], {}))).toThrow('environment variable ENTRA_CLIENT_SECRET is not set');
  });
});
