/**
 * The reconciliation of state rows with ledger events, part by part (pure: events and rows in,
 * differences out), and reconcileLedger over a real store.
 */
import { describe, expect, it } from 'vitest';
import { CampaignLedger } from '../../src/audit/campaign-ledger.js';
import { FindingLedger } from '../../src/audit/finding-ledger.js';
import { ItemLedger } from '../../src/audit/item-ledger.js';
import { DifferenceList } from '../../src/audit/ledger-difference.js';
import { reconcileLedger } from '../../src/audit/reconcile-ledger.js';
import { SnapshotLedger } from '../../src/audit/snapshot-ledger.js';
import { createHash } from 'node:crypto';
import type { Campaign, Decision, Evaluation, LedgerEvent, ReviewItem, Snapshot, StoredFinding } from '../../src/domain/index.js';
import { EMPTY_COUNTS } from '../../src/domain/index.js';
import type { Store } from '../../src/store/ports.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { C, decision, ev, item, ITEM } from './item-rows-fixture.js';

const assigned = (id = ITEM, reviewerId = 'M1') => ev('item.assigned', id, { campaignId: C, grantId: 'g_1', systemId: 'trading', accountId: 'alice', role: 'TRADER', reviewerId, reviewerSource: 'manager', findings: [] });
const decided = (outcome: 'approve' | 'revoke' = 'revoke', reviewerId = 'M1') =>
  ev('decision.recorded', ITEM, { campaignId: C, outcome, state: outcome === 'approve' ? 'approved' : 'revoked', reviewerId, channel: 'slack', justification: 'not needed any more', simulated: false });

function items(events: LedgerEvent[], rows: [ReviewItem, Decision | null][]): string[] {
  const out = new DifferenceList(100);
  const ledger = new ItemLedger(out);
  for (const e of events) ledger.event(e);
  for (const [i, d] of rows) ledger.row(i, d);
  ledger.finish();
  return out.first.map((d) => d.message);
}

describe('items and decisions against their events', () => {
  it('a replay that ends where the rows are has no difference (assignment, reassignment, decision)', () => {
    const a = assigned();
    const r = ev('item.reassigned', ITEM, { campaignId: C, from: 'M1', to: 'M3' });
    const d = decided('revoke', 'M3');
    expect(items([a, r, d], [[item({ state: 'revoked', reviewerId: 'M3', reviewerSource: 'delegated', decisionId: ITEM }), decision({ reviewerId: 'M3' })]])).toEqual([]);
  });

  it('finds each row by its id whatever order rows come in (the next record is only a guess): each compared with its own events, a second row of one item named', () => {
    const ids = [0, 1, 2, 3].map((k) => `${C}/g_${k}`);
    const events = ids.map((id, k) => ({ ...assigned(id), seq: k + 1 }));
    const row = (k: number, over: Partial<ReviewItem> = {}) => item({ id: ids[k]!, ...over });
    // In event order, then reversed and shuffled: the same verdicts.
    expect(items(events, [0, 1, 2, 3].map((k) => [row(k), null]))).toEqual([]);
    expect(items(events, [3, 1, 0, 2].map((k) => [row(k), null]))).toEqual([]);
    expect(items(events, [[row(0), null], [row(2, { role: 'VIEWER' }), null], [row(1), null], [row(1), null], [row(3), null]])).toEqual([
      `review_items row "${ids[2]}" role = "VIEWER", but ledger seq 3 item.assigned says role "TRADER"`,
      `review_items row "${ids[1]}" state = "pending": no ledger event names this item (no item.assigned)`,
    ]);
    // The row after the last one guessed is another item's: compared with that item's events, not the guess's.
    expect(items(events, [[row(0), null], [row(3, { role: 'VIEWER' }), null], [row(1), null], [row(2), null]])).toEqual([
      `review_items row "${ids[3]}" role = "VIEWER", but ledger seq 4 item.assigned says role "TRADER"`,
    ]);
  });

  it('names the row, field and value, and the event, seq and what it says', () => {
    const a = assigned();
    const d = decided('revoke');
    expect(items([a, d], [[item({ state: 'approved' }), decision({ outcome: 'approve' })]])).toEqual([
      `review_items row "${ITEM}" state = "approved", but ledger seq ${d.seq} decision.recorded says state "revoked"`,
      `decisions row "${ITEM}" outcome = "approve", but ledger seq ${d.seq} decision.recorded says outcome "revoke"`,
    ]);
  });

  it('compares reviewer, channel, justification and simulated flag of a decision, and what was assigned', () => {
    const a = assigned();
    const d = decided('revoke');
    expect(items([a, d], [[item({ state: 'revoked', role: 'VIEWER' }), decision({ reviewerId: 'M9', channel: 'cli', justification: 'edited', simulated: true })]])).toEqual([
      `review_items row "${ITEM}" role = "VIEWER", but ledger seq ${a.seq} item.assigned says role "TRADER"`,
      `decisions row "${ITEM}" reviewerId = "M9", but ledger seq ${d.seq} decision.recorded says reviewerId "M1"`,
      `decisions row "${ITEM}" channel = "cli", but ledger seq ${d.seq} decision.recorded says channel "slack"`,
      `decisions row "${ITEM}" justification = "edited", but ledger seq ${d.seq} decision.recorded says justification "not needed any more"`,
      `decisions row "${ITEM}" simulated = true, but ledger seq ${d.seq} decision.recorded says simulated false`,
    ]);
  });

  it("a decision's operator: an event without one says nobody entered it on the reviewer's behalf", () => {
    const a = assigned();
    const d = decided('revoke');
    expect(items([a, d], [[item({ state: 'revoked' }), decision({ operator: 'helpdesk@firm.li' })]])).toEqual([
      `decisions row "${ITEM}" operator = "helpdesk@firm.li", but ledger seq ${d.seq} decision.recorded says operator null`,
    ]);
    const entered = ev('decision.recorded', ITEM, { ...d.data, operator: 'helpdesk@firm.li' });
    expect(items([a, entered], [[item({ state: 'revoked' }), decision({ operator: 'helpdesk@firm.li' })]])).toEqual([]);
    expect(items([a, entered], [[item({ state: 'revoked' }), decision({ operator: null })]])).toEqual([
      `decisions row "${ITEM}" operator = null, but ledger seq ${entered.seq} decision.recorded says operator "helpdesk@firm.li"`,
    ]);
  });

  it('a decision through approve-all: the event says so, an event without approveAll says it was a decision on the one item', () => {
    const a = assigned();
    const d = decided('approve');
    expect(items([a, d], [[item({ state: 'approved' }), decision({ outcome: 'approve', approveAll: true })]])).toEqual([
      `decisions row "${ITEM}" approveAll = true, but ledger seq ${d.seq} decision.recorded says approveAll false`,
    ]);
    const bulk = ev('decision.recorded', ITEM, { ...d.data, approveAll: true });
    expect(items([a, bulk], [[item({ state: 'approved' }), decision({ outcome: 'approve', approveAll: true })]])).toEqual([]);
    expect(items([a, bulk], [[item({ state: 'approved' }), decision({ outcome: 'approve' })]])).toEqual([
      `decisions row "${ITEM}" approveAll = false, but ledger seq ${bulk.seq} decision.recorded says approveAll true`,
    ]);
  });

  it('fields an (older) event does not carry are not compared', () => {
    const a = ev('item.assigned', ITEM, { campaignId: C, reviewerId: 'M1' });
    const d = ev('decision.recorded', ITEM, { campaignId: C, outcome: 'approve', reviewerId: 'M1' });
    expect(items([a, d], [[item({ state: 'approved', role: 'ANY' }), decision({ outcome: 'approve', channel: 'cli', justification: null })]])).toEqual([]);
  });

  it('a second item.assigned of an item is a difference, even when the rows agree', () => {
    const a = assigned();
    const again = assigned();
    expect(items([a, again], [[item(), null]])).toEqual([`review_items row "${ITEM}", but ledger seq ${again.seq} item.assigned says it was assigned to "M1": assigned twice (first at seq ${a.seq}): an item has exactly one item.assigned`]);
  });

  it('events that do not follow from the item state: a second decision, expiring a decided item, a reassignment from another reviewer', () => {
    const a = assigned();
    const r = ev('item.reassigned', ITEM, { campaignId: C, from: 'M7', to: 'M3' });
    const d = decided('approve', 'M3');
    const d2 = decided('revoke', 'M3');
    const x = ev('item.expired', ITEM, { campaignId: C, reviewerId: 'M3' });
    expect(items([a, r, d, d2, x], [[item({ state: 'approved', reviewerId: 'M3', reviewerSource: 'delegated' }), decision({ outcome: 'approve', reviewerId: 'M3' })]])).toEqual([
      `review_items row "${ITEM}", but ledger seq ${r.seq} item.reassigned says it was reassigned from "M7": the item was assigned to "M1" then (seq ${a.seq})`,
      `review_items row "${ITEM}", but ledger seq ${d2.seq} decision.recorded says outcome "revoke": decided twice (first at seq ${d.seq}): an item has at most one decision.recorded`,
      `review_items row "${ITEM}", but ledger seq ${x.seq} item.expired says it expired: the item was already approved (seq ${d.seq}): only a pending item expires`,
    ]);
  });

  it('a row without events, an event without row, a decision without its event or its row', () => {
    const other = `${C}/g_2`;
    const a = assigned(other);
    expect(items([a], [[item({ state: 'revoked' }), decision()]])).toEqual([
      `review_items row "${ITEM}" state = "revoked": no ledger event names this item (no item.assigned)`,
      `decisions row "${ITEM}" outcome = "revoke": no decision.recorded event`,
      `ledger seq ${a.seq} item.assigned says item "${other}": no review_items row`,
    ]);
    const a2 = assigned();
    const d = decided();
    expect(items([a2, d], [[item({ state: 'revoked' }), null]])).toEqual([`ledger seq ${d.seq} decision.recorded says item "${ITEM}" outcome "revoke": no decisions row for item "${ITEM}"`]);
    const a3 = assigned();
    expect(items([a3], [[item({ state: 'pending' }), decision()]])).toEqual([`decisions row "${ITEM}" outcome = "revoke": no decision.recorded event for this item`]);
  });
});

function campaign(over: Partial<Campaign> = {}): Campaign {
  return { id: C, reviewId: 'review', period: '2026-Q4', name: 'Q4', state: 'open', openedAt: '2026-10-01T00:00:00.000Z', dueAt: '2026-10-15T00:00:00.000Z', closedAt: null, openedBy: 'scheduler', ...over };
}

function campaigns(events: LedgerEvent[], rows: Campaign[]): string[] {
  const out = new DifferenceList(100);
  const ledger = new CampaignLedger(out);
  for (const e of events) ledger.event(e);
  for (const c of rows) ledger.row(c);
  ledger.finish();
  return out.first.map((d) => d.message);
}

describe('campaigns against campaign.opened / campaign.closed', () => {
  const opened = () => ev('campaign.opened', C, { reviewId: 'review', period: '2026-Q4', dueAt: '2026-10-15T00:00:00.000Z', items: 1 });
  const closed = () => ev('campaign.closed', C, { items: 1 });

  it('opening: none; open: one opened; closed: one of each', () => {
    expect(campaigns([], [campaign({ state: 'opening' })])).toEqual([]);
    expect(campaigns([opened()], [campaign()])).toEqual([]);
    expect(campaigns([opened(), closed()], [campaign({ state: 'closed' })])).toEqual([]);
  });

  it('a state the events do not say, a second event, a content difference, an event without row', () => {
    const o = opened();
    expect(campaigns([o], [campaign({ state: 'opening' })])).toEqual([`campaigns row "${C}" state = "opening", but ledger seq ${o.seq} campaign.opened says the campaign opened`]);
    expect(campaigns([opened()], [campaign({ state: 'closed' })])).toEqual([`campaigns row "${C}" state = "closed": no campaign.closed event`]);
    const o1 = opened();
    const c1 = closed();
    const c2 = closed();
    expect(campaigns([o1, c1, c2], [campaign({ state: 'closed', dueAt: '2027-01-01T00:00:00.000Z' })])).toEqual([
      `campaigns row "${C}", but ledger seq ${c2.seq} campaign.closed says it closed again (first at seq ${c1.seq}): exactly one campaign.closed per campaign`,
      `campaigns row "${C}" dueAt = "2027-01-01T00:00:00.000Z", but ledger seq ${o1.seq} campaign.opened says dueAt "2026-10-15T00:00:00.000Z"`,
    ]);
    const lost = opened();
    expect(campaigns([lost], [])).toEqual([`ledger seq ${lost.seq} campaign.opened says campaign "${C}": no campaigns row`]);
  });
});

function snapshot(over: Partial<Snapshot> = {}): Snapshot {
  return {
    id: 'kms@1', systemId: 'kms', status: 'complete', startedAt: '2026-10-01T00:00:00.000Z', finishedAt: '2026-10-01T00:01:00.000Z', durationMs: 60_000,
    counts: { ...EMPTY_COUNTS, grants: 3 }, problems: [], contentHash: 'abc', previousSnapshotId: null, acceptedBy: null, ...over,
  };
}

function snapshots(events: LedgerEvent[], rows: Snapshot[], current: Snapshot[] = []): string[] {
  const out = new DifferenceList(100);
  const ledger = new SnapshotLedger(out);
  for (const e of events) ledger.event(e);
  for (const s of rows) ledger.row(s);
  ledger.current(new Map(current.map((s) => [s.systemId, s])));
  ledger.finish();
  return out.first.map((d) => d.message);
}

describe('snapshots against sync events', () => {
  const outcome = (type: string, status: string, id = 'kms@1', extra: Record<string, unknown> = {}) => ev(type, 'kms', { snapshotId: id, status, counts: { ...EMPTY_COUNTS, grants: 3 }, contentHash: 'abc', ...extra });

  it('finished snapshots match their outcome event; the current one is the one applied last; a running one has none yet', () => {
    const done = snapshot();
    const failed = snapshot({ id: 'kms@2', status: 'failed', contentHash: null });
    const running = snapshot({ id: 'kms@3', status: 'running' });
    expect(snapshots([outcome('sync.completed', 'complete'), ev('sync.failed', 'kms', { snapshotId: 'kms@2', status: 'failed', counts: done.counts, stale: true })], [done, failed, running], [done])).toEqual([]);
  });

  it('an accepted quarantined snapshot is complete, accepted by the person the event names', () => {
    const q = outcome('sync.quarantined', 'quarantined');
    const acc = ev('sync.quarantine-accepted', 'kms', { snapshotId: 'kms@1' }, 'sec@firm.li');
    expect(snapshots([q, acc], [snapshot({ acceptedBy: 'sec@firm.li' })], [snapshot()])).toEqual([]);
    expect(snapshots([q, acc], [snapshot({ acceptedBy: 'mallory@firm.li' })], [snapshot()])).toEqual([`snapshots row "kms@1" acceptedBy = "mallory@firm.li", but ledger seq ${acc.seq} sync.quarantine-accepted says accepted by "sec@firm.li"`]);
    expect(snapshots([q], [snapshot({ acceptedBy: 'mallory@firm.li' })])).toEqual([
      `snapshots row "kms@1" status = "complete", but ledger seq ${q.seq} sync.quarantined says status "quarantined"`,
      'snapshots row "kms@1" acceptedBy = "mallory@firm.li": no sync.quarantine-accepted event',
    ]);
  });

  it('status, counts and content hash differences; the current snapshot not the one applied last; events without row or snapshot id', () => {
    const c = outcome('sync.completed', 'complete');
    expect(snapshots([c], [snapshot({ status: 'partial', counts: { ...EMPTY_COUNTS, grants: 2 }, contentHash: 'xyz' })])).toEqual([
      `snapshots row "kms@1" status = "partial", but ledger seq ${c.seq} sync.completed says status "complete"`,
      `snapshots row "kms@1" counts = ${JSON.stringify({ ...EMPTY_COUNTS, grants: 2 })}, but ledger seq ${c.seq} sync.completed says counts ${JSON.stringify({ ...EMPTY_COUNTS, grants: 3 })}`,
      `snapshots row "kms@1" contentHash = "xyz", but ledger seq ${c.seq} sync.completed says contentHash "abc"`,
      `ledger seq ${c.seq} sync.completed says snapshot "kms@1" became current: no system_state row for "kms"`,
    ]);
    const c1 = outcome('sync.completed', 'complete');
    const c2 = outcome('sync.completed', 'complete', 'kms@2');
    const older = snapshot();
    expect(snapshots([c1, c2], [older, snapshot({ id: 'kms@2' })], [older])).toEqual([`system_state row "kms" snapshotId = "kms@1", but ledger seq ${c2.seq} sync.completed says the snapshot applied last is "kms@2"`]);
    const running = outcome('sync.failed', 'failed', 'kms@9');
    const nameless = ev('sync.completed', 'kms', { grants: 3 });
    expect(snapshots([running, nameless], [snapshot({ id: 'kms@9', status: 'running' })])).toEqual([
      `ledger seq ${nameless.seq} sync.completed says system "kms" without a snapshotId: the event names no snapshot`,
      `snapshots row "kms@9" status = "running", but ledger seq ${running.seq} sync.failed says status "failed"`,
    ]);
    expect(snapshots([], [snapshot()], [snapshot()])).toEqual([
      'snapshots row "kms@1" status = "complete": no sync event recorded its outcome',
      'system_state row "kms" snapshotId = "kms@1": no sync.completed or sync.quarantine-accepted event applied a snapshot of this system',
    ]);
  });
});

const E1: Evaluation = { id: 'evaluation@1', at: '2026-10-01T00:00:00.000Z', systemIds: ['kms'], policyHash: 'p', counts: {} };
const E2: Evaluation = { id: 'evaluation@2', at: '2026-10-02T00:00:00.000Z', systemIds: ['kms'], policyHash: 'p', counts: {} };

function finding(key: string, over: Partial<StoredFinding> = {}): StoredFinding {
  return {
    key, type: 'dormant', severity: 'medium', systemId: 'kms', grantId: 'g_1', accountId: 'a', identityId: null, role: null, scope: null, ruleId: 'dormant-90d', reason: 'inactive',
    evidence: {}, evaluationId: E1.id, firstSeenAt: E1.at, lastSeenAt: E1.at, resolvedAt: null, ...over,
  };
}

function findings(events: LedgerEvent[], rows: StoredFinding[]): string[] {
  const out = new DifferenceList(100);
  const ledger = new FindingLedger(out);
  for (const e of events) ledger.event(e);
  ledger.evaluations([E1, E2]);
  for (const f of rows) ledger.row(f);
  ledger.finish();
  return out.first.map((d) => d.message);
}

describe('findings against finding.opened / finding.resolved', () => {
  const detail = (type: string, key: string, evaluationId: string, over: Record<string, unknown> = {}) =>
    ev(type, key, { evaluationId, key, type: 'dormant', severity: 'medium', systemId: 'kms', grantId: 'g_1', ruleId: 'dormant-90d', reason: 'inactive', ...over });

  it('each opening and resolution has its detailed event', () => {
    expect(findings([detail('finding.opened', 'k1', E1.id), detail('finding.resolved', 'k1', E2.id)], [finding('k1', { resolvedAt: E2.at })])).toEqual([]);
  });

  it('a resolution without event, an event without row, an edited severity', () => {
    const o = detail('finding.opened', 'k1', E1.id);
    expect(findings([o], [finding('k1', { resolvedAt: E2.at })])).toEqual([`findings row "k1" resolvedAt = "${E2.at}": no finding.resolved event of evaluation "${E2.id}"`]);
    const lost = detail('finding.opened', 'k2', E1.id);
    expect(findings([lost], [])).toEqual([`ledger seq ${lost.seq} finding.opened says finding "k2" (evaluation "${E1.id}"): no findings row opened by that evaluation`]);
    const o3 = detail('finding.opened', 'k3', E1.id);
    expect(findings([o3], [finding('k3', { severity: 'low' })])).toEqual([`findings row "k3" severity = "low", but ledger seq ${o3.seq} finding.opened says severity "medium"`]);
    // Refreshed by a later evaluation: its severity may have changed without an event.
    expect(findings([detail('finding.opened', 'k3', E1.id)], [finding('k3', { severity: 'low', evaluationId: E2.id })])).toEqual([]);
  });

  it('a summary event covers the rows it counts and hashes', () => {
    const keys = ['k1', 'k2', 'k3'];
    const summary = (count: number) => ev('finding.opened', `evaluation:${E1.id}`, { evaluationId: E1.id, summary: true, count, keysSha256: createHash('sha256').update([...keys].sort().join('\n')).digest('hex') });
    expect(findings([summary(3)], keys.map((k) => finding(k)))).toEqual([]);
    const s = summary(3);
    expect(findings([s], keys.slice(0, 2).map((k) => finding(k)))).toEqual([`ledger seq ${s.seq} finding.opened says count 3: 2 findings rows were opened by evaluation "${E1.id}"`]);
  });
});

describe('reconcileLedger over a store', () => {
  /** A store with one assigned item whose decision commits (row and event) while a run reads the rows. */
  async function decidedDuringTheRead(): Promise<{ store: Store; racing: Store }> {
    const store = openSqliteStore({ memory: true });
    await store.campaigns.create(campaign());
    await store.ledger.append([{ type: 'campaign.opened', actor: 's', subject: C, data: {} }]);
    await store.campaigns.addItems([item()], () => [{ type: 'item.assigned', actor: 's', subject: ITEM, data: assigned().data }]);
    let decidedMeanwhile = false;
    const campaigns = Object.create(store.campaigns) as Store['campaigns'];
    campaigns.itemStatesWithDecisions = async function* (id: string) {
      if (!decidedMeanwhile) {
        decidedMeanwhile = true;
        await store.campaigns.decide(decision(), () => [{ type: 'decision.recorded', actor: 'm1', subject: ITEM, data: decided().data }]);
      }
      yield* store.campaigns.itemStatesWithDecisions(id);
    };
    return { store, racing: { ...store, campaigns } };
  }

  it('a run whose rows changed under it sees a difference that is not one; repeated once the head stops moving, it agrees', async () => {
    const once = await decidedDuringTheRead();
    expect(await reconcileLedger(once.racing, {}, 1)).toMatchObject({ ok: false, count: 2 });
    await once.store.close();
    const settled = await decidedDuringTheRead();
    expect(await reconcileLedger(settled.racing)).toMatchObject({ ok: true, count: 0, checked: { campaigns: 1, items: 1, decisions: 1, events: 3 } });
    await settled.store.close();
  });

  it('a real difference stays one however often it is read', async () => {
    const { store } = await decidedDuringTheRead();
    await store.campaigns.decide(decision(), () => []);
    expect(await reconcileLedger(store)).toMatchObject({ ok: false, count: 2 });
    await store.close();
  });
});
