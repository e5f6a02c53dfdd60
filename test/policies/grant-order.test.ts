/**
 * The evaluation does not depend on the order grants arrive in: `check` reads them as the
 * store finds cheapest (SQLite: as stored, SnapshotStore.grantsOf), not by id. The grants
 * below reach every rule that keeps grants across the stream (separation of duties, maxHolders,
 * TAP self-approval with several initiators, a system without a policy file naming sample
 * accounts); the findings and warnings must be the same, value for value and in the same
 * order, whatever the order and batching.
 */
import { describe, expect, it } from 'vitest';
import type { Grant, GrantDetail } from '../../src/domain/index.js';
import { PolicyEvaluator } from '../../src/policies/policy-evaluator.js';
import { sampleAccount } from '../../src/policies/rules/unknown-role.js';
import { context, daysAgo, grant, person, policy, POLICIES } from './policy-fixtures.js';

const RULE = { id: 'r1', name: 'Large withdrawals', type: 'TRANSFER', action: '2-TIER' };
const TAP_ROLES = { 'tap:initiator': { allowedFor: [{ anyone: true }] }, 'tap:approver': { privileged: true, allowedFor: [{ anyone: true }] } };

const PEOPLE = ['olga', 'sam', 'tess', 'tara', 'bo', 'cleo', 'tom'].map((id) => person(id, id === 'tess' ? { department: 'Treasury' } : {}));

const initiate = (account: string, owner: string, via: string) =>
  grant('wallet', account, 'tap:initiator', owner, { scope: 'TAP rule r1', detail: { summary: 'can initiate', tapRule: RULE, duty: 'initiate', via: [via], canInitiatorApprove: true } as GrantDetail });
const approve = (account: string, owner: string) =>
  grant('wallet', account, 'tap:approver', owner, {
    scope: 'TAP rule r1',
    detail: { summary: 'can approve', tapRule: RULE, duty: 'approve', via: ['group Treasury'], canInitiatorApprove: true, approvals: { operator: 'AND', groups: [{ threshold: 1, members: 3, via: ['group Treasury'] }] } } as GrantDetail,
  });

const GRANTS: Grant[] = [
  // One person initiating through three accounts and approving through two.
  initiate('c-olga', 'olga', 'user'),
  initiate('c-olga-2', 'olga', 'group Ops'),
  initiate('c-olga-3', 'olga', 'group Desk'),
  approve('c-olga', 'olga'),
  approve('c-olga-4', 'olga'),
  // maxHolders 2 on wallet SIGNER, held by four; SoD across systems and on an unowned account.
  ...['tess', 'sam', 'bo', 'cleo'].map((p) => grant('wallet', `w-${p}`, 'SIGNER', p)),
  grant('wallet', 'w-bo', 'APPROVER', 'bo'),
  grant('trading', 't-bo', 'TRADER', 'bo'),
  grant('wallet', 'shared', 'SIGNER', null),
  grant('wallet', 'shared', 'APPROVER', null),
  grant('trading', 't-tara', 'TRADER', 'tara', { lastActivityAt: daysAgo(200) }),
  // A system without a policy file: more accounts than the evidence samples, several roles.
  ...['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8'].flatMap((a, i) => [grant('hr', a, 'Admin', null, { scope: `s${i}` }), grant('hr', a, 'Admin', null, { scope: `t${i}` }), grant('hr', a, 'Reader', null)]),
];

function evaluateInBatches(grants: readonly Grant[], cuts: readonly number[]) {
  const evaluator = new PolicyEvaluator(
    context({
      identities: PEOPLE,
      policies: POLICIES.map((p) => (p.system === 'wallet' ? policy('wallet', { roles: { ...p.roles, ...TAP_ROLES } }) : p)),
    }),
  );
  let start = 0;
  for (const cut of [...cuts, grants.length]) {
    evaluator.add(grants.slice(start, cut));
    start = cut;
  }
  return evaluator.finish();
}

/** A seeded shuffle (mulberry32), so a failure names the order it failed in. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let s = seed;
  const random = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const byId = (a: Grant, b: Grant) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

describe('the order grants arrive in', () => {
  const inIdOrder = evaluateInBatches([...GRANTS].sort(byId), []);

  it('reaches the rules that keep grants across the stream (the comparison below means something)', () => {
    const types = new Set(inIdOrder.findings.map((f) => f.type));
    for (const t of ['tap-self-approval', 'max-holders-exceeded', 'sod-conflict', 'unknown-role', 'dormant'] as const) expect(types, t).toContain(t);
    const self = inIdOrder.findings.filter((f) => f.type === 'tap-self-approval');
    expect(self.map((f) => (f.evidence.initiators as unknown[]).length)).toEqual([3, 3]);
    const noPolicy = inIdOrder.findings.filter((f) => f.ruleId === 'policy:hr:no-policy');
    expect(noPolicy.map((f) => (f.evidence.sampleAccounts as string[]).length)).toEqual([5, 5]);
  });

  it('changes no finding, reason, evidence or order, and no warning', () => {
    const orders: [string, Grant[], number[]][] = [
      ['reversed', [...GRANTS].sort(byId).reverse(), []],
      ['as listed', GRANTS, [7, 8]],
      ...[1, 2, 3, 4, 5].map((seed): [string, Grant[], number[]] => [`shuffle ${seed}`, shuffled(GRANTS, seed), [seed, seed * 5]]),
    ];
    for (const [name, grants, cuts] of orders) {
      const result = evaluateInBatches(grants, cuts);
      expect(JSON.stringify(result.findings), name).toBe(JSON.stringify(inIdOrder.findings));
      expect(result.warnings, name).toEqual(inIdOrder.warnings);
    }
  });
});

describe('sampleAccount (unknown-role evidence)', () => {
  it('keeps the first five distinct accounts of the grants in id order, from any order', () => {
    const seen: [string, string][] = [
      ['g_09', 'f'],
      ['g_03', 'c'],
      ['g_07', 'a'],
      ['g_01', 'a'],
      ['g_05', 'd'],
      ['g_02', 'b'],
      ['g_06', 'e'],
      ['g_04', 'c'],
      ['g_08', 'g'],
    ];
    const inIdOrder = [...seen].sort(([a], [b]) => (a < b ? -1 : 1));
    const firstFive = [...new Set(inIdOrder.map(([, account]) => account))].slice(0, 5);
    expect(firstFive).toEqual(['a', 'b', 'c', 'd', 'e']);
    for (const order of [seen, inIdOrder, [...inIdOrder].reverse()]) {
      const sample: { accountId: string; grantId: string }[] = [];
      for (const [grantId, accountId] of order) sampleAccount(sample, accountId, grantId);
      expect(sample.map((s) => s.accountId)).toEqual(firstFive);
    }
  });
});
