import { describe, expect, it } from 'vitest';
import type { Finding, FindingType, Grant, Identity } from '../../src/domain/index.js';
import { findingKey } from '../../src/domain/index.js';
import type { EvaluationContext } from '../../src/policies/evaluation-context.js';
import { evaluatePolicies } from '../../src/policies/evaluate-policies.js';
import { PolicyEvaluator } from '../../src/policies/policy-evaluator.js';
import { context, daysAgo, grant, NOW, person, policy, POLICIES } from './policy-fixtures.js';

const treasurer = person('tess', { department: 'Treasury', jobTitle: 'Treasury Manager' });
const ops = person('otto', { department: 'Operations', jobTitle: 'Operations Analyst' });
const trader = person('tara', { department: 'Trading', jobTitle: 'Trader' });

function evaluate(identities: Identity[], grants: Grant[], over: Partial<EvaluationContext> = {}) {
  return evaluatePolicies({ ...context({ identities, ...over }), grants: [grants] });
}

function findings(identities: Identity[], grants: Grant[], over: Partial<EvaluationContext> = {}): Finding[] {
  return evaluate(identities, grants, over).findings;
}

function ofType(list: Finding[], type: FindingType): Finding[] {
  return list.filter((f) => f.type === type);
}

describe('a clean estate', () => {
  it('raises nothing when every grant is allowed, live, used and owned', () => {
    const result = evaluate([treasurer, ops, trader], [grant('wallet', 'tess', 'SIGNER', 'tess'), grant('wallet', 'otto', 'VIEWER', 'otto'), grant('trading', 'tara', 'TRADER', 'tara')]);
    expect(result.findings).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.grants).toBe(3);
  });
});

describe('allowedFor matchers', () => {
  it('matches case-insensitively and exactly', () => {
    const lower = person('lee', { department: 'treasury ' });
    const partial = person('pat', { department: 'Treasury Ops' });
    const out = findings([lower, partial], [grant('wallet', 'lee', 'APPROVER', 'lee'), grant('wallet', 'pat', 'APPROVER', 'pat')]);
    expect(ofType(out, 'not-allowed').map((f) => f.accountId)).toEqual(['pat']);
  });

  it('accepts any value of a list, and any matcher of the list', () => {
    const compliance = person('cora', { department: 'Compliance' });
    const coo = person('cole', { department: 'Management', jobTitle: 'coo' });
    const out = findings([compliance, coo], [grant('wallet', 'cora', 'APPROVER', 'cora'), grant('wallet', 'cole', 'SIGNER', 'cole')]);
    expect(out).toEqual([]);
  });

  it('requires every key of one matcher to match', () => {
    const contractor = person('carl', { department: 'Trading', employmentType: 'contractor' });
    const out = findings([contractor], [grant('trading', 'carl', 'TRADER', 'carl')]);
    expect(ofType(out, 'not-allowed')).toHaveLength(1);
    expect(out[0]!.evidence).toMatchObject({ department: 'Trading', employmentType: 'contractor' });
  });

  it('matches groups (any of the identity\'s groups) and identities by email or id', () => {
    const risk = person('rita', { groups: ['Traders', 'Risk-Managers'] });
    const noGroup = person('nick', { groups: ['traders'] });
    const lead = person('ops-lead', { email: 'OPS-LEAD@example.com' });
    const byId = policy('lab', { roles: { USER: { allowedFor: [{ identity: ['u-42'] }] } } });
    const labUser = person('U-42', { email: null });
    const out = findings(
      [risk, noGroup, lead, labUser],
      [
        grant('trading', 'rita', 'LIMITS', 'rita'),
        grant('trading', 'nick', 'LIMITS', 'nick'),
        grant('wallet', 'api-1', 'API', 'ops-lead', { accountType: 'service' }),
        grant('lab', 'u42', 'USER', 'U-42'),
      ],
      { policies: [POLICIES[0]!, POLICIES[1]!, byId] },
    );
    expect(ofType(out, 'not-allowed').map((f) => f.accountId)).toEqual(['nick']);
  });
});

describe('not-allowed', () => {
  it('flags a known role held by an identity no matcher matches', () => {
    const [f] = findings([ops], [grant('wallet', 'otto', 'SIGNER', 'otto')]);
    expect(f).toMatchObject({ type: 'not-allowed', systemId: 'wallet', accountId: 'otto', identityId: 'otto', role: 'SIGNER', ruleId: 'policy:wallet:SIGNER' });
    expect(f!.key).toBe(findingKey('not-allowed', 'policy:wallet:SIGNER', f!.grantId!));
    expect(f!.reason).toMatch(/otto@example.com \(Operations, Operations Analyst\) holds SIGNER on wallet/);
  });

  it('near miss: the same role held by someone a matcher allows', () => {
    expect(findings([treasurer], [grant('wallet', 'tess', 'SIGNER', 'tess')])).toEqual([]);
  });

  it('flags a service role held by a human account, even for the allowed owner', () => {
    const lead = person('ops-lead');
    const out = findings([lead], [grant('wallet', 'ops-lead', 'API', 'ops-lead')]);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ type: 'not-allowed', evidence: { requiredAccountType: 'service', accountType: 'human' } });
  });

  it('judges a service account on its owner', () => {
    const lead = person('ops-lead');
    const out = findings([lead, ops], [grant('wallet', 'api-1', 'API', 'ops-lead', { accountType: 'service' }), grant('wallet', 'api-2', 'API', 'otto', { accountType: 'service' })]);
    expect(out.map((f) => [f.type, f.accountId])).toEqual([['not-allowed', 'api-2']]);
  });

  it('does not judge an unowned account (it is orphaned instead: one finding, not two)', () => {
    const out = findings([], [grant('wallet', 'ghost', 'SIGNER', null)]);
    expect(out.map((f) => f.type)).toEqual(['orphaned-account']);
  });
});

describe('unknown-role', () => {
  it('flags a role the policy does not list', () => {
    const out = findings([ops], [grant('wallet', 'otto', 'SUPERUSER', 'otto')]);
    expect(out).toEqual([expect.objectContaining({ type: 'unknown-role', role: 'SUPERUSER', ruleId: 'policy:wallet:unknown-role', severity: 'high' })]);
  });

  it('near miss: a listed role written in another case is known', () => {
    expect(findings([ops], [grant('wallet', 'otto', 'viewer', 'otto')])).toEqual([]);
  });

  it('near miss: unknownRoles: ignore', () => {
    expect(findings([ops], [grant('lab', 'otto', 'WHATEVER', 'otto')])).toEqual([]);
  });

  it('reports a system without a policy file once per distinct role, with a warning', () => {
    const result = evaluate([ops, treasurer], [grant('hr', 'otto', 'Admin', 'otto'), grant('hr', 'tess', 'Admin', 'tess'), grant('hr', 'tess', 'Reader', 'tess')]);
    const unknown = ofType(result.findings, 'unknown-role');
    expect(unknown.map((f) => [f.role, f.grantId, f.accountId, f.ruleId])).toEqual([
      ['Admin', null, null, 'policy:hr:no-policy'],
      ['Reader', null, null, 'policy:hr:no-policy'],
    ]);
    expect(unknown[0]!.evidence).toMatchObject({ grants: 2, sampleAccounts: ['otto', 'tess'] });
    expect(result.warnings).toEqual([expect.stringMatching(/system "hr" has no policy file/)]);
  });

  it('near miss: a system without a policy and without grants (an identity source) says nothing', () => {
    expect(evaluate([ops], [grant('wallet', 'otto', 'VIEWER', 'otto')]).warnings).toEqual([]);
  });
});

describe('sod-conflict', () => {
  it('flags every grant of an identity holding all roles of a rule across systems, with the rule\'s severity', () => {
    const both = person('bo', { department: 'Trading' });
    const approver = { ...both, department: 'Trading' };
    const out = findings([approver], [grant('trading', 'bo', 'TRADER', 'bo'), grant('wallet', 'bo.w', 'APPROVER', 'bo')]);
    const sod = ofType(out, 'sod-conflict');
    expect(sod.map((f) => [f.systemId, f.role, f.severity, f.ruleId])).toEqual([
      ['trading', 'TRADER', 'high', 'SOD-TRADE-WITHDRAW'],
      ['wallet', 'APPROVER', 'high', 'SOD-TRADE-WITHDRAW'],
    ]);
    expect(sod[0]!.reason).toMatch(/holds trading:TRADER and also wallet:APPROVER: A trader must not approve withdrawals/);
    expect(sod[0]!.evidence.conflictingGrants).toHaveLength(2);
  });

  it('near miss: one role of the rule plus an unrelated one', () => {
    const out = findings([trader], [grant('trading', 'tara', 'TRADER', 'tara'), grant('wallet', 'tara', 'VIEWER', 'tara')]);
    expect(out).toEqual([]);
  });

  it('near miss: the second role sits on a disabled account', () => {
    const out = findings([trader], [grant('trading', 'tara', 'TRADER', 'tara'), grant('wallet', 'tara', 'APPROVER', 'tara', { accountStatus: 'disabled' })]);
    expect(ofType(out, 'sod-conflict')).toEqual([]);
  });

  it('finds a conflict on one unowned account, and reports only the systems asked for', () => {
    const grants = [grant('wallet', 'shared', 'SIGNER', null), grant('wallet', 'shared', 'APPROVER', null), grant('trading', 'tara', 'TRADER', 'tara'), grant('wallet', 'tara', 'APPROVER', 'tara')];
    const all = ofType(findings([trader], grants), 'sod-conflict');
    expect(all.map((f) => `${f.ruleId} ${f.accountId} ${f.role}`).sort()).toEqual([
      'SOD-SIGN-APPROVE shared APPROVER',
      'SOD-SIGN-APPROVE shared SIGNER',
      'SOD-TRADE-WITHDRAW tara APPROVER',
      'SOD-TRADE-WITHDRAW tara TRADER',
    ]);
    const tradingOnly = findings([trader], grants, { reportSystems: new Set(['trading']) });
    expect(tradingOnly.map((f) => `${f.type} ${f.systemId} ${f.role}`)).toEqual(['sod-conflict trading TRADER']);
  });
});

describe('max-holders-exceeded', () => {
  const t2 = person('tom', { department: 'Treasury' });
  const t3 = person('tia', { department: 'Treasury' });

  it('flags every holder grant when distinct holders exceed maxHolders', () => {
    const out = findings([treasurer, t2, t3], [grant('wallet', 'tess', 'SIGNER', 'tess'), grant('wallet', 'tom', 'SIGNER', 'tom'), grant('wallet', 'tia', 'SIGNER', 'tia')]);
    const over = ofType(out, 'max-holders-exceeded');
    expect(over.map((f) => f.accountId)).toEqual(['tess', 'tia', 'tom']);
    expect(over[0]).toMatchObject({ ruleId: 'policy:wallet:SIGNER:maxHolders', severity: 'high', evidence: { maxHolders: 2, holders: 3 } });
  });

  it('near miss: one identity holding the role on two accounts and scopes counts once', () => {
    const out = findings([treasurer, t2], [grant('wallet', 'tess', 'SIGNER', 'tess'), grant('wallet', 'tess-2', 'SIGNER', 'tess', { scope: 'vault-7' }), grant('wallet', 'tom', 'SIGNER', 'tom')]);
    expect(out).toEqual([]);
  });

  it('near miss: a disabled holder does not count', () => {
    const out = findings([treasurer, t2, t3], [grant('wallet', 'tess', 'SIGNER', 'tess'), grant('wallet', 'tom', 'SIGNER', 'tom'), grant('wallet', 'tia', 'SIGNER', 'tia', { accountStatus: 'locked' })]);
    expect(out).toEqual([]);
  });
});

describe('dormant', () => {
  it('flags a last activity older than the global limit', () => {
    const [f] = findings([ops], [grant('wallet', 'otto', 'VIEWER', 'otto', { lastActivityAt: daysAgo(91) })]);
    expect(f).toMatchObject({ type: 'dormant', ruleId: 'global:dormant', severity: 'medium', evidence: { dormantAfterDays: 90, daysInactive: 91 } });
  });

  it('near miss: inside the limit', () => {
    expect(findings([ops], [grant('wallet', 'otto', 'VIEWER', 'otto', { lastActivityAt: daysAgo(89) })])).toEqual([]);
  });

  it('uses the system policy\'s limit when it sets one', () => {
    const out = findings([trader], [grant('trading', 'tara', 'TRADER', 'tara', { lastActivityAt: daysAgo(31) }), grant('trading', 'tara', 'VIEWER', 'tara', { lastActivityAt: daysAgo(29) })]);
    expect(out.map((f) => [f.type, f.role, f.ruleId])).toEqual([['dormant', 'TRADER', 'policy:trading:dormant']]);
  });

  it('flags a never-used grant first seen longer ago than the limit, and not a recent one', () => {
    const out = findings([ops], [grant('wallet', 'old', 'VIEWER', 'otto', { lastActivityAt: null, firstSeenAt: daysAgo(120) }), grant('wallet', 'new', 'VIEWER', 'otto', { lastActivityAt: null, firstSeenAt: daysAgo(10) })]);
    expect(out.map((f) => [f.type, f.accountId])).toEqual([['dormant', 'old']]);
    expect(out[0]!.reason).toMatch(/never been used/);
  });

  it('near miss: a disabled account is not usable access', () => {
    expect(findings([ops], [grant('wallet', 'otto', 'VIEWER', 'otto', { lastActivityAt: daysAgo(400), accountStatus: 'disabled' })])).toEqual([]);
  });

  it('compares timestamps with offsets correctly', () => {
    // 90 days and 1 hour ago in UTC, written at +02:00: dormant.
    const t = new Date(NOW.getTime() - 90 * 86_400_000 - 3_600_000 + 2 * 3_600_000).toISOString().replace('.000Z', '+02:00');
    expect(ofType(findings([ops], [grant('wallet', 'otto', 'VIEWER', 'otto', { lastActivityAt: t })]), 'dormant')).toHaveLength(1);
  });
});

describe('orphaned-account', () => {
  it('flags an account whose owner reference matches no identity', () => {
    const [f] = findings([ops], [grant('wallet', 'x', 'VIEWER', null, { identityRef: 'gone@example.com' })]);
    expect(f).toMatchObject({ type: 'orphaned-account', identityId: null, ruleId: 'global:orphaned-account', severity: 'high' });
    expect(f!.reason).toMatch(/owner reference "gone@example.com" matches no identity/);
  });

  it('near miss: an owner reference that resolves now (the identity source synced after the system)', () => {
    expect(findings([ops], [grant('wallet', 'otto', 'VIEWER', null, { identityRef: 'OTTO@example.com' })])).toEqual([]);
  });

  it('flags an account whose correlated owner is no longer in the identity source', () => {
    const [f] = findings([ops], [grant('wallet', 'x', 'VIEWER', 'removed', { identityRef: null })]);
    expect(f).toMatchObject({ type: 'orphaned-account', evidence: { staleIdentityId: 'removed' } });
  });

  it('flags an ownerless service account, saying it needs an owner', () => {
    const [f] = findings([], [grant('wallet', 'api-x', 'API', null, { accountType: 'service' })]);
    expect(f).toMatchObject({ type: 'orphaned-account', accountId: 'api-x' });
    expect(f!.reason).toMatch(/service account must have an owner/);
  });
});

describe('leaver-access', () => {
  const leaver = person('lena', { status: 'terminated', department: 'Treasury' });

  it('flags an active account of a terminated identity', () => {
    const [f] = findings([leaver], [grant('wallet', 'lena', 'SIGNER', 'lena')]);
    expect(f).toMatchObject({ type: 'leaver-access', severity: 'high', identityId: 'lena', ruleId: 'global:leaver-access' });
  });

  it('near miss: the account is already disabled', () => {
    expect(findings([leaver], [grant('wallet', 'lena', 'SIGNER', 'lena', { accountStatus: 'disabled' })])).toEqual([]);
  });

  it('waits leaverGraceDays from the contract end, and not longer', () => {
    const global = { dormantAfterDays: 90, leaverGraceDays: 3 };
    const recent = person('rex', { status: 'disabled', contractEnd: '2026-11-22', department: 'Treasury' });
    const past = person('pia', { status: 'disabled', contractEnd: '2026-11-18', department: 'Treasury' });
    const undated = person('uma', { status: 'disabled', department: 'Treasury' });
    const out = findings([recent, past, undated], ['rex', 'pia', 'uma'].map((p) => grant('wallet', p, 'VIEWER', p)), { global });
    expect(ofType(out, 'leaver-access').map((f) => f.accountId)).toEqual(['pia', 'uma']);
  });
});

describe('contract-ended', () => {
  it('flags a contractor still active after the contract end', () => {
    const c = person('cody', { employmentType: 'contractor', contractEnd: '2026-06-30' });
    const [f] = findings([c], [grant('wallet', 'cody', 'VIEWER', 'cody')]);
    expect(f).toMatchObject({ type: 'contract-ended', severity: 'high', evidence: { contractEnd: '2026-06-30' } });
  });

  it('near misses: the last day itself, an employee, and a terminated contractor (a leaver instead)', () => {
    const lastDay = person('lou', { employmentType: 'third-party', contractEnd: '2026-11-24' });
    const employee = person('emma', { employmentType: 'employee', contractEnd: '2026-06-30' });
    const gone = person('gus', { employmentType: 'contractor', contractEnd: '2026-06-30', status: 'terminated' });
    const out = findings([lastDay, employee, gone], ['lou', 'emma', 'gus'].map((p) => grant('wallet', p, 'VIEWER', p)));
    expect(out.map((f) => [f.type, f.accountId])).toEqual([['leaver-access', 'gus']]);
  });
});

describe('new-since-last-review', () => {
  const cert = (approved: string[]) => new Map([['trading', { campaignId: 'half-year:2026-H2', openedAt: daysAgo(20), certifiedAt: daysAgo(10), approvedGrantIds: approved }]]);

  it('flags a grant first seen after the last certification froze its scope', () => {
    const g = grant('trading', 'tara', 'VIEWER', 'tara', { firstSeenAt: daysAgo(5) });
    const [f] = findings([trader], [g], { certifications: cert([]) });
    expect(f).toMatchObject({ type: 'new-since-last-review', ruleId: 'global:new-since-last-review', severity: 'medium', evidence: { campaignId: 'half-year:2026-H2' } });
  });

  it('near misses: seen before the campaign opened, approved in it, or a system never certified', () => {
    const before = grant('trading', 'tara', 'VIEWER', 'tara', { firstSeenAt: daysAgo(25) });
    const approved = grant('trading', 'tara', 'TRADER', 'tara', { firstSeenAt: daysAgo(5) });
    expect(findings([trader], [before, approved], { certifications: cert([approved.id]) })).toEqual([]);
    expect(findings([trader], [grant('trading', 'tara', 'VIEWER', 'tara', { firstSeenAt: daysAgo(5) })])).toEqual([]);
  });
});

describe('severity', () => {
  it('raises the base one level for a privileged role and one for a critical system', () => {
    const old = { lastActivityAt: daysAgo(400) };
    const out = findings([treasurer], [grant('wallet', 'tess', 'VIEWER', 'tess', old), grant('wallet', 'tess', 'SIGNER', 'tess', old), grant('lab', 'tess', 'USER', 'tess', old)], {
      policies: [...POLICIES.slice(0, 2), policy('lab', { roles: { USER: { allowedFor: [{ anyone: true }] }, ROOT: { privileged: true, allowedFor: [{ anyone: true }] } } })],
    });
    const sev = Object.fromEntries(out.map((f) => [`${f.systemId}:${f.role}`, f.severity]));
    expect(sev).toEqual({ 'lab:USER': 'low', 'wallet:VIEWER': 'medium', 'wallet:SIGNER': 'high' });
    const priv = findings([treasurer], [grant('lab', 'tess', 'ROOT', 'tess', old)], { policies: [policy('lab', { roles: { ROOT: { privileged: true, allowedFor: [{ anyone: true }] } } })] });
    expect(priv[0]!.severity).toBe('medium');
  });

  it('orders findings high first', () => {
    const out = findings([treasurer, ops], [grant('lab', 'tess', 'USER', 'tess', { lastActivityAt: daysAgo(400) }), grant('wallet', 'otto', 'SIGNER', 'otto')]);
    expect(out.map((f) => f.severity)).toEqual(['high', 'low']);
  });
});

describe('streaming', () => {
  it('gives the same findings whatever the batching, and refuses use after finish', () => {
    const people = [treasurer, ops, trader, person('tom', { department: 'Treasury' }), person('tia', { department: 'Treasury' })];
    const grants = [
      grant('wallet', 'tess', 'SIGNER', 'tess'),
      grant('trading', 'tara', 'TRADER', 'tara'),
      grant('wallet', 'tara', 'APPROVER', 'tara'),
      grant('wallet', 'tom', 'SIGNER', 'tom'),
      grant('wallet', 'tia', 'SIGNER', 'tia', { lastActivityAt: daysAgo(200) }),
      grant('wallet', 'otto', 'NEW', 'otto'),
      grant('ghost-system', 'x', 'Y', null),
    ];
    const once = evaluatePolicies({ ...context({ identities: people }), grants: [grants] });
    const evaluator = new PolicyEvaluator(context({ identities: people }));
    for (const g of [...grants].reverse()) evaluator.add([g]);
    const single = evaluator.finish();
    expect(single.findings).toEqual(once.findings);
    expect(once.findings.length).toBeGreaterThan(5);
    expect(once.warnings).toEqual([expect.stringMatching(/"ghost-system" were skipped/)]);
    expect(() => evaluator.add([])).toThrow(/after finish/);
  });
});
