/**
 * A small, fully known review campaign written through the store ports and the audit log, for
 * evidence-pack tests: six items on two systems with every case an auditor asks about
 * (approve, revoke with findings, delegation, an unowned account, a late decision, an expired
 * item), the ledger events the engine would record (state and ledger agree: `audit verify`
 * reconciles them), and a clock the test controls.
 */
import { AuditLog } from '../../src/audit/audit-log.js';
import { EVENT } from '../../src/audit/event-types.js';
import type { Campaign, Decision, DecisionOutcome, Finding, ReviewItem } from '../../src/domain/index.js';
import { campaignId, reviewItemId } from '../../src/domain/index.js';
import type { Store } from '../../src/store/ports.js';
import { grant, identity, seedIdentities } from '../helpers/seed-state.js';
import { decisionEvent } from '../../src/reviews/decide-item.js';
import { movesInto } from '../../src/domain/index.js';
import { remediationOf } from '../../src/remediation/open-remediations.js';
import { openedEvent, overdueEvent, verifiedEvent } from '../../src/remediation/remediation-events.js';

export const DAY = 86_400_000;
export const T0 = Date.parse('2026-10-01T09:00:00.000Z');

export class TestClock {
  constructor(public t = T0) {}
  now = (): Date => new Date(this.t);
  at(days: number): this {
    this.t = T0 + days * DAY;
    return this;
  }
}

/** The figures the fixture's report must show. */
export const EXPECTED = { total: 6, approved: 3, revoked: 2, expired: 1, pending: 0, decidedLate: 1, delegated: 1, withFindings: 2, revocationRate: '40.0%', completion: '83.3%' };

function finding(type: Finding['type'], systemId: string, grantId: string, accountId: string, identityId: string | null, reason: string): Finding {
  return { key: `${type}|rule-${type}|${grantId}`, type, severity: 'high', systemId, grantId, accountId, identityId, role: null, scope: null, ruleId: `rule-${type}`, reason, evidence: {} };
}

/** What `remediations: true` adds to the fixture's two revokes. */
export const REMEDIATED = {
  /** custody-wallet alice SIGNER, revoked day 1: critical (24 h), verified 12 h later by this snapshot. */
  verifiedSnapshot: { id: 'custody-wallet@2026-10-02T21:00:00.000Z', systemId: 'custody-wallet', status: 'complete', contentHash: 'a'.repeat(64) },
  verifiedAt: '2026-10-02T21:00:00.000Z',
  /** trading svc-bot ADMIN, revoked day 3: due 72 h later (day 6), never removed, marked overdue on day 7. */
  overdueDueAt: '2026-10-07T09:00:00.000Z',
};

/**
 * With `remediations`, each revoke gets its remediation as the remediation stage records it
 * (the store with remediation-events.ts' events, so state and ledger agree): the custody-wallet
 * one opened on its decision and verified 12 h later (within its 24 h), the trading one
 * (72 h) never removed and marked overdue on day 7.
 */
export async function seedReviewedCampaign(store: Store, clock: TestClock, opts: { remediations?: boolean } = {}): Promise<{ campaign: Campaign; items: ReviewItem[] }> {
  const audit = new AuditLog(store.ledger, clock.now);
  clock.t = T0 - 3_600_000;
  const hr = await seedIdentities(store, 'hr', [
    identity('E1', { email: 'alice@firm.li', displayName: 'Alice Adler' }),
    identity('E2', { email: 'bob@firm.li', displayName: 'Bob Brand' }),
    identity('E3', { email: 'carol@firm.li', displayName: 'Carol Cerny' }),
    identity('M1', { email: 'mia@firm.li', displayName: 'Mia Manager' }),
    identity('M2', { email: 'noah@firm.li', displayName: 'Noah Norr' }),
    identity('M3', { email: 'olga@firm.li', displayName: 'Olga Ott' }),
  ]);
  const hrSnapshot = (await store.snapshots.get(hr))!;
  await audit.record(EVENT.syncCompleted, 'scheduler', 'hr', { snapshotId: hr, status: 'complete', counts: hrSnapshot.counts });
  await store.slackUsers.upsert({ id: 'U0MIA', teamId: 'T1', email: 'mia@firm.li', name: 'mia', deleted: false, isBot: false, updatedAt: clock.now().toISOString() });

  clock.at(0);
  const campaign: Campaign = {
    id: campaignId('quarterly-critical', '2026-Q4'), reviewId: 'quarterly-critical', period: '2026-Q4', name: 'Quarterly review 2026-Q4',
    state: 'open', openedAt: clock.now().toISOString(), dueAt: new Date(T0 + 14 * DAY).toISOString(), closedAt: null, openedBy: 'scheduler',
  };
  await store.campaigns.create(campaign);
  const spec: [string, string, string, string | null, string, Finding['type'] | null][] = [
    ['custody-wallet', 'alice', 'SIGNER', 'E1', 'M1', 'sod-conflict'],
    ['custody-wallet', 'bob', 'VIEWER', 'E2', 'M1', null],
    ['trading', 'alice', 'TRADER', 'E1', 'M2', null],
    ['trading', 'svc-bot', 'ADMIN', null, 'M2', 'orphaned-account'],
    ['trading', 'bob', 'VIEWER', 'E2', 'M2', null],
    ['custody-wallet', 'carol', 'APPROVER', 'E3', 'M1', null],
  ];
  const items: ReviewItem[] = spec.map(([systemId, accountId, role, identityId, reviewerId, findingType]) => {
    const g = grant(systemId, accountId, role, identityId);
    return {
      id: reviewItemId(campaign.id, g.id), campaignId: campaign.id, grantId: g.id, systemId, accountId, role, scope: '', identityId, reviewerId,
      reviewerSource: 'manager', state: 'pending',
      findings: findingType ? [finding(findingType, systemId, g.id, accountId, identityId, `${accountId} breaks ${findingType}; ask alice@firm.li`)] : [],
      lastActivityAt: null, decisionId: null, updatedAt: clock.now().toISOString(),
    };
  });
  await store.campaigns.addItems(items, (inserted) =>
    inserted.map((i) => audit.event(EVENT.itemAssigned, 'scheduler', i.id, { campaignId: campaign.id, grantId: i.grantId, systemId: i.systemId, accountId: i.accountId, role: i.role, reviewerId: i.reviewerId, reviewerSource: i.reviewerSource, findings: i.findings.map((f) => f.type) })),
  );
  await audit.record(EVENT.campaignOpened, 'scheduler', campaign.id, { items: items.length });

  const decide = async (item: ReviewItem, outcome: DecisionOutcome, day: number, reviewer: { id: string; email: string; slackId: string | null }, justification: string | null) => {
    clock.at(day);
    const d: Decision = {
      id: item.id, itemId: item.id, campaignId: campaign.id, outcome, reviewerId: reviewer.id, reviewerEmail: reviewer.email, reviewerSlackId: reviewer.slackId,
      channel: reviewer.slackId ? 'slack' : 'cli', justification, decidedAt: clock.now().toISOString(), findingsAtDecision: item.findings, simulated: false, operator: null,
    };
    const r = await store.campaigns.decide(d, (decided) => [decisionEvent(reviewer.email, decided.decision)]);
    if (!r.ok) throw new Error(`fixture: decision of ${item.id} refused`);
  };
  const [i1, i2, i3, i4, i5] = items as [ReviewItem, ReviewItem, ReviewItem, ReviewItem, ReviewItem, ReviewItem];
  const mia = { id: 'M1', email: 'mia@firm.li', slackId: null };
  const noah = { id: 'M2', email: 'noah@firm.li', slackId: null };
  await decide(i1, 'revoke', 1, mia, '=HYPERLINK("http://evil.example","click")');
  const remediate = async (item: ReviewItem, slaHours: number) => {
    const r = remediationOf({ item: (await store.campaigns.item(item.id))!, decision: (await store.campaigns.decision(item.id))! }, slaHours, clock.now().toISOString());
    await store.remediations.open([r], (opened) => opened.map((o) => openedEvent(audit, 'sync', o, slaHours)));
    return r.id;
  };
  const move = async (id: string, to: 'verified' | 'overdue', at: string) => {
    const snap = REMEDIATED.verifiedSnapshot;
    const patch = to === 'verified' ? { verifiedAt: at, verifiedSnapshotId: snap.id, verifiedSnapshotHash: snap.contentHash, updatedAt: at } : { overdueAt: at, updatedAt: at };
    await store.remediations.transitionMany([id], movesInto(to), to, patch, (moves) => moves.map((m) => (to === 'verified' ? verifiedEvent(audit, 'sync', m, snap) : overdueEvent(audit, 'scheduler', m))));
  };
  await decide(i2, 'approve', 1, mia, null);
  if (opts.remediations) {
    const id = await remediate(i1, 24);
    clock.t = Date.parse(REMEDIATED.verifiedAt);
    await move(id, 'verified', REMEDIATED.verifiedAt);
  }
  clock.at(2);
  await store.campaigns.reassign(i3.id, 'M2', 'M3', 'delegated', clock.now().toISOString(), (before) => [
    audit.event(EVENT.itemReassigned, 'noah@firm.li', before.id, { campaignId: campaign.id, from: before.reviewerId, to: 'M3', toEmail: 'olga@firm.li', reason: 'on leave' }),
  ]);
  await decide(i3, 'approve', 3, { id: 'M3', email: 'olga@firm.li', slackId: 'U0OLGA' }, null);
  await decide(i4, 'revoke', 3, noah, 'Unowned service account, nobody claims it.');
  if (opts.remediations) {
    const id = await remediate(i4, 72);
    clock.at(7);
    await move(id, 'overdue', clock.now().toISOString());
  }
  await decide(i5, 'approve', 20, noah, null);

  clock.at(21);
  const closedAt = clock.now().toISOString();
  await store.campaigns.expirePending(campaign.id, closedAt, (expired) =>
    expired.map((i) => audit.event(EVENT.itemExpired, 'scheduler', i.id, { campaignId: campaign.id, reviewerId: i.reviewerId })),
  );
  await store.campaigns.transition(campaign.id, 'open', 'closed', closedAt, () => [audit.event(EVENT.campaignClosed, 'scheduler', campaign.id, { items: 6 })]);

  clock.at(22);
  // An event after the campaign's slice that changes no reconciled state (the config was reloaded).
  await audit.record(EVENT.configLoaded, 'scheduler', 'config', { changed: true });
  return { campaign: (await store.campaigns.get(campaign.id))!, items };
}

