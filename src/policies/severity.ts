/**
 * Severity of a finding: a base per type, raised one level for a privileged role and one
 * level for a system of `critical` criticality (capped at high). Separation-of-duties
 * findings take the severity written in their rule instead: the rule's author chose it.
 *
 * | type                   | base   | privileged role | critical system | both |
 * |------------------------|--------|-----------------|-----------------|------|
 * | leaver-access          | high   | high            | high            | high |
 * | contract-ended         | high   | high            | high            | high |
 * | not-allowed            | medium | high            | high            | high |
 * | unknown-role           | medium | (never known)   | high            | high |
 * | max-holders-exceeded   | medium | high            | high            | high |
 * | orphaned-account       | medium | high            | high            | high |
 * | dormant                | low    | medium          | medium          | high |
 * | new-since-last-review  | low    | medium          | medium          | high |
 * | sod-conflict           | as written in the rule (separation-of-duties.yaml)     |
 */
import type { FindingType, Severity } from '../domain/index.js';
import { SEVERITIES, severityRank } from '../domain/index.js';

export const BASE_SEVERITY: Record<Exclude<FindingType, 'sod-conflict'>, Severity> = {
  'leaver-access': 'high',
  'contract-ended': 'high',
  'not-allowed': 'medium',
  'unknown-role': 'medium',
  'max-holders-exceeded': 'medium',
  'orphaned-account': 'medium',
  dormant: 'low',
  'new-since-last-review': 'low',
};

export function severityFor(type: Exclude<FindingType, 'sod-conflict'>, privileged: boolean, criticalSystem: boolean): Severity {
  const rank = severityRank(BASE_SEVERITY[type]) + (privileged ? 1 : 0) + (criticalSystem ? 1 : 0);
  return SEVERITIES[Math.min(rank, SEVERITIES.length - 1)]!;
}
