import type { Finding, FindingType, Grant, Severity } from '../../domain/index.js';
import { findingKey } from '../../domain/index.js';
import type { Owner } from './finding-rule.js';

/** A finding about one grant; its key is type | rule id | grant id. */
export function grantFinding(type: FindingType, severity: Severity, ruleId: string, g: Grant, owner: Owner | null, reason: string, evidence: Record<string, unknown>): Finding {
  return {
    key: findingKey(type, ruleId, g.id),
    type,
    severity,
    systemId: g.systemId,
    grantId: g.id,
    accountId: g.accountId,
    identityId: owner?.identity.id ?? null,
    role: g.role,
    scope: g.scope,
    ruleId,
    reason,
    evidence,
  };
}
