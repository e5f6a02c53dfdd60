import type { Finding } from '../domain/index.js';
import { severityRank } from '../domain/index.js';
import { FINDING_TYPES } from './rules/index.js';

const TYPE_ORDER = new Map<string, number>(FINDING_TYPES.map((t, i) => [t, i]));

function cmp(a: string | null, b: string | null): number {
  const x = a ?? '';
  const y = b ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Report order: high severity first, then type, system, account, role, scope, rule. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    TYPE_ORDER.get(a.type)! - TYPE_ORDER.get(b.type)! ||
    cmp(a.systemId, b.systemId) ||
    cmp(a.accountId, b.accountId) ||
    cmp(a.role, b.role) ||
    cmp(a.scope, b.scope) ||
    cmp(a.ruleId, b.ruleId)
  );
}
