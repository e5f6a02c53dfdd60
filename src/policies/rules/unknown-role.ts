/**
 * `unknown-role`: the role is not in the system's policy and the policy says
 * `unknownRoles: flag` (one finding per grant, rule `policy:<system>:unknown-role`). A system
 * with no policy file at all raises ONE finding per distinct role (no grant; rule
 * `policy:<system>:no-policy`) plus a warning: the gap is visible and fails `--fail-on`,
 * without one finding per grant.
 */
import type { Finding } from '../../domain/index.js';
import { findingKey } from '../../domain/index.js';
import { severityFor } from '../severity.js';
import { ISO_PRIVILEGED_ACCESS } from './compliance-references.js';
import type { FindingRule, SystemFacts } from './finding-rule.js';
import { grantFinding } from './grant-finding.js';

const SEVERITY = 'medium';
/** Accounts named in the evidence of a role found on a system without a policy file. */
const SAMPLE_ACCOUNTS = 5;

interface UnlistedRole {
  role: string;
  grants: number;
  /**
   * The first SAMPLE_ACCOUNTS distinct accounts in grant id order, each with the smallest id
   * of its grants seen so far, kept in that order whatever order grants arrive in.
   */
  sample: { accountId: string; grantId: string }[];
}

export const unknownRole: FindingRule = {
  type: 'unknown-role',
  severity: SEVERITY,
  badge: ':grey_question: unknown role',
  recommendation: { decision: 'approve', why: 'A role missing from the policy may still be needed: keep it and list it in the policy, or revoke it.' },
  compliance: [ISO_PRIVILEGED_ACCESS],
  evaluate(ctx) {
    /** Systems without a policy file, in configuration order: the roles their grants brought. */
    const noPolicy = new Map<string, { system: SystemFacts; roles: UnlistedRole[] } | null>(ctx.systems.map((s) => [s.id, null]));
    return {
      checkFor(system, role) {
        if (!system.report || role.policy !== undefined) return null;
        // An unknown role is never privileged: the policy says nothing about it.
        const severity = severityFor(SEVERITY, false, system.critical);
        const policy = system.policy;
        if (policy === null) {
          const seen: UnlistedRole = { role: role.name, grants: 0, sample: [] };
          let entry = noPolicy.get(system.id);
          if (!entry) noPolicy.set(system.id, (entry = { system, roles: [] }));
          entry.roles.push(seen);
          return (g) => {
            seen.grants++;
            sampleAccount(seen.sample, g.accountId, g.id);
          };
        }
        if (policy.unknownRoles !== 'flag') return null;
        const ruleId = `policy:${system.id}:unknown-role`;
        const policyFile = system.policyFile;
        return (g, owner) => {
          ctx.report(
            grantFinding('unknown-role', severity, ruleId, g, owner, `${owner?.label ?? `account ${g.accountId}`} holds ${g.role} on ${g.systemId}, a role ${policyFile} does not list (unknownRoles: flag)`, {
              policyFile,
            }),
          );
        };
      },
      finish() {
        for (const entry of noPolicy.values()) {
          if (entry === null) continue;
          const { system, roles } = entry;
          ctx.warn(`system "${system.id}" has no policy file (${system.policyFile}): its roles are not checked; each role it grants is reported once as unknown-role`);
          const ruleId = `policy:${system.id}:no-policy`;
          for (const seen of roles) ctx.report(noPolicyFinding(system, ruleId, seen));
        }
      },
    };
  },
};

function noPolicyFinding(system: SystemFacts, ruleId: string, seen: UnlistedRole): Finding {
  return {
    key: findingKey('unknown-role', ruleId, `${system.id}:${seen.role}`),
    type: 'unknown-role',
    severity: severityFor(SEVERITY, false, system.critical),
    systemId: system.id,
    grantId: null,
    accountId: null,
    identityId: null,
    role: seen.role,
    scope: null,
    ruleId,
    reason: `${system.id} has no policy file (${system.policyFile}): role ${seen.role}, held through ${seen.grants} grant(s), is allowed for no one`,
    evidence: { policyFile: system.policyFile, grants: seen.grants, sampleAccounts: seen.sample.map((s) => s.accountId) },
  };
}

/**
 * Keeps in `sample` the SAMPLE_ACCOUNTS accounts whose smallest grant id is smallest, in that
 * order: what taking the first distinct accounts of grants read in id order gives, from grants
 * in any order. An account dropped here had a larger id than every kept one; should a grant of
 * it with a smaller id come later, it comes back with that id.
 */
export function sampleAccount(sample: { accountId: string; grantId: string }[], accountId: string, grantId: string): void {
  const known = sample.findIndex((s) => s.accountId === accountId);
  if (known >= 0) {
    if (grantId >= sample[known]!.grantId) return;
    sample.splice(known, 1);
  } else if (sample.length === SAMPLE_ACCOUNTS && grantId >= sample[SAMPLE_ACCOUNTS - 1]!.grantId) {
    return;
  }
  let at = sample.length;
  while (at > 0 && sample[at - 1]!.grantId > grantId) at--;
  sample.splice(at, 0, { accountId, grantId });
  if (sample.length > SAMPLE_ACCOUNTS) sample.pop();
}
