/**
 * The policy engine: grants x identities x policies -> findings, in one pass.
 *
 * The engine does what every rule needs and no rule decides: it compiles each system
 * (policy, criticality, whether its findings are reported) and each role (exact name, else
 * case-insensitive, else an unknown role), resolves each grant's owner, and runs on every
 * grant the checks the rules of the registry (rules/index.ts) gave for its (system, role).
 * What each finding type means lives in its rule, rules/<type>.ts.
 *
 * Grants stream through `add()` in batches and are not kept, except by rules that need them
 * across grants (separation of duties, maxHolders), which report in `finish()`. Pure: no
 * I/O, the time is an input.
 *
 * - Only live access is judged: grants of `disabled` or `locked` accounts reach no rule
 *   (they are still reviewed in campaigns) and do not count as holders.
 * - Grants of a system that no file in connectors/ configures are skipped, with a warning.
 * - Grants of a system whose findings are not reported (`reportSystems`) reach only the
 *   rules that read all systems, and a finding about such a system is dropped.
 */
import type { Finding, Grant, Identity } from '../domain/index.js';
import { IdentityIndex, identityLabel } from '../domain/index.js';
import type { EvaluationContext, EvaluationResult } from './evaluation-context.js';
import { compareFindings } from './finding-order.js';
import { identityProfile } from './identity-matcher.js';
import type { GrantCheck, Owner, RoleFacts, RuleContext, RuleRun, SystemFacts } from './rules/finding-rule.js';
import { FINDING_RULES } from './rules/index.js';

interface RoleState extends RoleFacts {
  /** The rules' checks for this role's grants. */
  checks: GrantCheck[];
}

interface SystemState {
  facts: SystemFacts;
  roles: Map<string, RoleState>;
  rolesLower: Map<string, RoleState>;
}

export class PolicyEvaluator {
  private readonly systems = new Map<string, SystemState>();
  private readonly owners = new Map<string, Owner>();
  private readonly index: IdentityIndex;
  private readonly runs: RuleRun[];
  private readonly findings: Finding[] = [];
  private readonly warnings: string[] = [];
  private readonly unknownSystems = new Set<string>();
  private last: SystemState | null = null;
  private count = 0;
  private finished = false;

  constructor(ctx: EvaluationContext) {
    this.index = new IdentityIndex(ctx.identities);
    for (const identity of ctx.identities) this.owners.set(identity.id, ownerFacts(identity));
    const ruleContext: RuleContext = {
      ...ctx,
      ownerOf: (g) => this.ownerOf(g),
      report: (f) => {
        if (this.systems.get(f.systemId)?.facts.report === true) this.findings.push(f);
      },
      warn: (text) => this.warnings.push(text),
    };
    this.runs = FINDING_RULES.map((rule) => rule.evaluate(ruleContext));
    const policies = new Map(ctx.policies.map((p) => [p.system, p]));
    for (const system of ctx.systems) {
      const policy = policies.get(system.id) ?? null;
      const facts: SystemFacts = {
        id: system.id,
        critical: system.criticality === 'critical',
        report: ctx.reportSystems ? ctx.reportSystems.has(system.id) : true,
        policy,
        policyFile: policy?.file ?? `policies/${system.id}.yaml`,
      };
      const st: SystemState = { facts, roles: new Map(), rolesLower: new Map() };
      this.systems.set(system.id, st);
      for (const [name, rp] of Object.entries(policy?.roles ?? {})) {
        const role = this.compileRole(st, { name, policy: rp, privileged: rp.privileged });
        st.roles.set(name, role);
        if (!st.rolesLower.has(name.toLowerCase())) st.rolesLower.set(name.toLowerCase(), role);
      }
    }
  }

  /** Reads one batch of grants. */
  add(grants: readonly Grant[]): void {
    if (this.finished) throw new Error('PolicyEvaluator: add() after finish()');
    for (const g of grants) this.evaluateGrant(g);
  }

  /** Settles the cross-grant rules and returns every finding, ordered. */
  finish(): EvaluationResult {
    if (this.finished) throw new Error('PolicyEvaluator: finish() called twice');
    this.finished = true;
    for (const run of this.runs) run.finish?.();
    for (const s of this.unknownSystems) this.warnings.push(`grants of system "${s}" were skipped: no file in connectors/ configures it`);
    this.findings.sort(compareFindings);
    return { findings: this.findings, warnings: this.warnings, grants: this.count };
  }

  /** A role with the checks of every rule that has one for it. */
  private compileRole(st: SystemState, facts: RoleFacts): RoleState {
    const checks: GrantCheck[] = [];
    for (const run of this.runs) {
      if (!st.facts.report && run.readsAllSystems !== true) continue;
      const check = run.checkFor(st.facts, facts);
      if (check !== null) checks.push(check);
    }
    return { ...facts, checks };
  }

  /** The role's compiled entry: exact name, else case-insensitive, else an unknown role (memoised). */
  private roleOf(st: SystemState, role: string): RoleState {
    let found = st.roles.get(role);
    if (found) return found;
    found = st.rolesLower.get(role.toLowerCase()) ?? this.compileRole(st, { name: role, policy: undefined, privileged: false });
    st.roles.set(role, found);
    return found;
  }

  /** The current identity owning a grant's account: by correlated id, else by its raw reference. */
  private ownerOf(g: Grant): Owner | null {
    if (g.identityId !== null) {
      const found = this.owners.get(g.identityId);
      if (found) return found;
    }
    if (g.identityRef !== null) {
      const found = this.index.resolve(g.identityRef);
      if (found) return this.owners.get(found.id) ?? null;
    }
    return null;
  }

  private evaluateGrant(g: Grant): void {
    let st = this.last;
    if (st === null || st.facts.id !== g.systemId) {
      st = this.systems.get(g.systemId) ?? null;
      if (st === null) {
        this.unknownSystems.add(g.systemId);
        return;
      }
      this.last = st;
    }
    this.count++;
    if (g.accountStatus !== 'active') return;
    const checks = this.roleOf(st, g.role).checks;
    if (checks.length === 0) return;
    const owner = this.ownerOf(g);
    for (let i = 0; i < checks.length; i++) checks[i]!(g, owner);
  }
}

function ownerFacts(identity: Identity): Owner {
  return { identity, profile: identityProfile(identity), label: identityLabel(identity)! };
}
