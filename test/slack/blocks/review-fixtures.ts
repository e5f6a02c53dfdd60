import { createHash } from 'node:crypto';
import type { Campaign, ReviewItem } from '../../../src/domain/campaign.js';
import type { Finding, FindingType, Severity } from '../../../src/domain/finding.js';
import type { DecisionView, ReviewEntry } from '../../../src/slack/blocks/review-item-blocks.js';

export const NOW = '2026-10-12T09:00:00.000Z';

export const campaign: Pick<Campaign, 'id' | 'name' | 'dueAt' | 'state'> = {
  id: 'quarterly-privileged:2026-Q4',
  name: 'Quarterly review of privileged access',
  dueAt: '2026-10-15T09:00:00.000Z',
  state: 'open',
};

export function finding(type: FindingType, severity: Severity = 'high', reason = `${type} found by policy`): Finding {
  return { key: `${type}|rule|${reason}`, type, severity, systemId: 'custody-wallet', grantId: null, accountId: null, identityId: null, role: null, scope: null, ruleId: 'rule', reason, evidence: {} };
}

function grant(i: number): string {
  return 'g_' + createHash('sha256').update(String(i)).digest('hex').slice(0, 32);
}

/** Item i: every third has an SoD finding, every fifth was never used. */
export function entry(i: number, over: Partial<ReviewItem> = {}, subject: ReviewEntry['subject'] = { name: `Person ${i}`, email: `person${i}@firm.example` }): ReviewEntry {
  const item: ReviewItem = {
    id: `${campaign.id}/${grant(i)}`,
    campaignId: campaign.id,
    grantId: grant(i),
    systemId: i % 2 === 0 ? 'custody-wallet' : 'kms',
    accountId: `acct-${i}`,
    role: i % 2 === 0 ? 'withdrawal-approver' : 'key-admin',
    scope: i % 2 === 0 ? 'vault-hot-1' : '',
    identityId: `id-${i}`,
    reviewerId: 'id-manager',
    reviewerSource: 'manager',
    state: 'pending',
    findings: i % 3 === 0 ? [finding('sod-conflict', 'high', 'Withdrawal initiator and approver on the same vault')] : [],
    lastActivityAt: i % 5 === 0 ? null : '2026-09-20T10:00:00.000Z',
    decisionId: null,
    updatedAt: NOW,
    ...over,
  };
  return { item, subject };
}

export function entries(n: number): ReviewEntry[] {
  return Array.from({ length: n }, (_, i) => entry(i + 1));
}

export function decided(e: ReviewEntry, outcome: 'approve' | 'revoke', decision: Partial<DecisionView> = {}): ReviewEntry {
  return {
    ...e,
    item: { ...e.item, state: outcome === 'approve' ? 'approved' : 'revoked', decisionId: e.item.id },
    decision: { outcome, decidedAt: '2026-10-12T08:30:00.000Z', deciderName: 'Maria Manager', justification: null, ...decision },
  };
}
