/**
 * A finding's type: the name of the finding rule that raised it (`dormant`, `sod-conflict`).
 * The domain does not enumerate the types: the rule registry does (FINDING_RULES and
 * FINDING_TYPES in src/policies/rules/index.ts), so a new type is one rule module and one
 * registry line.
 */
export type FindingType = string;

export const SEVERITIES = ['low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export function atLeast(s: Severity, threshold: Severity): boolean {
  return severityRank(s) >= severityRank(threshold);
}

export interface Finding {
  /** Stable key: type + rule + grant (or identity), so history lines up across evaluations. */
  key: string;
  type: FindingType;
  severity: Severity;
  systemId: string;
  grantId: string | null;
  accountId: string | null;
  identityId: string | null;
  role: string | null;
  scope: string | null;
  ruleId: string;
  reason: string;
  evidence: Record<string, unknown>;
}

/** A finding as stored: with the evaluation that saw it and its history. */
export interface StoredFinding extends Finding {
  evaluationId: string;
  firstSeenAt: string;
  lastSeenAt: string;
  /** Set when a later evaluation no longer raises the finding. */
  resolvedAt: string | null;
}

export interface Evaluation {
  id: string;
  at: string;
  /** Systems evaluated; a finding of a system outside this list is not resolved by it. */
  systemIds: string[];
  /** SHA-256 of the policy files used. */
  policyHash: string;
  counts: Partial<Record<FindingType, number>>;
}

export function findingKey(type: FindingType, ruleId: string, subject: string): string {
  return `${type}|${ruleId}|${subject}`;
}

/** The finding itself, without what storing it added (evaluation, first/last seen, resolution). */
export function findingOf(f: Finding): Finding {
  const { key, type, severity, systemId, grantId, accountId, identityId, role, scope, ruleId, reason, evidence } = f;
  return { key, type, severity, systemId, grantId, accountId, identityId, role, scope, ruleId, reason, evidence };
}
