/**
 * The `allowedFor` matchers of a role, compiled once per evaluation.
 *
 * Semantics (policies/<system>.yaml): holding a role is allowed if ANY matcher matches the
 * identity; inside one matcher ALL keys must match; a key's value is one value or a list
 * (any of them); comparison is case-insensitive and exact (no wildcards, no substrings).
 * `identity` matches the identity's id or email; `group` matches when any of the
 * identity's groups is listed; `anyone: true` matches every identity.
 */
import type { Identity } from '../domain/index.js';
import type { Matcher } from '../config/policy-config.js';

/** An identity's matchable attributes, lower-cased once. */
export interface IdentityProfile {
  id: string;
  email: string | null;
  department: string | null;
  jobTitle: string | null;
  groups: readonly string[];
  employmentType: string;
}

export function identityProfile(identity: Identity): IdentityProfile {
  return {
    id: identity.id.toLowerCase(),
    email: identity.email?.toLowerCase() ?? null,
    department: identity.department?.trim().toLowerCase() ?? null,
    jobTitle: identity.jobTitle?.trim().toLowerCase() ?? null,
    groups: identity.groups.map((g) => g.trim().toLowerCase()),
    employmentType: identity.employmentType,
  };
}

export type CompiledMatchers = (profile: IdentityProfile) => boolean;

type Test = (p: IdentityProfile) => boolean;

function lowerSet(values: readonly string[]): Set<string> {
  return new Set(values.map((v) => v.trim().toLowerCase()));
}

function compileOne(m: Matcher): Test {
  const tests: Test[] = [];
  if (m.department) {
    const s = lowerSet(m.department);
    tests.push((p) => p.department !== null && s.has(p.department));
  }
  if (m.jobTitle) {
    const s = lowerSet(m.jobTitle);
    tests.push((p) => p.jobTitle !== null && s.has(p.jobTitle));
  }
  if (m.group) {
    const s = lowerSet(m.group);
    tests.push((p) => p.groups.some((g) => s.has(g)));
  }
  if (m.identity) {
    const s = lowerSet(m.identity);
    tests.push((p) => s.has(p.id) || (p.email !== null && s.has(p.email)));
  }
  if (m.employmentType) {
    const s = new Set<string>(m.employmentType);
    tests.push((p) => s.has(p.employmentType));
  }
  // `anyone: true` adds no test: it matches everyone, and any other key still has to match.
  if (tests.length === 1) return tests[0]!;
  return (p) => tests.every((t) => t(p));
}

export function compileMatchers(allowedFor: readonly Matcher[]): CompiledMatchers {
  const matchers = allowedFor.map(compileOne);
  if (matchers.length === 1) return matchers[0]!;
  return (p) => matchers.some((m) => m(p));
}
