/**
 * Crypto separation of duties inside a custody policy: tap-self-approval and tap-sole-approver,
 * read from the detail of TAP grants as the Fireblocks connector writes it.
 */
import { describe, expect, it } from 'vitest';
import { systemPolicySchema } from '../../src/config/policy-config.js';
import { parseTapRules } from '../../src/connectors/fireblocks/fireblocks-tap.js';
import { mapTapGrants, userGroupsOf } from '../../src/connectors/fireblocks/fireblocks-tap-grants.js';
import type { TapAccount } from '../../src/connectors/fireblocks/fireblocks-tap-grants.js';
import type { Finding, Grant, GrantDetail } from '../../src/domain/index.js';
import { evaluatePolicies } from '../../src/policies/evaluate-policies.js';
import { TAP_RULES, TAP_USER_GROUPS } from '../connectors/fireblocks/tap-fixture.js';
import { context, grant, person, policy } from './policy-fixtures.js';

const TAP_ROLES = { 'tap:initiator': { allowedFor: [{ anyone: true }] }, 'tap:approver': { privileged: true, allowedFor: [{ anyone: true }] }, 'tap:signer': { allowedFor: [{ anyone: true }] } };
const PEOPLE = ['olga', 'sam', 'cleo', 'tom'].map((id) => person(id));

function evaluate(grants: Grant[], walletPolicy: Record<string, unknown> = {}, critical = true): Finding[] {
  const ctx = context({
    systems: [{ id: 'wallet', criticality: critical ? 'critical' : 'standard', kind: 'wallet' }],
    policies: [policy('wallet', { roles: TAP_ROLES, ...walletPolicy })],
    sodRules: [],
    identities: PEOPLE,
  });
  return evaluatePolicies({ ...ctx, grants: [grants] }).findings.filter((f) => f.type.startsWith('tap-'));
}

function approver(owner: string, detail: GrantDetail, role = 'tap:approver'): Grant {
  return grant('wallet', `c-${owner}`, role, owner, { scope: `TAP rule ${String((detail.tapRule as { id: string }).id)}`, detail });
}

const RULE = { id: 'r1', name: 'Large withdrawals', type: 'TRANSFER', action: '2-TIER' };

describe('tap-self-approval', () => {
  const approve = (account: string, owner: string | null, over: Record<string, unknown> = {}) =>
    grant('wallet', account, 'tap:approver', owner, { scope: 'TAP rule r1', detail: { summary: 'can approve TRANSFER ...', tapRule: RULE, duty: 'approve', via: ['group Treasury'], canInitiatorApprove: true, approvals: { operator: 'AND', groups: [{ threshold: 2, members: 3, via: ['group Treasury'] }] }, ...over } as GrantDetail });
  const initiate = (account: string, owner: string | null, over: Record<string, unknown> = {}) =>
    grant('wallet', account, 'tap:initiator', owner, { scope: 'TAP rule r1', detail: { summary: 'can initiate TRANSFER ...', tapRule: RULE, duty: 'initiate', via: ['user'], canInitiatorApprove: true, ...over } as GrantDetail });

  it('same account, rule lets the initiator approve: high on a critical system, naming the person, the rule and both paths', () => {
    const [f, ...rest] = evaluate([initiate('c-olga', 'olga'), approve('c-olga', 'olga')]);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ type: 'tap-self-approval', severity: 'high', accountId: 'c-olga', role: 'tap:approver', identityId: 'olga', ruleId: 'tap:wallet:r1:self-approval' });
    expect(f!.reason).toBe('olga@example.com can both initiate and approve under TAP rule "Large withdrawals" (r1) on wallet (the rule lets the initiator approve): initiates as c-olga via user; approves as c-olga via group Treasury');
    expect(f!.evidence).toEqual({
      person: 'olga@example.com',
      policyRule: { id: 'r1', name: 'Large withdrawals' },
      canInitiatorApprove: true,
      initiators: [{ accountId: 'c-olga', grantId: initiate('c-olga', 'olga').id, via: ['user'] }],
      approverVia: ['group Treasury'],
      summary: 'can approve TRANSFER ...',
    });
  });

  it('is medium on a standard system with a role that is not privileged', () => {
    const findings = evaluate([initiate('c-olga', 'olga'), { ...approve('c-olga', 'olga'), role: 'tap:initiator' }], {}, false);
    expect(findings.map((f) => [f.type, f.severity])).toEqual([['tap-self-approval', 'medium']]);
  });

  it('same account is no conflict when the rule does not let the initiator approve, nor is approving alone', () => {
    expect(evaluate([initiate('c-olga', 'olga', { canInitiatorApprove: false }), approve('c-olga', 'olga', { canInitiatorApprove: false })])).toEqual([]);
    expect(evaluate([approve('c-olga', 'olga'), initiate('c-sam', 'sam')])).toEqual([]);
  });

  it('two accounts of one person are a conflict whatever canInitiatorApprove says', () => {
    const findings = evaluate([initiate('c-olga', 'olga', { canInitiatorApprove: false }), approve('c-olga-2', 'olga', { canInitiatorApprove: false })]);
    expect(findings.map((f) => [f.type, f.accountId])).toEqual([['tap-self-approval', 'c-olga-2']]);
    expect(findings[0]!.reason).toContain('(with two accounts of one person, which the vendor cannot tell apart): initiates as c-olga via user; approves as c-olga-2 via group Treasury');
  });

  it('holdings under different rules do not combine', () => {
    expect(evaluate([initiate('c-olga', 'olga', { tapRule: { ...RULE, id: 'r2' } }), approve('c-olga', 'olga')])).toEqual([]);
  });

  it('takes the severity the policy sets, and skips a rule exempted with a reason', () => {
    const grants = [initiate('c-olga', 'olga'), approve('c-olga', 'olga')];
    expect(evaluate(grants, { custodyPolicyFindings: { 'tap-self-approval': { severity: 'low' } } }).map((f) => f.severity)).toEqual(['low']);
    expect(evaluate(grants, { custodyPolicyFindings: { 'tap-self-approval': { exempt: [{ rule: 'r1', reason: 'Board minute 2026-10: ops desk' }] } } })).toEqual([]);
    expect(evaluate(grants, { custodyPolicyFindings: { 'tap-self-approval': { exempt: [{ rule: 'r2', reason: 'another rule' }] } } })).toHaveLength(1);
  });
});

describe('tap-sole-approver', () => {
  const withGroups = (operator: 'AND' | 'OR', groups: { threshold: number; members: number; via: string[] }[]) =>
    approver('sam', { tapRule: RULE, duty: 'approve', via: ['user'], canInitiatorApprove: false, approvals: { operator, groups } } as GrantDetail);

  it('OR: a group needing one approval that they are in', () => {
    const findings = evaluate([withGroups('OR', [{ threshold: 2, members: 3, via: ['user'] }, { threshold: 1, members: 2, via: ['group Treasury'] }])]);
    expect(findings.map((f) => [f.type, f.severity, f.ruleId])).toEqual([['tap-sole-approver', 'high', 'tap:wallet:r1:sole-approver']]);
    expect(findings[0]!.reason).toBe('sam@example.com alone meets the approval requirement of TAP rule "Large withdrawals" (r1) on wallet: approval group 2 needs 1 of 2 (in it via group Treasury)');
    expect(findings[0]!.evidence).toMatchObject({ person: 'sam@example.com', policyRule: { id: 'r1', name: 'Large withdrawals' }, approverVia: ['user'], operator: 'OR' });
  });

  it('AND: only when every group that needs approval needs one and they are in each', () => {
    expect(evaluate([withGroups('AND', [{ threshold: 1, members: 2, via: ['user'] }, { threshold: 1, members: 2, via: ['group Risk'] }, { threshold: 0, members: 4, via: [] }])]).map((f) => f.type)).toEqual(['tap-sole-approver']);
    expect(evaluate([withGroups('AND', [{ threshold: 1, members: 2, via: ['user'] }, { threshold: 1, members: 2, via: [] }])])).toEqual([]);
    expect(evaluate([withGroups('AND', [{ threshold: 2, members: 2, via: ['user'] }])])).toEqual([]);
  });

  it('no approval needed at all is not this finding', () => {
    expect(evaluate([withGroups('OR', [{ threshold: 0, members: 2, via: ['user'] }])])).toEqual([]);
  });

  it('a grant without custody-policy detail is never read as one', () => {
    expect(evaluate([grant('wallet', 'c-sam', 'tap:approver', 'sam', { detail: { summary: 'x' } }), grant('wallet', 'c-tom', 'tap:approver', 'tom')])).toEqual([]);
  });

  it('takes the severity the policy sets, and skips a rule exempted with a reason', () => {
    const g = withGroups('OR', [{ threshold: 1, members: 2, via: ['user'] }]);
    expect(evaluate([g], { custodyPolicyFindings: { 'tap-sole-approver': { severity: 'medium' } } }).map((f) => f.severity)).toEqual(['medium']);
    expect(evaluate([g], { custodyPolicyFindings: { 'tap-sole-approver': { exempt: [{ rule: 'r1', reason: 'Petty cash under 1,000 EUR' }] } } })).toEqual([]);
  });
});

describe('the policy language', () => {
  it('rejects an exemption without a written reason', () => {
    for (const exempt of [{ rule: 'r1' }, { rule: 'r1', reason: '   ' }]) {
      const r = systemPolicySchema.safeParse({ system: 'wallet', roles: {}, custodyPolicyFindings: { 'tap-sole-approver': { exempt: [exempt] } } });
      expect(r.success).toBe(false);
      expect(JSON.stringify(r.error!.issues)).toContain('an exemption needs a written reason');
    }
  });

  it('rejects an unknown finding type and an unknown severity', () => {
    expect(systemPolicySchema.safeParse({ system: 'wallet', roles: {}, custodyPolicyFindings: { 'sod-conflict': { severity: 'high' } } }).success).toBe(false);
    expect(systemPolicySchema.safeParse({ system: 'wallet', roles: {}, custodyPolicyFindings: { 'tap-sole-approver': { severity: 'urgent' } } }).success).toBe(false);
  });
});

describe('from a TAP read by the Fireblocks connector', () => {
  it('finds the self-approvers and sole approvers of the fixture policy', () => {
    const accounts = new Map<string, TapAccount>(['olga', 'sam', 'cleo', 'tom'].map((p) => [`c-${p}`, { accountId: `c-${p}`, identityRef: `${p}@example.com`, accountDisplayName: p, accountType: 'human', accountStatus: 'active', lastActivityAt: null }]));
    accounts.set('a-payouts', { accountId: 'a-payouts', identityRef: null, accountDisplayName: 'payouts-bot', accountType: 'service', accountStatus: 'active', lastActivityAt: null });
    const { grants } = mapTapGrants(parseTapRules(TAP_RULES).rules, userGroupsOf(TAP_USER_GROUPS)!.groups, accounts);
    const owners: Record<string, string | null> = { 'c-olga': 'olga', 'c-sam': 'sam', 'c-cleo': 'cleo', 'c-tom': 'tom', 'a-payouts': null };
    const asGrants = grants.map((r) => grant('wallet', r.accountId, r.role, owners[r.accountId]!, { scope: r.scope, detail: r.detail ?? null }));
    const findings = evaluate(asGrants);
    expect(findings.map((f) => [f.type, f.accountId, f.ruleId]).sort()).toEqual(
      [
        ['tap-self-approval', 'c-olga', 'tap:wallet:r-large:self-approval'],
        ['tap-self-approval', 'c-sam', 'tap:wallet:r-large:self-approval'],
        ['tap-sole-approver', 'c-olga', 'tap:wallet:r-desk:sole-approver'],
        ['tap-sole-approver', 'c-sam', 'tap:wallet:r-desk:sole-approver'],
      ].sort(),
    );
  });
});
