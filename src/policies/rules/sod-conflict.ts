/**
 * `sod-conflict`: a holder (an identity, or an unowned account) holds every role of a
 * separation-of-duties rule, across systems; one finding per grant taking part, with the
 * severity the rule states. Rule id: the rule's own id.
 */
import type { Grant } from '../../domain/index.js';
import { SodTracker } from '../sod-tracker.js';
import { DORA_ACCESS_WITHDRAWAL } from './compliance-references.js';
import type { FindingRule } from './finding-rule.js';
import { grantFinding } from './grant-finding.js';
import { holderKey } from './holder-key.js';

export const sodConflict: FindingRule = {
  type: 'sod-conflict',
  severity: 'as-configured',
  badge: ':warning: SoD conflict',
  recommendation: { decision: 'revoke', why: 'One person holding duties that must stay apart defeats the control: one of the roles must go.' },
  words: (f) => (typeof f.evidence.rule === 'string' ? `SoD conflict ${f.evidence.rule}` : 'SoD conflict'),
  compliance: [DORA_ACCESS_WITHDRAWAL],
  evaluate(ctx) {
    const sod = new SodTracker(ctx.sodRules);
    return {
      readsAllSystems: true,
      checkFor(system, role) {
        const ref = sod.refOf(system.id, role.name);
        if (ref < 0) return null;
        return (g, owner) => sod.hold(holderKey(g, owner), ref, g);
      },
      finish() {
        for (const conflict of sod.conflicts()) {
          conflict.grants.sort(compareGrants);
          // One evidence for every grant of the conflict, shared (frozen): it lists them all, so a
          // holder of 24 grants made 24 copies of it (at 1M grants, 20k findings sharing 750 of them).
          const evidence = Object.freeze({
            rule: conflict.rule.id,
            description: conflict.rule.description,
            roles: conflict.rule.roles,
            conflictingGrants: conflict.grants.map((o) => ({ grantId: o.id, systemId: o.systemId, accountId: o.accountId, role: o.role, scope: o.scope })),
          });
          for (const g of conflict.grants) {
            const owner = ctx.ownerOf(g);
            const others = conflict.grants.filter((o) => o.systemId !== g.systemId || o.role !== g.role).map((o) => `${o.systemId}:${o.role}`);
            ctx.report(
              grantFinding('sod-conflict', conflict.rule.severity, conflict.rule.id, g, owner, `${owner?.label ?? `unowned account ${g.accountId}`} holds ${g.systemId}:${g.role} and also ${[...new Set(others)].join(', ')}: ${conflict.rule.description} (${conflict.rule.id})`, evidence),
            );
          }
        }
      },
    };
  },
};

function compareGrants(a: Grant, b: Grant): number {
  return a.systemId < b.systemId ? -1 : a.systemId > b.systemId ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
