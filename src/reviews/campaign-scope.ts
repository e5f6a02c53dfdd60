/**
 * Which grants a campaign of a review definition covers (pure). A system is in scope when
 * the definition names it, its criticality or its kind; `privilegedOnly` keeps the grants
 * of roles a policy marks privileged; `includeFindings` adds back the grants of in-scope
 * systems that have open findings, whatever their role (a flagged grant is always reviewed).
 */
import { coversSystem } from '../config/load-config.js';
import type { SystemPolicy } from '../config/policy-config.js';
import type { ReviewDefinition } from '../config/review-config.js';
import type { SystemConfig } from '../config/system-config.js';
import type { Grant } from '../domain/index.js';

export function systemsInScope(def: ReviewDefinition, systems: readonly SystemConfig[]): SystemConfig[] {
  return systems.filter((s) => coversSystem(def, s));
}

export function isPrivileged(policies: readonly SystemPolicy[], systemId: string, role: string): boolean {
  return policies.find((p) => p.system === systemId)?.roles[role]?.privileged === true;
}

export function grantInScope(def: ReviewDefinition, grant: Grant, policies: readonly SystemPolicy[], hasOpenFindings: boolean): boolean {
  if (!def.scope.privilegedOnly) return true;
  if (isPrivileged(policies, grant.systemId, grant.role)) return true;
  return def.scope.includeFindings && hasOpenFindings;
}
