/**
 * `max-holders-exceeded`: more distinct holders (identities; an unowned account counts as
 * its own holder) of a role, over all scopes, than its `maxHolders`; one finding per holder
 * grant, so each reviewer sees it on the grant they decide. Rule `policy:<system>:<role>:maxHolders`.
 */
import type { Grant } from '../../domain/index.js';
import { severityFor } from '../severity.js';
import { ISO_PRIVILEGED_ACCESS } from './compliance-references.js';
import type { FindingRule, RoleFacts, SystemFacts } from './finding-rule.js';
import { grantFinding } from './grant-finding.js';
import { holderKey } from './holder-key.js';

const SEVERITY = 'medium';
/** Holders named in the evidence. */
const HOLDER_LABELS = 20;

interface CappedRole {
  system: SystemFacts;
  role: RoleFacts;
  max: number;
  /** holder -> its grants of the role. */
  holders: Map<string, Grant[]>;
}

export const maxHoldersExceeded: FindingRule = {
  type: 'max-holders-exceeded',
  severity: SEVERITY,
  badge: ':busts_in_silhouette: too many holders',
  recommendation: { decision: 'approve', why: 'The cap concerns the group, not this holder alone: the reviewers of its holders decide who keeps the role.' },
  compliance: [ISO_PRIVILEGED_ACCESS],
  evaluate(ctx) {
    const capped: CappedRole[] = [];
    return {
      checkFor(system, role) {
        const max = role.policy?.maxHolders;
        if (!system.report || max === undefined) return null;
        const holders = new Map<string, Grant[]>();
        capped.push({ system, role, max, holders });
        return (g, owner) => {
          const key = holderKey(g, owner);
          const held = holders.get(key);
          if (held) held.push(g);
          else holders.set(key, [g]);
        };
      },
      finish() {
        for (const { system, role, max, holders } of capped) {
          if (holders.size <= max) continue;
          const severity = severityFor(SEVERITY, role.privileged, system.critical);
          const ruleId = `policy:${system.id}:${role.name}:maxHolders`;
          // Sorted, so the evidence does not depend on the order grants arrived in.
          const labels = [...holders.values()].map((grants) => ctx.ownerOf(grants[0]!)?.label ?? `account ${grants[0]!.accountId}`).sort().slice(0, HOLDER_LABELS);
          for (const grants of holders.values()) {
            for (const g of grants) {
              const owner = ctx.ownerOf(g);
              ctx.report(
                grantFinding('max-holders-exceeded', severity, ruleId, g, owner, `${role.name} on ${system.id} has ${holders.size} holders, more than maxHolders ${max} (${system.policyFile}); ${owner?.label ?? `account ${g.accountId}`} is one of them`, {
                  maxHolders: max,
                  holders: holders.size,
                  holderLabels: labels,
                }),
              );
            }
          }
        }
      },
    };
  },
};
