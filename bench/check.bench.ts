/**
 * `npm run bench -- check`: policy evaluation of a generated estate (default 1M grants over
 * 20k identities, 8 systems, 100 roles, 20 separation-of-duties rules) against the time to
 * JSON.parse the same grants serialised as JSON, measured in the same run (target: <= 3x).
 *
 * The estate is shaped like a real one, so the finding count is realistic (a few percent):
 * people hold mostly roles their department is allowed; a small share of grants are
 * out-of-policy, unknown, unowned, idle, held by leavers or expired contractors, or new
 * since the last certification; SoD rules pair roles of different departments; one
 * privileged role has more holders than its cap.
 *
 * Both sides see the grants in the store's batch size (5,000), as `check` reads them. Each
 * side runs twice and the faster run counts (the first pays for JIT warm-up).
 */
import { performance } from 'node:perf_hooks';
import { globalPolicySchema, sodSchema, systemPolicySchema } from '../src/config/policy-config.js';
import type { Criticality } from '../src/config/system-config.js';
import type { Grant, Identity } from '../src/domain/index.js';
import { grantId } from '../src/domain/index.js';
import type { Certification, EvaluationContext, EvaluationPolicy, EvaluationSystem } from '../src/policies/evaluation-context.js';
import { PolicyEvaluator } from '../src/policies/policy-evaluator.js';
import type { BenchResult } from './bench-result.js';
import { result } from './bench-result.js';
import { seededRandom } from '../test/fakes/seeded-random.js';

export interface CheckBenchOptions {
  grants?: number;
  identities?: number;
  systems?: number;
  roles?: number;
  sodRules?: number;
  target?: number;
}

const BATCH = 5000;
const DEPARTMENTS = 10;
const GROUPS = 20;
const SCOPES = 20;
const NOW = new Date('2026-11-24T12:00:00.000Z');
const DAY = 86_400_000;

/** Deterministic PRNG, so every run evaluates the same estate. */
const prng = seededRandom;

interface Estate {
  context: EvaluationContext;
  batches: Grant[][];
  grants: number;
}

export function generateEstate(opts: Required<Omit<CheckBenchOptions, 'target'>>): Estate {
  const rnd = prng(20261124);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const systems: EvaluationSystem[] = Array.from({ length: opts.systems }, (_, s) => ({
    id: `sys-${s}`,
    criticality: (['critical', 'critical', 'critical', 'critical', 'important', 'important', 'standard', 'standard'] as Criticality[])[s % 8]!,
    kind: (['wallet', 'trading', 'kms', 'other'] as const)[s % 4]!,
  }));
  const departments = Array.from({ length: DEPARTMENTS }, (_, d) => `Department ${d}`);

  // Roles: role r lives in system r % systems and is allowed for two departments (or a group, or anyone).
  const roleNames: string[] = [];
  const roleSystem: string[] = [];
  const rolesOfDept: number[][] = departments.map(() => []);
  const rolePolicies = new Map<string, Record<string, unknown>>();
  for (let r = 0; r < opts.roles; r++) {
    const system = systems[r % opts.systems]!.id;
    const name = `ROLE_${r}`;
    roleNames.push(name);
    roleSystem.push(system);
    const d1 = r % DEPARTMENTS;
    const d2 = (r * 7 + 3) % DEPARTMENTS;
    rolesOfDept[d1]!.push(r);
    if (d2 !== d1) rolesOfDept[d2]!.push(r);
    const allowedFor: Record<string, unknown>[] = [{ department: [departments[d1], departments[d2]] }];
    if (r % 5 === 0) allowedFor.push({ group: `group-${r % GROUPS}`, employmentType: 'employee' });
    if (r % 17 === 0) allowedFor.push({ anyone: true });
    const privileged = r % 4 === 0;
    const policy: Record<string, unknown> = { privileged, allowedFor };
    if (privileged) policy.maxHolders = r === 0 ? 1500 : 100_000;
    const roles = rolePolicies.get(system) ?? {};
    roles[name] = policy;
    rolePolicies.set(system, roles);
  }
  const policies: EvaluationPolicy[] = systems.map((s, i) => ({
    ...systemPolicySchema.parse({ system: s.id, dormantAfterDays: i % 2 === 0 ? 90 : undefined, roles: rolePolicies.get(s.id) ?? {} }),
    file: `policies/${s.id}.yaml`,
  }));

  // SoD rules pair roles no single department is allowed to hold together.
  const rules: { id: string; description: string; severity: 'high' | 'medium'; roles: string[] }[] = [];
  for (let k = 0; rules.length < opts.sodRules && k < opts.roles * 10; k++) {
    const a = Math.floor(rnd() * opts.roles);
    const b = Math.floor(rnd() * opts.roles);
    if (a === b || rolesOfDept.some((rs) => rs.includes(a) && rs.includes(b))) continue;
    rules.push({ id: `SOD-${rules.length}`, description: `ROLE_${a} and ROLE_${b} are separate duties`, severity: k % 2 ? 'high' : 'medium', roles: [`${roleSystem[a]}:${roleNames[a]}`, `${roleSystem[b]}:${roleNames[b]}`] });
  }
  const sodRules = sodSchema.parse({ rules }).rules;

  const identities: Identity[] = [];
  for (let i = 0; i < opts.identities; i++) {
    const x = rnd();
    identities.push({
      id: `E${100000 + i}`,
      email: `person${i}@example.com`,
      displayName: `Person ${i}`,
      department: departments[i % DEPARTMENTS]!,
      jobTitle: `Title ${i % 40}`,
      managerId: null,
      groups: [`group-${i % GROUPS}`, `group-${(i * 3) % GROUPS}`],
      aliases: [],
      status: x < 0.005 ? 'terminated' : x < 0.008 ? 'disabled' : 'active',
      employmentType: x > 0.97 ? 'contractor' : x > 0.96 ? 'third-party' : 'employee',
      contractEnd: x > 0.995 ? '2026-06-30' : x > 0.96 ? '2027-06-30' : null,
      lastSignInAt: null,
      sourceSystemId: 'hr',
    });
  }

  const recent = Array.from({ length: 60 }, (_, d) => new Date(NOW.getTime() - (d + 1) * DAY).toISOString());
  const old = Array.from({ length: 60 }, (_, d) => new Date(NOW.getTime() - (120 + d * 5) * DAY).toISOString());
  const firstSeenOld = '2026-01-10T04:00:00.000Z';
  const firstSeenNew = '2026-11-20T04:00:00.000Z';
  const scopes = Array.from({ length: SCOPES }, (_, s) => `scope-${s}`);
  const certifications = new Map<string, Certification>();
  for (const s of systems.slice(0, Math.ceil(systems.length / 2))) {
    certifications.set(s.id, { campaignId: `half-year:2026-H2@${s.id}`, openedAt: '2026-07-15T06:00:00.000Z', certifiedAt: '2026-08-05T06:00:00.000Z', approvedGrantIds: [] });
  }

  const batches: Grant[][] = [];
  let batch: Grant[] = [];
  const perIdentity = opts.grants / opts.identities;
  let made = 0;
  for (let i = 0; made < opts.grants; i = (i + 1) % opts.identities) {
    const person = identities[i]!;
    const own = rolesOfDept[i % DEPARTMENTS]!;
    const count = Math.min(opts.grants - made, Math.max(1, Math.round(perIdentity * (0.5 + rnd()))));
    for (let k = 0; k < count; k++) {
      const y = rnd();
      const r = y < 0.03 ? Math.floor(rnd() * opts.roles) : pick(own);
      const system = roleSystem[r]!;
      const role = y > 0.995 ? `${roleNames[r]}_LEGACY` : roleNames[r]!;
      const unowned = y > 0.99 && y <= 0.995;
      const accountId = unowned ? `svc-${i}-${k}` : `u${i}`;
      const scope = pick(scopes);
      batch.push({
        id: grantId(system, accountId, role, scope),
        systemId: system,
        accountId,
        role,
        scope,
        identityId: unowned ? null : person.id,
        identityRef: unowned ? null : person.email,
        accountDisplayName: person.displayName,
        accountType: unowned ? 'service' : 'human',
        accountStatus: rnd() < 0.02 ? 'disabled' : 'active',
        lastActivityAt: rnd() < 0.02 ? pick(old) : pick(recent),
        firstSeenAt: rnd() < 0.01 ? firstSeenNew : firstSeenOld,
      });
      if (batch.length === BATCH) {
        batches.push(batch);
        batch = [];
      }
    }
    made += count;
  }
  if (batch.length > 0) batches.push(batch);

  return {
    context: { systems, policies, sodRules, global: globalPolicySchema.parse({ dormantAfterDays: 60, leaverGraceDays: 1 }), identities, certifications, now: NOW },
    batches,
    grants: made,
  };
}

function evaluate(estate: Estate): { ms: number; findings: number; byType: Record<string, number> } {
  const t0 = performance.now();
  const evaluator = new PolicyEvaluator(estate.context);
  for (const b of estate.batches) evaluator.add(b);
  const out = evaluator.finish();
  const ms = performance.now() - t0;
  const byType: Record<string, number> = {};
  for (const f of out.findings) byType[f.type] = (byType[f.type] ?? 0) + 1;
  return { ms, findings: out.findings.length, byType };
}

function parseAll(estate: Estate): number {
  let ms = 0;
  let rows = 0;
  for (const b of estate.batches) {
    const json = JSON.stringify(b);
    const t0 = performance.now();
    rows += (JSON.parse(json) as unknown[]).length;
    ms += performance.now() - t0;
  }
  if (rows !== estate.grants) throw new Error(`parsed ${rows} grants, expected ${estate.grants}`);
  return ms;
}

export async function benchCheck(opts: CheckBenchOptions = {}): Promise<BenchResult> {
  const o = { grants: 1_000_000, identities: 20_000, systems: 8, roles: 100, sodRules: 20, ...opts };
  const estate = generateEstate(o);
  const refMs = Math.min(parseAll(estate), parseAll(estate));
  const first = evaluate(estate);
  const second = evaluate(estate);
  const caseMs = Math.min(first.ms, second.ms);
  return result('check', estate.grants, refMs, caseMs, opts.target ?? 3, {
    identities: o.identities,
    systems: o.systems,
    roles: o.roles,
    sod_rules: estate.context.sodRules.length,
    findings: second.findings,
    findings_by_type: second.byType,
  });
}
