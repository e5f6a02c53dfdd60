/**
 * Shared set-up for the entra-id tests: a demo tenant in the fake, a connector type whose
 * client sends through the fake, a run context with a recording log, and a page drainer
 * that checks the paging contract (tokens advance; an empty page is only ever the last).
 */
import { expect } from 'vitest';
import type { Connector, ConnectorContext, Page } from '../../../src/connectors/connector.js';
import { createEntraIdConnectorType } from '../../../src/connectors/entra-id/entra-id-connector.js';
import { entraIdSettingsSchema } from '../../../src/connectors/entra-id/entra-id-settings.js';
import { FakeGraph } from '../../fakes/fake-graph.js';
import type { FakeGraphOptions } from '../../fakes/fake-graph.js';

export const TENANT = '00000000-0000-4000-8000-000000000001';
export const CLIENT = '11111111-1111-4111-8111-111111111111';
export const SECRET = 'fake-secret-value-3f9a';
export const NOW = new Date('2026-06-15T09:00:00Z');

export const ids = {
  alice: 'a0000000-0000-4000-8000-00000000000a',
  bob: 'b0000000-0000-4000-8000-00000000000b',
  carol: 'c0000000-0000-4000-8000-00000000000c',
  dave: 'd0000000-0000-4000-8000-00000000000d',
  erin: 'e0000000-0000-4000-8000-00000000000e',
  frank: 'f0000000-0000-4000-8000-00000000000f',
  gina: '90000000-0000-4000-8000-000000000009',
  opsGroup: '60000000-0000-4000-8000-000000000061',
  signersGroup: '60000000-0000-4000-8000-000000000062',
  adminsGroup: '60000000-0000-4000-8000-000000000063',
  walletSp: '50000000-0000-4000-8000-000000000051',
  botSp: '50000000-0000-4000-8000-000000000052',
} as const;

export const roles = {
  approver: '71000000-0000-4000-8000-000000000071',
  initiator: '72000000-0000-4000-8000-000000000072',
  globalAdmin: '62e90394-69f5-4237-9190-012177145e10',
  userAdmin: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  privilegedRoleAdmin: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
} as const;

export async function startFake(options: Partial<FakeGraphOptions> = {}): Promise<FakeGraph> {
  const fake = await FakeGraph.start({ tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET, ...options });
  seedTenant(fake);
  return fake;
}

/**
 * A small custodian: directory users, nested groups, a wallet console app, Entra roles
 * (active and PIM-eligible).
 */
export function seedTenant(fake: FakeGraph): void {
  fake.users = [
    {
      id: ids.alice, displayName: 'Alice Adler', userPrincipalName: 'alice@custodian.li', mail: 'Alice.Adler@Custodian.li', department: 'Operations', jobTitle: 'Head of Operations',
      accountEnabled: true, employeeType: 'Employee', userType: 'Member',
      signInActivity: { lastSignInDateTime: '2026-06-10T08:00:00Z', lastNonInteractiveSignInDateTime: '2026-06-14T08:00:00Z', lastSuccessfulSignInDateTime: '2026-06-14T07:59:00Z' },
    },
    { id: ids.bob, displayName: 'Bob Brandt', userPrincipalName: 'bob@custodian.li', mail: null, department: 'Operations', jobTitle: 'Wallet Operator', accountEnabled: true, employeeType: 'Contractor', managerId: ids.alice, employeeLeaveDateTime: '2026-12-31T23:59:59Z' },
    { id: ids.carol, displayName: 'Carol Cruz', userPrincipalName: 'carol@custodian.li', mail: 'carol@custodian.li', department: 'Compliance', jobTitle: 'MLRO', accountEnabled: false, employeeType: 'employee', managerId: ids.alice },
    { id: ids.dave, displayName: 'Dave Dorn', userPrincipalName: 'dave@custodian.li', mail: 'dave@custodian.li', department: 'Trading', jobTitle: 'Trader', accountEnabled: true, employeeType: 'Employee', employeeLeaveDateTime: '2026-05-31T17:00:00Z', managerId: ids.alice },
    { id: ids.erin, displayName: 'Erin Eck', userPrincipalName: 'erin_vendor.example#EXT#@custodian.li', mail: 'erin@vendor.example', accountEnabled: true, userType: 'Guest' },
    { id: ids.frank, displayName: 'Frank Falk', userPrincipalName: 'frank@custodian.li', mail: 'frank@custodian.li', department: 'IT', jobTitle: 'Engineer', accountEnabled: true, employeeType: 'Vendor' },
    { id: ids.gina, displayName: 'Gina Gall', userPrincipalName: 'gina@custodian.li', mail: 'gina@custodian.li', department: 'IT', jobTitle: 'Admin', accountEnabled: true, employeeType: 'Employee' },
  ];
  fake.groups = [
    // Signers is nested in Ops: Dave and Alice are in Ops only through it, so they do NOT
    // hold Ops' app role (Entra does not cascade app role assignments to nested groups).
    { id: ids.opsGroup, displayName: 'Wallet Ops', members: [ids.bob, ids.signersGroup] },
    { id: ids.signersGroup, displayName: 'Wallet Signers', members: [ids.dave, ids.alice] },
    { id: ids.adminsGroup, displayName: 'Entra Admins (PIM)', members: [ids.gina] },
  ];
  fake.servicePrincipals = [
    {
      id: ids.walletSp, appDisplayName: 'Wallet Console',
      appRoles: [
        { id: roles.approver, value: 'Withdrawal.Approve', displayName: 'Withdrawal approver' },
        { id: roles.initiator, value: null, displayName: 'Withdrawal initiator' },
      ],
      assignments: [
        { id: 'ara-1', appRoleId: roles.approver, principalId: ids.alice, principalType: 'User', principalDisplayName: 'Alice Adler' },
        { id: 'ara-2', appRoleId: roles.initiator, principalId: ids.opsGroup, principalType: 'Group', principalDisplayName: 'Wallet Ops' },
        { id: 'ara-3', appRoleId: '00000000-0000-0000-0000-000000000000', principalId: ids.botSp, principalType: 'ServicePrincipal', principalDisplayName: 'Settlement Bot' },
        { id: 'ara-4', appRoleId: roles.approver, principalId: ids.signersGroup, principalType: 'Group', principalDisplayName: 'Wallet Signers' },
      ],
    },
    { id: ids.botSp, appDisplayName: 'Settlement Bot', appRoles: [], assignments: [] },
  ];
  fake.roleDefinitions = [
    { id: roles.globalAdmin, displayName: 'Global Administrator' },
    { id: roles.userAdmin, displayName: 'User Administrator' },
    { id: roles.privilegedRoleAdmin, displayName: 'Privileged Role Administrator' },
  ];
  fake.roleAssignments = [
    { id: 'ra-1', principalId: ids.gina, roleDefinitionId: roles.globalAdmin, directoryScopeId: '/' },
    { id: 'ra-2', principalId: ids.adminsGroup, roleDefinitionId: roles.globalAdmin, directoryScopeId: '/' },
    { id: 'ra-3', principalId: ids.carol, roleDefinitionId: roles.userAdmin, directoryScopeId: '/administrativeUnits/au-compliance' },
    { id: 'ra-4', principalId: ids.botSp, roleDefinitionId: roles.userAdmin, directoryScopeId: '/' },
  ];
  // PIM: eligible roles (ids shaped like Graph's instance ids).
  fake.roleEligibilities = [
    // Gina holds Global Administrator actively AND is eligible for it: two grants.
    { id: 'el-1-e', principalId: ids.gina, roleDefinitionId: roles.globalAdmin, directoryScopeId: '/' },
    { id: 'el-2-e', principalId: ids.frank, roleDefinitionId: roles.globalAdmin, directoryScopeId: '/', endDateTime: '2026-12-31T00:00:00Z' },
    { id: 'el-3-e', principalId: ids.carol, roleDefinitionId: roles.userAdmin, directoryScopeId: '/administrativeUnits/au-compliance' },
    { id: 'el-4-e', principalId: ids.adminsGroup, roleDefinitionId: roles.privilegedRoleAdmin, directoryScopeId: '/' },
  ];
}

export interface RecordedLog {
  level: 'debug' | 'info' | 'warn';
  msg: string;
  fields?: Record<string, unknown>;
}

export function runContext(logs: RecordedLog[] = [], env: Record<string, string> = { ENTRA_CLIENT_SECRET: SECRET }): ConnectorContext {
  return {
    systemId: 'entra-test',
    configDir: '/nonexistent',
    env: (name) => env[name],
    signal: new AbortController().signal,
    log: {
      debug: (msg, fields) => logs.push({ level: 'debug', msg, fields }),
      info: (msg, fields) => logs.push({ level: 'info', msg, fields }),
      warn: (msg, fields) => logs.push({ level: 'warn', msg, fields }),
    },
    now: () => NOW,
  };
}

/** A connector for `settings` (validated by the real schema) that talks to `fake`. */
export function connectorFor(fake: FakeGraph, settings: Record<string, unknown>, ctx: ConnectorContext = runContext(), options: { maxRetries?: number; sleep?: (ms: number) => Promise<void> } = {}): Connector {
  const type = createEntraIdConnectorType({ fetch: fake.fetch, ...options });
  const parsed = entraIdSettingsSchema.parse({ tenantId: TENANT, clientId: CLIENT, clientSecret: { env: 'ENTRA_CLIENT_SECRET' }, ...settings });
  return type.create(parsed, ctx);
}

/** Reads every page; checks tokens advance and that no page but the last is empty. */
export async function drain<T>(list: (token: string | null) => Promise<Page<T>>): Promise<{ items: T[]; problems: string[]; pages: number }> {
  const items: T[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  let token: string | null = null;
  let pages = 0;
  do {
    const page: Page<T> = await list(token);
    pages++;
    items.push(...page.items);
    problems.push(...(page.problems ?? []));
    if (page.nextToken !== null) {
      expect(page.items.length + (page.problems?.length ?? 0), 'only the last page may be empty').toBeGreaterThan(0);
      expect(seen.has(page.nextToken), 'page token must advance').toBe(false);
      seen.add(page.nextToken);
    }
    token = page.nextToken;
  } while (token !== null);
  return { items, problems, pages };
}
