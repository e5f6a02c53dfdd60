import { describe, expect, it } from 'vitest';
import { parseTapRule, parseTapRules, tapRulesOf } from '../../../src/connectors/fireblocks/fireblocks-tap.js';
import { mapTapGrants, tapScope, userGroupsOf } from '../../../src/connectors/fireblocks/fireblocks-tap-grants.js';
import type { TapAccount } from '../../../src/connectors/fireblocks/fireblocks-tap-grants.js';
import { TAP_RULES, TAP_USER_GROUPS } from './tap-fixture.js';

const account = (accountId: string, over: Partial<TapAccount> = {}): TapAccount => ({ accountId, identityRef: `${accountId}@custodian.li`, accountDisplayName: accountId, accountType: 'human', accountStatus: 'active', lastActivityAt: null, ...over });
const ACCOUNTS = new Map(['c-olga', 'c-sam', 'c-cleo', 'c-tom', 'a-payouts'].map((id) => [id, account(id)]));
const GROUPS = userGroupsOf(TAP_USER_GROUPS)!.groups;

describe('parseTapRule (PolicyRule of Policy Editor V2)', () => {
  it('reads initiators, approval groups with thresholds, canInitiatorApprove, signers and coverage', () => {
    expect(parseTapRule(TAP_RULES[0], 0)).toEqual({
      rule: {
        id: 'r-large',
        name: 'Large withdrawals',
        type: 'TRANSFER',
        action: '2-TIER',
        initiators: { users: ['a-payouts'], groups: ['g-treasury'], anyone: false },
        approvers: {
          canInitiatorApprove: true,
          operator: 'AND',
          groups: [
            { threshold: 2, users: [], groups: ['g-treasury'], anyone: false },
            { threshold: 1, users: ['c-cleo'], groups: [], anyone: false },
          ],
        },
        designatedSigners: { type: 'SINGLE', users: ['c-sam'], groups: [], anyone: false },
        assets: ['BTC', 'ETH'],
        source: { terms: ['VAULT 0'] },
        destination: { terms: ['any EXTERNAL'], addressType: 'WHITELISTED' },
        amount: { min: '1000000', max: null, currency: 'EUR', periodSeconds: null },
      },
    });
  });

  it('reads `*` as any user', () => {
    const parsed = parseTapRule(TAP_RULES[2], 2);
    expect('rule' in parsed && parsed.rule.initiators).toEqual({ users: [], groups: [], anyone: true });
  });

  it('reads an amount over time with its period', () => {
    const parsed = parseTapRule({ ...TAP_RULES[1], amount: undefined, amountOverTime: { range: { min: '10000' }, currency: 'USD', timePeriod: { seconds: '86400', initiator: 'PER_SINGLE_MATCH', source: 'ACROSS_ALL_MATCHES', destination: 'ACROSS_ALL_MATCHES' } } }, 1);
    expect('rule' in parsed && parsed.rule.amount).toEqual({ min: '10000', max: null, currency: 'USD', periodSeconds: '86400' });
  });

  it.each([
    [{ ...TAP_RULES[0], id: undefined }, 'TAP rule #3: missing id; not read'],
    [{ ...TAP_RULES[0], verdict: {} }, 'TAP rule #3 (id r-large): missing verdict.action; not read'],
    [{ ...TAP_RULES[0], initiator: { operator: 'EXCLUDES', users: ['c-tom'] } }, 'TAP rule #3 (id r-large): initiator.operator "EXCLUDES" not understood (only INCLUDES is read); not read'],
    [{ ...TAP_RULES[0], initiator: { users: 'c-tom' } }, 'TAP rule #3 (id r-large): initiator.users is not a list of ids; not read'],
    [{ ...TAP_RULES[0], verdict: { action: '2-TIER', approvers: { canInitiatorApprove: false, approvalGroups: [{ users: ['c-sam'] }] } } }, 'TAP rule #3 (id r-large): approvalGroups[0].threshold is not a whole number; not read'],
    [{ ...TAP_RULES[0], verdict: { action: '2-TIER', approvers: { canInitiatorApprove: false, operator: 'XOR', approvalGroups: [] } } }, 'TAP rule #3 (id r-large): verdict.approvers.operator "XOR" not understood; not read'],
  ])('a rule it cannot read safely is a problem, not a guess (%#)', (raw, problem) => {
    expect(parseTapRules([raw])).toEqual({ rules: [], problems: [problem.replace('#3', '#0')] });
  });

  it('finds the rules in a PolicyAndValidationResponse only', () => {
    expect(tapRulesOf({ policy: { rules: [1] }, validation: {} })).toEqual([1]);
    expect(tapRulesOf({ rules: [] })).toBeNull();
  });
});

describe('mapTapGrants', () => {
  const { rules } = parseTapRules(TAP_RULES);
  const { grants, problems } = mapTapGrants(rules, GROUPS, ACCOUNTS);
  const byKey = new Map(grants.map((g) => [`${g.scope}|${g.role}|${g.accountId}`, g]));

  it('gives each user account its initiator, approver and signer grants per rule, scope = the rule id only; BLOCK rules give none', () => {
    expect(problems).toEqual([]);
    expect(grants.map((g) => [g.scope, g.role, g.accountId, g.detail!.via])).toEqual([
      [tapScope('r-large'), 'tap:initiator', 'a-payouts', ['user']],
      [tapScope('r-large'), 'tap:initiator', 'c-olga', ['group Treasury approvers']],
      [tapScope('r-large'), 'tap:initiator', 'c-sam', ['group Treasury approvers']],
      [tapScope('r-large'), 'tap:approver', 'c-olga', ['group Treasury approvers']],
      [tapScope('r-large'), 'tap:approver', 'c-sam', ['group Treasury approvers']],
      [tapScope('r-large'), 'tap:approver', 'c-cleo', ['user']],
      [tapScope('r-large'), 'tap:signer', 'c-sam', ['user']],
      [tapScope('r-desk'), 'tap:initiator', 'c-tom', ['group Trading desk']],
      [tapScope('r-desk'), 'tap:approver', 'c-sam', ['user', 'group Treasury approvers']],
      [tapScope('r-desk'), 'tap:approver', 'c-olga', ['group Treasury approvers']],
      [tapScope('r-desk'), 'tap:signer', 'c-tom', ['initiator signs']],
    ]);
    expect(tapScope('r-large')).toBe('TAP rule r-large');
  });

  it('puts what a reviewer reads and what a finding needs into the detail', () => {
    expect(byKey.get('TAP rule r-large|tap:approver|c-olga')!.detail).toEqual({
      summary:
        'can approve TRANSFER of BTC, ETH over 1000000 EUR from VAULT 0 to any EXTERNAL (whitelisted addresses only) under TAP rule "Large withdrawals" (r-large); needs 2 of 2 in approval group 1 AND 1 of 1 in approval group 2; the initiator may approve',
      tapRule: { id: 'r-large', name: 'Large withdrawals', type: 'TRANSFER', action: '2-TIER' },
      duty: 'approve',
      via: ['group Treasury approvers'],
      canInitiatorApprove: true,
      approvals: {
        operator: 'AND',
        groups: [
          { threshold: 2, members: 2, via: ['group Treasury approvers'] },
          { threshold: 1, members: 1, via: [] },
        ],
      },
    });
    expect(byKey.get('TAP rule r-desk|tap:initiator|c-tom')!.detail!.summary).toBe(
      'can initiate TRANSFER of any asset up to 50000 USD from VAULT 4 to EXCHANGE ex-1 under TAP rule "Desk top-ups" (r-desk); needs 1 of 2 in approval group 1; the initiator may not approve',
    );
    expect(byKey.get('TAP rule r-desk|tap:initiator|c-tom')!.detail).toMatchObject({ duty: 'initiate', via: ['group Trading desk'], canInitiatorApprove: false });
    expect(byKey.get('TAP rule r-desk|tap:signer|c-tom')!.detail).toMatchObject({ duty: 'sign', via: ['initiator signs'] });
    expect(byKey.get('TAP rule r-large|tap:signer|c-sam')!.detail!.summary).toBe('signs TRANSFER of BTC, ETH over 1000000 EUR from VAULT 0 to any EXTERNAL (whitelisted addresses only) under TAP rule "Large withdrawals" (r-large)');
  });

  it('keeps the account facts of the user lists on every TAP grant', () => {
    const accounts = new Map(ACCOUNTS);
    accounts.set('c-sam', account('c-sam', { accountStatus: 'disabled', lastActivityAt: '2026-11-02T10:00:00.000Z', identityRef: 'sam@custodian.li' }));
    const sam = mapTapGrants(rules, GROUPS, accounts).grants.find((g) => g.accountId === 'c-sam')!;
    expect(sam).toMatchObject({ accountStatus: 'disabled', lastActivityAt: '2026-11-02T10:00:00.000Z', identityRef: 'sam@custodian.li', accountType: 'human' });
  });

  it('an ALLOW rule without approvers lets its initiators move funds without approval', () => {
    const allow = parseTapRules([{ ...TAP_RULES[1], id: 'r-allow', name: 'Petty cash', verdict: { action: 'ALLOW' } }]).rules;
    const [only] = mapTapGrants(allow, GROUPS, ACCOUNTS).grants;
    expect(only!.role).toBe('tap:initiator');
    expect(only!.detail!.summary).toMatch(/, without approval$/);
  });

  it('a user or group the lists do not hold is a problem, never a silently missing grant', () => {
    const odd = parseTapRules([{ ...TAP_RULES[1], initiator: { users: ['c-gone'], groups: ['g-gone', 'g-desk'] } }]).rules;
    const groups = [...GROUPS.filter((g) => g.id !== 'g-desk'), { id: 'g-desk', name: 'Trading desk', memberIds: ['c-tom', 'c-ghost'] }];
    expect(mapTapGrants(odd, groups, ACCOUNTS).problems).toEqual([
      'TAP rule r-desk ("Desk top-ups"): initiator: user c-gone is not in the workspace\'s user lists; its grants are missing',
      'TAP rule r-desk ("Desk top-ups"): initiator: user group g-gone is not in GET /v1/management/user_groups; its grants are missing',
      'TAP rule r-desk ("Desk top-ups"): initiator: member c-ghost of user group "Trading desk" is not in the workspace\'s user lists; its grants are missing',
    ]);
  });

  it('`*` reaches every account of the workspace', () => {
    const anyone = parseTapRules([{ ...TAP_RULES[1], initiator: { users: ['*'] } }]).rules;
    const initiators = mapTapGrants(anyone, GROUPS, ACCOUNTS).grants.filter((g) => g.role === 'tap:initiator');
    expect(initiators.map((g) => [g.accountId, g.detail!.via])).toEqual([...ACCOUNTS.keys()].map((id) => [id, ['any user']]));
  });

  it('reads a user group list: a bare array of { id, name, status, memberIds }', () => {
    expect(userGroupsOf([{ id: 'g1', name: 'G', memberIds: ['u1'] }, { name: 'no id' }])).toEqual({ groups: [{ id: 'g1', name: 'G', memberIds: ['u1'] }], problems: ['user group #1: missing id; not read'] });
    expect(userGroupsOf({ groups: [] })).toBeNull();
  });
});
