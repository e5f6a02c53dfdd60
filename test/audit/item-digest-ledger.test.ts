/**
 * ItemDigestLedger (the small-memory first step of the item reconciliation) against ItemLedger:
 * on every case where ItemLedger finds a difference it must not prove agreement (else a
 * difference would go unreported); where the events follow iam-review's own way and the rows
 * agree, it proves it (else the fast step would never be taken). And reconcileLedger over a
 * real store reads the ledger once when the rows agree, twice (ItemLedger naming them) when not.
 */
import { describe, expect, it } from 'vitest';
import { ItemDigestLedger } from '../../src/audit/item-digest-ledger.js';
import { ItemLedger } from '../../src/audit/item-ledger.js';
import { DifferenceList } from '../../src/audit/ledger-difference.js';
import { reconcileLedger } from '../../src/audit/reconcile-ledger.js';
import type { Campaign, Decision, LedgerEvent, ReviewItem } from '../../src/domain/index.js';
import { stageDecisionId } from '../../src/domain/index.js';
import type { Store } from '../../src/store/ports.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { C, decision, ev, item, ITEM } from './item-rows-fixture.js';

const ITEM2 = `${C}/g_2`;

const assigned = (id = ITEM, over: Record<string, unknown> = {}) =>
  ev('item.assigned', id, { campaignId: C, grantId: 'g_1', systemId: 'trading', accountId: 'alice', role: 'TRADER', reviewerId: 'M1', reviewerSource: 'manager', detail: { path: '/x' }, findings: [], ...over });
const decided = (id = ITEM, over: Record<string, unknown> = {}) =>
  ev('decision.recorded', id, { campaignId: C, outcome: 'revoke', state: 'revoked', reviewerId: 'M1', channel: 'slack', justification: 'not needed any more', simulated: false, ...over });
const reassigned = (from: string, to: string) => ev('item.reassigned', ITEM, { campaignId: C, from, to });
const expired = () => ev('item.expired', ITEM, { campaignId: C, reviewerId: 'M1' });
const passedOn = () => decided(ITEM, { outcome: 'approve', state: 'pending' });
const advanced = (reviewerId = 'O1') => ev('item.advanced', ITEM, { campaignId: C, stage: 2, fromStage: 1, reviewerId, reviewerSource: 'systemOwner' });
const stageRow = (over: Partial<Decision> = {}) => decision({ id: stageDecisionId(ITEM, 1), outcome: 'approve', justification: 'not needed any more', ...over });

interface Case {
  events: LedgerEvent[];
  rows: [ReviewItem, Decision | null][];
  stageRows?: Decision[];
}

function exact(c: Case): string[] {
  const out = new DifferenceList(100);
  const ledger = new ItemLedger(out);
  for (const e of c.events) ledger.event(e);
  for (const [i, d] of c.rows) ledger.row(i, d);
  for (const d of c.stageRows ?? []) ledger.stageDecisionRow(d);
  ledger.finish();
  return out.first.map((d) => d.message);
}

function proven(c: Case): boolean {
  const ledger = new ItemDigestLedger();
  for (const e of c.events) ledger.event(e);
  for (const [i, d] of c.rows) ledger.row(i, d);
  for (const d of c.stageRows ?? []) ledger.stageDecisionRow(d);
  ledger.finish();
  return ledger.proven();
}

const DETAIL = { detail: { path: '/x' } };
const revoked = (over: Partial<ReviewItem> = {}) => item({ state: 'revoked', decisionId: ITEM, ...DETAIL, ...over });

/** Rows and events that agree, along iam-review's own way. */
const agreeing: Record<string, () => Case> = {
  pending: () => ({ events: [assigned()], rows: [[item(DETAIL), null]] }),
  'revoked with its decision': () => ({ events: [assigned(), decided()], rows: [[revoked(), decision()]] }),
  'approved through approve-all, entered by an operator': () => ({
    events: [assigned(), decided(ITEM, { outcome: 'approve', state: 'approved', approveAll: true, operator: 'helpdesk@firm.li', justification: null })],
    rows: [[item({ state: 'approved', ...DETAIL }), decision({ outcome: 'approve', approveAll: true, operator: 'helpdesk@firm.li', justification: null })]],
  }),
  'reassigned then decided': () => ({ events: [assigned(), reassigned('M1', 'M3'), decided(ITEM, { reviewerId: 'M3' })], rows: [[revoked({ reviewerId: 'M3', reviewerSource: 'delegated' }), decision({ reviewerId: 'M3' })]] }),
  expired: () => ({ events: [assigned(), expired()], rows: [[item({ state: 'expired', ...DETAIL }), null]] }),
  'passed on, advanced, decided at stage 2': () => ({
    events: [assigned(), passedOn(), advanced(), decided(ITEM, { reviewerId: 'O1', stage: 2 })],
    rows: [[revoked({ reviewerId: 'O1', reviewerSource: 'systemOwner', stage: 2 }), decision({ reviewerId: 'O1', stage: 2 })]],
    stageRows: [stageRow()],
  }),
  'two items, without a detail': () => ({
    events: [assigned(ITEM, { detail: undefined }), assigned(ITEM2, { detail: undefined }), decided(ITEM2)],
    rows: [[item(), null], [item({ id: ITEM2, state: 'revoked', decisionId: ITEM2 }), decision({ id: ITEM2, itemId: ITEM2 })]],
  }),
};

/** Cases where ItemLedger finds a difference: rows edited, rows or events missing, events off the way. */
const differing: Record<string, () => Case> = {
  'item state': () => ({ events: [assigned(), decided()], rows: [[revoked({ state: 'approved' }), decision()]] }),
  'item reviewer': () => ({ events: [assigned()], rows: [[item({ ...DETAIL, reviewerId: 'M9' }), null]] }),
  'item system': () => ({ events: [assigned()], rows: [[item({ ...DETAIL, systemId: 'other' }), null]] }),
  'item account': () => ({ events: [assigned()], rows: [[item({ ...DETAIL, accountId: 'mallory' }), null]] }),
  'item role': () => ({ events: [assigned()], rows: [[item({ ...DETAIL, role: 'ADMIN' }), null]] }),
  'item detail': () => ({ events: [assigned()], rows: [[item({ detail: { path: '/y' } }), null]] }),
  'item source': () => ({ events: [assigned()], rows: [[item({ ...DETAIL, reviewerSource: 'fallback' }), null]] }),
  'item stage': () => ({ events: [assigned()], rows: [[item({ ...DETAIL, stage: 2 }), null]] }),
  'expired item state': () => ({ events: [assigned(), expired()], rows: [[item({ state: 'pending', ...DETAIL }), null]] }),
  'expired item reviewer': () => ({ events: [assigned(), expired()], rows: [[item({ state: 'expired', ...DETAIL, reviewerId: 'M2' }), null]] }),
  'decision outcome': () => ({ events: [assigned(), decided()], rows: [[revoked(), decision({ outcome: 'approve' })]] }),
  'decision reviewer': () => ({ events: [assigned(), decided()], rows: [[revoked(), decision({ reviewerId: 'M9' })]] }),
  'decision channel': () => ({ events: [assigned(), decided()], rows: [[revoked(), decision({ channel: 'cli' })]] }),
  'decision justification': () => ({ events: [assigned(), decided()], rows: [[revoked(), decision({ justification: 'edited' })]] }),
  'decision operator': () => ({ events: [assigned(), decided()], rows: [[revoked(), decision({ operator: 'someone@firm.li' })]] }),
  'decision approve-all': () => ({ events: [assigned(), decided()], rows: [[revoked(), decision({ approveAll: true })]] }),
  'decision simulated': () => ({ events: [assigned(), decided()], rows: [[revoked(), decision({ simulated: true })]] }),
  'decision stage': () => ({ events: [assigned(), decided()], rows: [[revoked(), decision({ stage: 2 })]] }),
  'a row without events': () => ({ events: [], rows: [[item(DETAIL), null]] }),
  'an item without row': () => ({ events: [assigned()], rows: [] }),
  'a decision without its row': () => ({ events: [assigned(), decided()], rows: [[revoked(), null]] }),
  'a decision row without its event': () => ({ events: [assigned()], rows: [[item(DETAIL), decision()]] }),
  'a decision row on an expired item': () => ({ events: [assigned(), expired()], rows: [[item({ state: 'expired', ...DETAIL }), decision()]] }),
  'assigned twice': () => ({ events: [assigned(), assigned()], rows: [[item(DETAIL), null]] }),
  'reassigned from another reviewer': () => ({ events: [assigned(), reassigned('M7', 'M3')], rows: [[item({ ...DETAIL, reviewerId: 'M3', reviewerSource: 'delegated' }), null]] }),
  'decided twice': () => ({ events: [assigned(), decided(), decided()], rows: [[revoked(), decision()]] }),
  'expired after the decision': () => ({ events: [assigned(), decided(), expired()], rows: [[revoked(), decision()]] }),
  'reassigned after the decision': () => ({ events: [assigned(), decided(), reassigned('M1', 'M3')], rows: [[revoked({ reviewerId: 'M3', reviewerSource: 'delegated' }), decision()]] }),
  'reassigned after the decision, to its own reviewer (nothing else changes)': () => ({ events: [assigned(), decided(), reassigned('M1', 'M1')], rows: [[revoked(), decision()]] }),
  'passed on without item.advanced': () => ({ events: [assigned(), passedOn()], rows: [[item(DETAIL), null]], stageRows: [stageRow()] }),
  'advanced without a decision passing it on': () => ({ events: [assigned(), advanced()], rows: [[item({ ...DETAIL, reviewerId: 'O1', reviewerSource: 'systemOwner', stage: 2 }), null]] }),
  'a stage decision edited': () => ({ events: [assigned(), passedOn(), advanced()], rows: [[item({ ...DETAIL, reviewerId: 'O1', reviewerSource: 'systemOwner', stage: 2 }), null]], stageRows: [stageRow({ outcome: 'revoke' })] }),
  'a stage decision missing': () => ({ events: [assigned(), passedOn(), advanced()], rows: [[item({ ...DETAIL, reviewerId: 'O1', reviewerSource: 'systemOwner', stage: 2 }), null]] }),
  'a decision at another stage': () => ({ events: [assigned(), decided(ITEM, { stage: 2 })], rows: [[revoked(), decision({ stage: 2 })]] }),
  'two items, their rows swapped': () => ({
    events: [assigned(ITEM), assigned(ITEM2, { accountId: 'bob' })],
    rows: [[item(DETAIL), null], [item({ id: ITEM2, ...DETAIL }), null]],
  }),
};

describe('ItemDigestLedger: proves agreement only where ItemLedger finds none', () => {
  for (const [name, make] of Object.entries(agreeing)) {
    it(`agrees: ${name}`, () => {
      const c = make();
      expect(exact(c)).toEqual([]);
      expect(proven(c)).toBe(true);
    });
  }
  for (const [name, make] of Object.entries(differing)) {
    it(`does not prove: ${name}`, () => {
      const c = make();
      expect(exact(c)).not.toEqual([]);
      expect(proven(c)).toBe(false);
    });
  }

  it('fields an (older) event does not carry: not proven, so ItemLedger (which does not compare them) decides', () => {
    const c: Case = { events: [ev('item.assigned', ITEM, { campaignId: C, reviewerId: 'M1' }), ev('decision.recorded', ITEM, { campaignId: C, outcome: 'approve', reviewerId: 'M1' })], rows: [[item({ state: 'approved', role: 'ANY' }), decision({ outcome: 'approve', channel: 'cli', justification: null })]] };
    expect(exact(c)).toEqual([]);
    expect(proven(c)).toBe(false);
  });
});

describe('reconcileLedger: the ledger read again only when the digest cannot prove agreement', () => {
  const campaign: Campaign = { id: C, reviewId: 'review', period: '2026-Q4', name: 'Q4', state: 'open', openedAt: '2026-10-01T00:00:00.000Z', dueAt: '2026-10-15T00:00:00.000Z', closedAt: null, openedBy: 'scheduler' };

  async function withReads(decide: boolean): Promise<{ store: Store; counted: Store; reads: () => number }> {
    const store = openSqliteStore({ memory: true });
    await store.campaigns.create(campaign);
    await store.ledger.append([{ type: 'campaign.opened', actor: 's', subject: C, data: {} }]);
    await store.campaigns.addItems([item(DETAIL)], () => [{ type: 'item.assigned', actor: 's', subject: ITEM, data: assigned().data }]);
    if (decide) await store.campaigns.decide(decision(), () => [{ type: 'decision.recorded', actor: 'm1', subject: ITEM, data: decided().data }]);
    let reads = 0;
    const ledger = Object.create(store.ledger) as Store['ledger'];
    ledger.readStored = (from, to) => {
      reads++;
      return store.ledger.readStored(from, to);
    };
    return { store, counted: { ...store, ledger }, reads: () => reads };
  }

  it('rows that agree: one read of the ledger', async () => {
    const { store, counted, reads } = await withReads(true);
    expect(await reconcileLedger(counted)).toMatchObject({ ok: true, count: 0, checked: { items: 1, decisions: 1, events: 3 } });
    expect(reads()).toBe(1);
    await store.close();
  });

  it('a decision written without its event: read again, and ItemLedger names the rows', async () => {
    const { store, counted, reads } = await withReads(false);
    await store.campaigns.decide(decision(), () => []);
    const r = await reconcileLedger(counted, {}, 1);
    expect(r).toMatchObject({ ok: false, count: 2, checked: { items: 1, decisions: 1, events: 2 } });
    expect(r.differences.map((d) => d.message)).toEqual([
      `review_items row "${ITEM}" state = "revoked", but ledger seq 2 item.assigned says state "pending"`,
      `decisions row "${ITEM}" outcome = "revoke": no decision.recorded event for this item`,
    ]);
    expect(reads()).toBe(2);
    await store.close();
  });
});
