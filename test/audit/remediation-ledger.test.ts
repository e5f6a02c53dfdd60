/**
 * Remediation rows against their events (pure: events and rows in, differences out), and the
 * reconciliation of the remediations table over a real store, whole or scoped to campaigns.
 */
import { describe, expect, it } from 'vitest';
import { DifferenceList } from '../../src/audit/ledger-difference.js';
import type { Reconciliation } from '../../src/audit/reconcile-ledger.js';
import { reconcileLedger } from '../../src/audit/reconcile-ledger.js';
import { campaignOfRemediationEvent, RemediationLedger } from '../../src/audit/remediation-ledger.js';
import type { LedgerEvent, Remediation, Snapshot } from '../../src/domain/index.js';
import { EMPTY_COUNTS } from '../../src/domain/index.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { remediationFor } from '../store/remediation-ledger-contract.js';
import { campaign, grant as storeGrant, item } from '../store/store-fixtures.js';

let seq = 0;
function ev(type: string, subject: string, data: Record<string, unknown>, actor = 'someone'): LedgerEvent {
  return { seq: ++seq, at: '2026-10-01T00:00:00.000Z', type, actor, subject, data, prevHash: '', hash: '' };
}

const C = 'review:2026-Q4';
const ITEM = `${C}/g_1`;
const ID = `rem:${ITEM}`;
const DUE = '2026-10-04T00:00:00.000Z';

function remediation(over: Partial<Remediation> = {}): Remediation {
  return {
    id: ID, itemId: ITEM, campaignId: C, grantId: 'g_1', systemId: 'trading', accountId: 'alice', role: 'TRADER', scope: '', reason: { kind: 'decision', ref: ITEM },
    requestedBy: 'm1@firm.li', openedAt: '2026-10-01T00:00:00.000Z', dueAt: DUE, state: 'open', requestedAt: null, claimedAt: null, claimedBy: null, claimNote: null,
    overdueAt: null, verifiedAt: null, verifiedSnapshotId: null, verifiedSnapshotHash: null, reappearedAt: null, reappearedSnapshotId: null, failure: null,
    updatedAt: '2026-10-01T00:00:00.000Z', ...over,
  };
}

function snapshot(over: Partial<Snapshot> = {}): Snapshot {
  return {
    id: 'trading@2', systemId: 'trading', status: 'complete', startedAt: '2026-10-02T00:00:00.000Z', finishedAt: '2026-10-02T00:01:00.000Z', durationMs: 60_000,
    counts: { ...EMPTY_COUNTS }, problems: [], contentHash: 'h2', previousSnapshotId: null, acceptedBy: null, ...over,
  };
}

const grant = { systemId: 'trading', grantId: 'g_1', accountId: 'alice', role: 'TRADER', scope: '' };
const opened = (id = ID, over: Record<string, unknown> = {}) =>
  ev('remediation.opened', id, { ...grant, itemId: ITEM, campaignId: C, reason: { kind: 'decision', ref: ITEM }, requestedBy: 'm1@firm.li', dueAt: DUE, slaHours: 72, state: 'open', ...over });
const claimed = (from = 'open', by = 'owner@firm.li') => ev('remediation.claimed', ID, { ...grant, from, by, note: 'done in the console' });
const verified = (from = 'claimed', snapshotId = 'trading@2', snapshotHash = 'h2') => ev('remediation.verified', ID, { ...grant, from, snapshotId, snapshotHash, dueAt: DUE, verifiedAt: '2026-10-02T00:02:00.000Z' });
const overdue = (from = 'open') => ev('remediation.overdue', ID, { ...grant, from, dueAt: DUE, overdueAt: '2026-10-04T01:00:00.000Z' });

const claimedRow = { state: 'claimed' as const, claimedAt: '2026-10-01T12:00:00.000Z', claimedBy: 'owner@firm.li', claimNote: 'done in the console' };
const verifiedRow = { ...claimedRow, state: 'verified' as const, verifiedAt: '2026-10-02T00:02:00.000Z', verifiedSnapshotId: 'trading@2', verifiedSnapshotHash: 'h2' };

function remediations(events: LedgerEvent[], rows: Remediation[], snapshots: Snapshot[] = [snapshot()]): string[] {
  const out = new DifferenceList(100);
  const ledger = new RemediationLedger(out);
  for (const e of events) ledger.event(e);
  ledger.snapshots(snapshots);
  for (const r of rows) ledger.row(r);
  ledger.finish();
  return out.first.map((d) => d.message);
}

describe('remediations against their events', () => {
  it('a replay that ends where the row is has no difference (opened, claimed, verified; overdue, then claimed)', () => {
    expect(remediations([opened()], [remediation()])).toEqual([]);
    expect(remediations([opened(), claimed(), verified()], [remediation(verifiedRow)])).toEqual([]);
    expect(remediations([opened(), overdue(), claimed('overdue')], [remediation({ ...claimedRow, overdueAt: '2026-10-04T01:00:00.000Z' })])).toEqual([]);
  });

  it('a row edited from open to verified by a made-up snapshot: its state, the fields no event set, the snapshot', () => {
    const o = opened();
    const row = remediation({ state: 'verified', verifiedAt: '2026-10-02T00:00:00.000Z', verifiedSnapshotId: 'trading@made-up', verifiedSnapshotHash: 'feed' });
    expect(remediations([o], [row])).toEqual([
      `remediations row "${ID}" state = "verified", but ledger seq ${o.seq} remediation.opened says state "open"`,
      `remediations row "${ID}" verifiedSnapshotId = "trading@made-up": no remediation.verified event`,
      `remediations row "${ID}" verifiedSnapshotHash = "feed": no remediation.verified event`,
      `remediations row "${ID}" verifiedAt = "2026-10-02T00:00:00.000Z": no remediation.verified event`,
      `remediations row "${ID}" verifiedSnapshotId = "trading@made-up": no snapshots row has that id`,
    ]);
  });

  it('what remediation.opened says (grant, reason, requester, due time) must be the row\'s', () => {
    const o = opened();
    expect(remediations([o], [remediation({ dueAt: '2027-01-01T00:00:00.000Z', accountId: 'bob', reason: { kind: 'decision', ref: `${C}/g_9` } })])).toEqual([
      `remediations row "${ID}" accountId = "bob", but ledger seq ${o.seq} remediation.opened says accountId "alice"`,
      `remediations row "${ID}" dueAt = "2027-01-01T00:00:00.000Z", but ledger seq ${o.seq} remediation.opened says dueAt "${DUE}"`,
      `remediations row "${ID}" reason.ref = "${C}/g_9", but ledger seq ${o.seq} remediation.opened says reason.ref "${ITEM}"`,
    ]);
  });

  it('the fields a transition sets are those its last event says', () => {
    const c = claimed();
    const v = verified();
    expect(remediations([opened(), c, v], [remediation({ ...verifiedRow, claimedBy: 'mallory@firm.li', verifiedSnapshotHash: 'h1' })])).toEqual([
      `remediations row "${ID}" claimedBy = "mallory@firm.li", but ledger seq ${c.seq} remediation.claimed says by "owner@firm.li"`,
      `remediations row "${ID}" verifiedSnapshotHash = "h1", but ledger seq ${v.seq} remediation.verified says snapshotHash "h2"`,
      `remediations row "${ID}" verifiedSnapshotId = "trading@2": snapshot "trading@2" has contentHash "h2", the row says "h1"`,
    ]);
    const o = overdue();
    expect(remediations([opened(), o], [remediation({ state: 'overdue', overdueAt: '2026-10-05T00:00:00.000Z' })])).toEqual([
      `remediations row "${ID}" overdueAt = "2026-10-05T00:00:00.000Z", but ledger seq ${o.seq} remediation.overdue says overdueAt "2026-10-04T01:00:00.000Z"`,
    ]);
    // A field its event does not carry (claimedAt): only whether there is such an event.
    expect(remediations([opened()], [remediation({ claimedAt: '2026-10-01T12:00:00.000Z' })])).toEqual([`remediations row "${ID}" claimedAt = "2026-10-01T12:00:00.000Z": no remediation.claimed event`]);
    // An older event that does not carry a field: not compared.
    const older = ev('remediation.overdue', ID, { from: 'open', dueAt: DUE });
    expect(remediations([opened(), older], [remediation({ state: 'overdue', overdueAt: '2026-10-05T00:00:00.000Z' })])).toEqual([]);
  });

  it('events that do not follow from the replayed state: a second opened, a move from another state, a move the domain forbids, overdue twice, a move before opened', () => {
    const o = opened();
    const again = opened();
    expect(remediations([o, again], [remediation()])).toEqual([`remediations row "${ID}", but ledger seq ${again.seq} remediation.opened says it was opened: opened twice (first at seq ${o.seq}): a remediation has exactly one remediation.opened`]);
    const o2 = opened();
    const wrongFrom = claimed('requested');
    expect(remediations([o2, wrongFrom], [remediation(claimedRow)])).toEqual([
      `remediations row "${ID}", but ledger seq ${wrongFrom.seq} remediation.claimed says it moved from "requested" to "claimed": the remediation was open (seq ${o2.seq} remediation.opened)`,
    ]);
    const c = claimed();
    const v = verified();
    const late = claimed('verified');
    expect(remediations([opened(), c, v, late], [remediation({ ...verifiedRow, state: 'claimed' })])).toEqual([
      `remediations row "${ID}", but ledger seq ${late.seq} remediation.claimed says it moved to "claimed": the remediation was verified (seq ${v.seq} remediation.verified), which does not move to claimed`,
    ]);
    const o3 = overdue();
    const f = ev('remediation.failed', ID, { from: 'overdue', failure: 'ticket endpoint down' });
    const o4 = overdue('failed');
    expect(remediations([opened(), o3, f, o4], [remediation({ state: 'overdue', overdueAt: '2026-10-04T01:00:00.000Z', failure: 'ticket endpoint down' })])).toEqual([
      `remediations row "${ID}", but ledger seq ${o4.seq} remediation.overdue says it became overdue: marked overdue twice (first at seq ${o3.seq}): a remediation is marked overdue once`,
    ]);
    const early = claimed();
    const o5 = opened();
    expect(remediations([early, o5], [remediation(claimedRow)])).toEqual([
      `remediations row "${ID}", but ledger seq ${early.seq} remediation.claimed says it moved to "claimed": the remediation was not opened then: a remediation is opened before anything else happens to it`,
      `remediations row "${ID}", but ledger seq ${o5.seq} remediation.opened says it was opened: after seq ${early.seq} remediation.claimed (a remediation is opened before anything else happens to it)`,
    ]);
  });

  it('a row without events, events without row, a row whose events lack remediation.opened', () => {
    const other = `rem:${C}/g_2`;
    const o = opened(other);
    expect(remediations([o], [remediation()])).toEqual([
      `remediations row "${ID}" state = "open": no ledger event names this remediation (no remediation.opened)`,
      `ledger seq ${o.seq} remediation.opened says remediation "${other}": no remediations row`,
    ]);
    const c = claimed();
    expect(remediations([c], [remediation(claimedRow)])).toEqual([
      `remediations row "${ID}", but ledger seq ${c.seq} remediation.claimed says it moved to "claimed": the remediation was not opened then: a remediation is opened before anything else happens to it`,
      `remediations row "${ID}": no remediation.opened event (its first event is seq ${c.seq} remediation.claimed)`,
    ]);
  });

  it('a verified snapshot that is not a complete snapshot of the remediation\'s system', () => {
    const events = () => [opened(), claimed(), verified()];
    const row = remediation(verifiedRow);
    expect(remediations(events(), [row], [snapshot({ status: 'partial' })])).toEqual([`remediations row "${ID}" verifiedSnapshotId = "trading@2": snapshot "trading@2" is partial: only a complete snapshot verifies a removal`]);
    expect(remediations(events(), [row], [snapshot({ systemId: 'kms' })])).toEqual([`remediations row "${ID}" verifiedSnapshotId = "trading@2": snapshot "trading@2" is of "kms", not of the remediation's system "trading"`]);
    expect(remediations(events(), [row], [])).toEqual([`remediations row "${ID}" verifiedSnapshotId = "trading@2": no snapshots row has that id`]);
  });

  it('the campaign of a remediation event: data.campaignId, else its item\'s; none for a finding\'s', () => {
    expect(campaignOfRemediationEvent(opened())).toBe(C);
    expect(campaignOfRemediationEvent(claimed())).toBe(C);
    expect(campaignOfRemediationEvent(ev('remediation.opened', 'rem:finding:k1', { campaignId: null }))).toBeNull();
    expect(campaignOfRemediationEvent(ev('remediation.claimed', 'rem:finding:k1', {}))).toBeNull();
  });
});

describe('the remediations table over a store', () => {
  it('reconciled whole, and scoped to a campaign (only the remediations of its items)', async () => {
    const store = openSqliteStore({ memory: true });
    const [mine, theirs] = await Promise.all(['review', 'other'].map(async (reviewId) => {
      const c = (await store.campaigns.create(campaign(reviewId, '2026-Q4'))).campaign;
      const i = item(c, storeGrant('trading', 'alice', 'TRADER'), 'M1');
      await store.campaigns.addItems([i], () => []);
      return remediationFor(i);
    }));
    await store.remediations.open([mine!], (rs) => rs.map((r) => ({ type: 'remediation.opened', actor: 'test', subject: r.id, data: { itemId: r.itemId, campaignId: r.campaignId, dueAt: r.dueAt, state: r.state } })));
    // Theirs has no event, and an event of the other campaign has no row: differences of the whole table, not of the first campaign's.
    await store.remediations.open([theirs!], () => []);
    const lost = `rem:${theirs!.campaignId}/g_lost`;
    const [event] = await store.ledger.append([{ type: 'remediation.opened', actor: 'test', subject: lost, data: { campaignId: theirs!.campaignId, state: 'open' } }]);
    const ofRemediations = (r: Reconciliation) => r.differences.filter((d) => d.row?.table === 'remediations' || d.event?.type.startsWith('remediation.')).map((d) => d.message);
    const whole = await reconcileLedger(store, { limit: 100 });
    expect(ofRemediations(whole)).toEqual([
      `remediations row "${theirs!.id}" state = "open": no ledger event names this remediation (no remediation.opened)`,
      `ledger seq ${event!.seq} remediation.opened says remediation "${lost}": no remediations row`,
    ]);
    expect(whole.checked.remediations).toBe(2);
    const scoped = await reconcileLedger(store, { campaignIds: new Set([mine!.campaignId!]), limit: 100 });
    expect(ofRemediations(scoped)).toEqual([]);
    expect(scoped.checked.remediations).toBe(1);
    await store.close();
  });
});
