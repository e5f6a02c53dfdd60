/**
 * Builders for policy-engine tests: a small firm (a critical wallet, a critical trading
 * platform, a standard lab system), people, grants and policies written as the YAML would
 * be (parsed by the real schemas, so defaults and list forms are the production ones).
 */
import { globalPolicySchema, sodSchema, systemPolicySchema } from '../../src/config/policy-config.js';
import type { Grant, Identity } from '../../src/domain/index.js';
import { grantId } from '../../src/domain/index.js';
import type { EvaluationContext, EvaluationPolicy, EvaluationSystem } from '../../src/policies/evaluation-context.js';

export const NOW = new Date('2026-11-24T12:00:00.000Z');

/** An ISO timestamp `days` before NOW. */
export function daysAgo(days: number): string {
  return new Date(NOW.getTime() - days * 86_400_000).toISOString();
}

export const SYSTEMS: EvaluationSystem[] = [
  { id: 'wallet', criticality: 'critical', kind: 'wallet' },
  { id: 'trading', criticality: 'critical', kind: 'trading' },
  { id: 'lab', criticality: 'standard', kind: 'other' },
  { id: 'hr', criticality: 'standard', kind: 'directory' },
];

export function person(id: string, over: Partial<Identity> = {}): Identity {
  return {
    id,
    email: `${id}@example.com`,
    displayName: id,
    department: 'Operations',
    jobTitle: 'Analyst',
    managerId: null,
    groups: [],
    aliases: [],
    status: 'active',
    employmentType: 'employee',
    contractEnd: null,
    lastSignInAt: null,
    sourceSystemId: 'hr',
    ...over,
  };
}

/** A live, recently used grant owned by `owner` (null: unowned, no reference). */
export function grant(systemId: string, accountId: string, role: string, owner: string | null, over: Partial<Grant> = {}): Grant {
  const scope = over.scope ?? '';
  return {
    id: grantId(systemId, accountId, role, scope),
    systemId,
    accountId,
    role,
    scope,
    identityId: owner,
    identityRef: owner === null ? null : `${owner}@example.com`,
    accountDisplayName: accountId,
    accountType: 'human',
    accountStatus: 'active',
    lastActivityAt: daysAgo(1),
    firstSeenAt: daysAgo(30),
    ...over,
  };
}

export function policy(system: string, yamlLike: Record<string, unknown>): EvaluationPolicy {
  return { ...systemPolicySchema.parse({ system, ...yamlLike }), file: `policies/${system}.yaml` };
}

/** Policies that allow what the people below normally hold, so each test adds one problem. */
export const POLICIES: EvaluationPolicy[] = [
  policy('wallet', {
    roles: {
      SIGNER: { privileged: true, maxHolders: 2, allowedFor: [{ department: 'Treasury' }, { jobTitle: ['COO', 'Head of Operations'] }] },
      APPROVER: { privileged: true, allowedFor: [{ department: ['Treasury', 'Compliance'] }] },
      VIEWER: { allowedFor: [{ anyone: true }] },
      API: { accountType: 'service', privileged: true, allowedFor: [{ identity: 'ops-lead@example.com' }] },
    },
  }),
  policy('trading', {
    dormantAfterDays: 30,
    roles: {
      TRADER: { allowedFor: [{ department: 'Trading', employmentType: 'employee' }] },
      LIMITS: { privileged: true, allowedFor: [{ group: 'risk-managers' }] },
      VIEWER: { allowedFor: [{ anyone: true }] },
    },
  }),
  policy('lab', { unknownRoles: 'ignore', roles: { USER: { allowedFor: [{ anyone: true }] } } }),
];

export const SOD_RULES = sodSchema.parse({
  rules: [
    { id: 'SOD-TRADE-WITHDRAW', description: 'A trader must not approve withdrawals.', severity: 'high', roles: ['trading:TRADER', 'wallet:APPROVER'] },
    { id: 'SOD-SIGN-APPROVE', description: 'Signer and approver are different people.', severity: 'medium', roles: ['wallet:SIGNER', 'wallet:APPROVER'] },
  ],
}).rules;

export function context(over: Partial<EvaluationContext> = {}): EvaluationContext {
  return {
    systems: SYSTEMS,
    policies: POLICIES,
    sodRules: SOD_RULES,
    global: globalPolicySchema.parse({ dormantAfterDays: 90, leaverGraceDays: 0 }),
    identities: [],
    now: NOW,
    ...over,
  };
}
