/**
 * `revoked-access-returned`: a grant that was revoked in a review, whose removal a complete,
 * applied snapshot verified, is live again (its remediation is `reappeared`). Someone
 * re-provisioned access a reviewer took away, outside any review: always high, whatever the
 * role or system. The finding names the remediation, the snapshot that verified the removal
 * and the one that showed the grant again. Rule `global:revoked-access-returned`.
 */
import { DORA_ACCESS_WITHDRAWAL } from './compliance-references.js';
import type { FindingRule } from './finding-rule.js';
import { grantFinding } from './grant-finding.js';

const RULE_ID = 'global:revoked-access-returned';

export const revokedAccessReturned: FindingRule = {
  type: 'revoked-access-returned',
  severity: 'high',
  badge: ':leftwards_arrow_with_hook: revoked access returned',
  recommendation: { decision: 'revoke', why: 'This access was revoked and verified removed, then came back without a review: remove it and find who re-granted it.' },
  compliance: [DORA_ACCESS_WITHDRAWAL],
  evaluate(ctx) {
    const returned = ctx.returnedGrants ?? new Map();
    return {
      checkFor(system) {
        if (!system.report || returned.size === 0) return null;
        return (g, owner) => {
          const r = returned.get(g.id);
          if (r === undefined) return;
          ctx.report(
            grantFinding(
              'revoked-access-returned',
              'high',
              RULE_ID,
              g,
              owner,
              `${g.role} on ${g.systemId} for ${owner?.label ?? `account ${g.accountId}`} was revoked${r.itemId ? ` (${r.itemId})` : ''} and verified removed${r.verifiedSnapshotId ? ` by snapshot ${r.verifiedSnapshotId}` : ''}${r.verifiedAt ? ` at ${r.verifiedAt}` : ''}, but is back${r.reappearedSnapshotId ? ` in snapshot ${r.reappearedSnapshotId}` : ''}`,
              { ...r },
            ),
          );
        };
      },
    };
  },
};
