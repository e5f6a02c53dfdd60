/**
 * The registry of finding rules (src/policies/rules/) is the one place a finding type is
 * described: these tests check that every rule is complete, that each type is registered once,
 * and that every table derived from the registry (Slack
 * badges, the simulated reviewer, the compliance mapping, severities) covers exactly it.
 */
import { describe, expect, it } from 'vitest';
import { COMPLIANCE_MAPPING, findingTypesCiting } from '../../src/audit/compliance-mapping.js';
import { sodSchema } from '../../src/config/policy-config.js';
import type { Finding, FindingType, Grant, Severity } from '../../src/domain/index.js';
import { DECISION_OUTCOMES, grantId, SEVERITIES } from '../../src/domain/index.js';
import { evaluatePolicies } from '../../src/policies/evaluate-policies.js';
import type { EvaluationContext } from '../../src/policies/evaluation-context.js';
import { FINDING_RULES, FINDING_TYPES } from '../../src/policies/rules/index.js';
import { simulatedDecision } from '../../src/reviews/simulated-reviewer.js';
import { findingBadges } from '../../src/slack/blocks/review-item-blocks.js';
import { context, daysAgo, grant, person, policy } from './policy-fixtures.js';

function findingOfType(type: FindingType, severity: Severity): Finding {
  return { key: `${type}|r|g`, type, severity, systemId: 'desk', grantId: 'g', accountId: 'a', identityId: null, role: 'USER', scope: null, ruleId: 'r', reason: `${type} found`, evidence: {} };
}

/** Finding types named in a text, in the order they appear. */
function typesNamedIn(text: string): string[] {
  return FINDING_TYPES.map((t) => ({ t, at: text.search(new RegExp(`(?<![\\w-])${t}(?![\\w-])`)) }))
    .filter((x) => x.at >= 0)
    .sort((a, b) => a.at - b.at)
    .map((x) => x.t);
}

/**
 * A standard system `desk` (non-privileged roles) and a system `attic` without a policy
 * file, with one planted problem per finding type. A new rule plants its own case here.
 */
const SOD_SEVERITY: Severity = 'medium';
function plantedEstate(): Parameters<typeof evaluatePolicies>[0] {
  const ctx: EvaluationContext = context({
    systems: [
      { id: 'desk', criticality: 'standard', kind: 'other' },
      { id: 'attic', criticality: 'standard', kind: 'other' },
    ],
    policies: [policy('desk', { roles: { USER: { maxHolders: 2, allowedFor: [{ department: 'Desk' }] }, AUDIT: { allowedFor: [{ department: 'Desk' }] }, APPROVE: { allowedFor: [{ department: 'Desk' }] }, INITIATE: { allowedFor: [{ department: 'Desk' }] } } })],
    sodRules: sodSchema.parse({ rules: [{ id: 'SOD-DESK', description: 'Users do not audit themselves.', severity: SOD_SEVERITY, roles: ['desk:USER', 'desk:AUDIT'] }] }).rules,
    identities: [
      person('dana', { department: 'Desk' }),
      person('dirk', { department: 'Desk' }),
      person('olga', { department: 'Outside' }),
      person('lena', { department: 'Desk', status: 'terminated' }),
      person('cora', { department: 'Desk', employmentType: 'contractor', contractEnd: '2026-01-31' }),
      person('rita', { department: 'Desk' }),
      person('vera', { department: 'Desk' }),
    ],
    // vera's AUDIT was approved allowing one desk; it now allows every desk.
    certifications: new Map([
      ['desk', { campaignId: 'desk-review:2026-H1', openedAt: daysAgo(20), certifiedAt: daysAgo(10), approvedGrantIds: [grantId('desk', 'vera', 'AUDIT', '')], approvedDetails: { [grantId('desk', 'vera', 'AUDIT', '')]: '{"summary":"can audit desk A"}' } }],
    ]),
    // attic was never reviewed completely since it was first synced 400 days ago: review-overdue.
    reviewCoverage: new Map([
      ['attic', { system: 'attic', criticality: 'standard', cadenceMonths: 12, lastReviewedAt: null, campaign: null, nextDueAt: daysAgo(35), overdue: true, incompleteCampaign: null }],
      ['desk', { system: 'desk', criticality: 'standard', cadenceMonths: 12, lastReviewedAt: daysAgo(10), campaign: 'desk-review:2026-H1', nextDueAt: daysAgo(-355), overdue: false, incompleteCampaign: null }],
    ]),
    // rita's AUDIT was revoked in that review, verified removed, and is back.
    returnedGrants: new Map([
      [grantId('desk', 'rita', 'AUDIT', ''), { remediationId: 'rem:r', itemId: 'r', campaignId: 'desk-review:2026-H1', verifiedAt: daysAgo(8), verifiedSnapshotId: 'snap-8', reappearedAt: daysAgo(1), reappearedSnapshotId: 'snap-9' }],
    ]),
  });
  const grants = [
    grant('desk', 'dana', 'USER', 'dana', { lastActivityAt: daysAgo(400) }), // dormant
    grant('desk', 'dana', 'AUDIT', 'dana'), // sod-conflict (with USER)
    grant('desk', 'dirk', 'USER', 'dirk', { firstSeenAt: daysAgo(2) }), // new-since-last-review; USER's 3rd holder below
    grant('desk', 'olga', 'AUDIT', 'olga'), // not-allowed
    grant('desk', 'lena', 'AUDIT', 'lena'), // leaver-access
    grant('desk', 'cora', 'AUDIT', 'cora'), // contract-ended
    grant('desk', 'rita', 'AUDIT', 'rita'), // revoked-access-returned (and nothing else)
    grant('desk', 'vera', 'AUDIT', 'vera', { detail: { summary: 'can audit every desk' } }), // changed-since-last-review
    grant('desk', 'ghost', 'USER', null), // orphaned-account; max-holders-exceeded (3 holders of USER > 2)
    grant('desk', 'dirk', 'STRAY', 'dirk'), // unknown-role (unknownRoles: flag)
    grant('attic', 'dirk', 'ANY', 'dirk'), // unknown-role (no policy file)
    // tap-self-approval and tap-sole-approver: a custody-policy rule's approver grant (detail as a TAP connector writes it)
    grant('desk', 'dirk', 'APPROVE', 'dirk', {
      scope: 'TAP rule r1',
      detail: { tapRule: { id: 'r1', name: 'Payouts' }, duty: 'approve', via: ['user'], canInitiatorApprove: true, approvals: { operator: 'OR', groups: [{ threshold: 1, members: 3, via: ['user'] }] } },
    }),
    grant('desk', 'dirk', 'INITIATE', 'dirk', { scope: 'TAP rule r1', detail: { tapRule: { id: 'r1', name: 'Payouts' }, duty: 'initiate', via: ['group desk'], canInitiatorApprove: true } }),
  ];
  return { ...ctx, grants: [grants] };
}

describe('the finding-rule registry', () => {
  it('registers each finding type once, with a kebab-case name; FINDING_TYPES is its order', () => {
    const types = FINDING_RULES.map((r) => r.type);
    expect(new Set(types).size).toBe(types.length);
    for (const t of types) expect(t).toMatch(/^[a-z]+(-[a-z]+)*$/);
    expect([...FINDING_TYPES]).toEqual(types);
  });

  it('gives every rule all its parts', () => {
    for (const rule of FINDING_RULES) {
      const where = `rule ${rule.type}`;
      expect([...SEVERITIES, 'as-configured'], where).toContain(rule.severity);
      expect(rule.badge, where).toMatch(/^:[a-z0-9_+-]+: \S/);
      expect(DECISION_OUTCOMES, where).toContain(rule.recommendation.decision);
      expect(rule.recommendation.why.length, where).toBeGreaterThan(10);
      expect(Array.isArray(rule.compliance), where).toBe(true);
      expect(typeof rule.evaluate, where).toBe('function');
    }
    expect(new Set(FINDING_RULES.map((r) => r.badge)).size).toBe(FINDING_RULES.length);
  });

  it('raises each type in the planted estate at the severity its rule states (standard system, non-privileged role)', () => {
    const { findings } = evaluatePolicies(plantedEstate());
    for (const rule of FINDING_RULES) {
      const own = findings.filter((f) => f.type === rule.type);
      expect(own.length, `no ${rule.type} finding planted`).toBeGreaterThan(0);
      const expected = rule.severity === 'as-configured' ? SOD_SEVERITY : rule.severity;
      expect(new Set(own.map((f) => f.severity)), rule.type).toEqual(new Set([expected]));
    }
  });

  it('reports nothing, and warns of nothing, about systems whose findings are not asked for', () => {
    const result = evaluatePolicies({ ...plantedEstate(), reportSystems: new Set<string>() });
    expect(result.findings).toEqual([]);
    expect(result.warnings).toEqual([]);
  });
});

describe('tables derived from the registry', () => {
  it('Slack shows each type with its rule\'s badge', () => {
    for (const rule of FINDING_RULES) expect(findingBadges([findingOfType(rule.type, 'low')])).toEqual([rule.badge]);
  });

  it('the simulated reviewer follows each rule\'s recommendation for a low-severity finding', () => {
    for (const rule of FINDING_RULES) {
      expect(simulatedDecision({ findings: [findingOfType(rule.type, 'low')] }).outcome, rule.type).toBe(rule.recommendation.decision);
    }
  });

  it('the compliance mapping has a row for every reference a rule cites', () => {
    const rows = new Set(COMPLIANCE_MAPPING.map((m) => `${m.framework} | ${m.reference}`));
    for (const rule of FINDING_RULES) {
      for (const ref of rule.compliance) expect(rows, rule.type).toContain(`${ref.framework} | ${ref.reference}`);
    }
  });

  it('each compliance row names exactly the finding types whose rules cite it, in registry order', () => {
    let named = 0;
    for (const row of COMPLIANCE_MAPPING) {
      const citing = findingTypesCiting(row);
      expect(typesNamedIn(row.evidence), row.reference).toEqual(citing);
      named += citing.length;
    }
    expect(named).toBe(FINDING_RULES.reduce((n, r) => n + r.compliance.length, 0));
  });
});

describe('revoked-access-returned', () => {
  it('is raised, high, only on a live grant the context names as returned, with the remediation and both snapshots as evidence', () => {
    const { findings } = evaluatePolicies(plantedEstate());
    const returned = findings.filter((f) => f.type === 'revoked-access-returned');
    expect(returned.map((f) => [f.accountId, f.role, f.severity, f.ruleId])).toEqual([['rita', 'AUDIT', 'high', 'global:revoked-access-returned']]);
    expect(returned[0]!.evidence).toMatchObject({ remediationId: 'rem:r', verifiedSnapshotId: 'snap-8', reappearedSnapshotId: 'snap-9' });
    expect(returned[0]!.reason).toMatch(/revoked \(r\) and verified removed by snapshot snap-8 .*but is back in snapshot snap-9/);
    // rita's grant breaks no other rule: the finding is the return alone.
    expect(findings.filter((f) => f.accountId === 'rita').map((f) => f.type)).toEqual(['revoked-access-returned']);
    // Without the remediation history the same grant is fine.
    const without = evaluatePolicies({ ...plantedEstate(), returnedGrants: undefined }).findings;
    expect(without.some((f) => f.type === 'revoked-access-returned')).toBe(false);
  });

  it('is not raised on a returned grant whose account is disabled (only live access is judged)', () => {
    const estate = plantedEstate();
    const grants = [...estate.grants].flat().map((g) => (g.accountId === 'rita' ? { ...g, accountStatus: 'disabled' as const } : g));
    expect(evaluatePolicies({ ...estate, grants: [grants] }).findings.some((f) => f.type === 'revoked-access-returned')).toBe(false);
  });
});

describe('changed-since-last-review', () => {
  const vera = (detail: Grant['detail']) => {
    const estate = plantedEstate();
    const grants = [...estate.grants].flat().map((g) => (g.accountId === 'vera' ? { ...g, detail } : g));
    return evaluatePolicies({ ...estate, grants: [grants] }).findings.filter((f) => f.type === 'changed-since-last-review');
  };

  it('is raised on an approved grant whose detail is not the one certified, quoting both summaries', () => {
    const [changed] = vera({ summary: 'can audit every desk' });
    expect(changed).toMatchObject({ accountId: 'vera', role: 'AUDIT', severity: 'medium', ruleId: 'global:changed-since-last-review' });
    expect(changed!.reason).toBe('AUDIT on desk for vera@example.com was approved in desk-review:2026-H1 allowing "can audit desk A"; it now allows "can audit every desk"');
    expect(changed!.evidence).toMatchObject({ detailThen: '{"summary":"can audit desk A"}', detailNow: '{"summary":"can audit every desk"}' });
  });

  it('is not raised when the detail is the certified one (whatever its key order), and is when it is gone', () => {
    expect(vera({ summary: 'can audit desk A' })).toEqual([]);
    expect(vera(undefined).map((f) => f.reason)).toEqual([expect.stringMatching(/allowing "can audit desk A"; it now allows nothing noted$/)]);
  });
});
