/**
 * A review item, its decision and ledger events as the item reconciliation tests build them:
 * one campaign, item ITEM (grant g_1 on trading, alice as TRADER, reviewer M1); `over` changes
 * what a case needs. Events get increasing seqs; hashes are not checked here.
 */
import type { Decision, LedgerEvent, ReviewItem } from '../../src/domain/index.js';

let seq = 0;
export function ev(type: string, subject: string, data: Record<string, unknown>, actor = 'someone'): LedgerEvent {
  return { seq: ++seq, at: '2026-10-01T00:00:00.000Z', type, actor, subject, data, prevHash: '', hash: '' };
}

export const C = 'review:2026-Q4';
export const ITEM = `${C}/g_1`;

export function item(over: Partial<ReviewItem> = {}): ReviewItem {
  return {
    id: ITEM, campaignId: C, grantId: 'g_1', systemId: 'trading', accountId: 'alice', role: 'TRADER', scope: '', identityId: 'E1', reviewerId: 'M1',
    reviewerSource: 'manager', state: 'pending', findings: [], lastActivityAt: null, decisionId: null, updatedAt: '2026-10-01T00:00:00.000Z', ...over,
  };
}

export function decision(over: Partial<Decision> = {}): Decision {
  return {
    id: ITEM, itemId: ITEM, campaignId: C, outcome: 'revoke', reviewerId: 'M1', reviewerEmail: 'm1@firm.li', reviewerSlackId: null, channel: 'slack',
    justification: 'not needed any more', decidedAt: '2026-10-02T00:00:00.000Z', findingsAtDecision: [], simulated: false, operator: null, ...over,
  };
}
