/**
 * Severity of a finding: its rule's base severity (`severity` of each rule in rules/), raised
 * one level for a privileged role and one level for a system of `critical` criticality
 * (capped at high). Separation-of-duties findings take the severity written in their rule
 * instead: the rule's author chose it.
 */
import type { Severity } from '../domain/index.js';
import { SEVERITIES, severityRank } from '../domain/index.js';

export function severityFor(base: Severity, privileged: boolean, criticalSystem: boolean): Severity {
  const rank = severityRank(base) + (privileged ? 1 : 0) + (criticalSystem ? 1 : 0);
  return SEVERITIES[Math.min(rank, SEVERITIES.length - 1)]!;
}
