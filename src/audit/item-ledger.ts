/**
 * Review items and decisions against their ledger events (`audit verify`, exports).
 *
 * The events are replayed per item, in seq order: item.assigned -> pending with its reviewer;
 * item.reassigned -> reviewer = data.to; decision.recorded -> data.state (else the outcome's
 * state); item.expired -> expired. Multi-stage reviews: a decision.recorded with state 'pending'
 * passed the item on from its stage (data.stage, absent: 1; its row is a stage decision,
 * compared by StageDecisionLedger), and the item.advanced that follows it sets the item's stage,
 * reviewer and source; a decision is at the item's replayed stage. Then every item row (with its decision row) is compared with
 * its replay: state, reviewer and what was assigned (system, account, role, source, the grant's
 * detail), and the decision's outcome, reviewer, channel, justification, simulated flag and
 * operator, and whether it came through approve-all. Fields an event does not carry are not
 * compared (older events carry fewer), except the detail, the operator and approveAll: an
 * item.assigned without a detail says the item had none, a decision.recorded without an
 * operator says nobody entered it on the reviewer's behalf, one without approveAll that it
 * was a decision on the one item. Timestamps are not compared
 * (the event's time is the clock's when it was recorded, not the row's).
 *
 * Differences: a second item.assigned or settling decision.recorded for an item, an event that
 * does not follow from the item's replayed state (a decision on an item no longer pending or at
 * another stage, a reassignment from another reviewer, an item.advanced without the decision
 * that passed it on), a row without events, an event without row.
 *
 * Memory: one fixed-size record per item whose events were read (RecordColumns, ~100 bytes)
 * and its id, account and justification in StringTables (their characters); values that
 * repeat across items (reviewers, systems, roles...) are stored once (SharedValues). About 200
 * bytes per item, off the JS heap.
 */
import type { Decision, GrantDetail, LedgerEvent } from '../domain/index.js';
import { grantDetailText } from '../domain/index.js';
import { EVENT } from './event-types.js';
import type { DifferenceList } from './ledger-difference.js';
import { difference, eventRef, rowRef, show } from './ledger-difference.js';
import { RecordColumns } from './record-columns.js';
import { SharedValues } from './shared-values.js';
import { StageDecisionLedger } from './stage-decision-ledger.js';
import { StringTable } from './string-table.js';
import type { ItemStateWithDecision } from '../store/ports.js';

const ITEM_EVENTS: ReadonlySet<string> = new Set([EVENT.itemAssigned, EVENT.itemReassigned, EVENT.itemAdvanced, EVENT.decisionRecorded, EVENT.itemExpired]);

// An item's record: what its events said so far. Seqs are 0 until an event set them; codes are
// value codes (SharedValues; ACCOUNT and JUSTIFICATION: the texts StringTable), 0 where no
// event said; the *_TYPE codes name the type of the event of the seq beside them.
const FIRST = 0;
const ASSIGNED = 1;
const STATE = 2;
const REVIEWER = 3;
const DECISION = 4;
/** The event that set the reviewer source and stage: item.assigned, or the last item.advanced. */
const SOURCE_AT = 5;
const SEQS = 6;

const FIRST_TYPE = 0;
const STATE_CODE = 1;
const STATE_TYPE = 2;
const REVIEWER_CODE = 3;
const REVIEWER_TYPE = 4;
const REASSIGNED = 5;
const SYSTEM = 6;
const ACCOUNT = 7;
const ROLE = 8;
const SOURCE = 9;
const OUTCOME = 10;
const DECIDED_BY = 11;
const CHANNEL = 12;
const JUSTIFICATION = 13;
/** 0: no event said, 1: false, 2: true. */
const SIMULATED = 14;
/** 1 once the item's row was compared. */
const SEEN = 15;
/** The grant detail the item was assigned with (texts code of its canonical JSON; null: none). */
const DETAIL = 16;
/** Who entered the decision on the reviewer's behalf (absent from the event: null, the reviewer themselves). */
const OPERATOR = 17;
/** Recorded through approve-all: 1 no (absent from the event: a decision on the one item), 2 yes. */
const APPROVE_ALL = 18;
/** The item's stage (the number itself; 0: no item.advanced, stage 1). */
const STAGE = 19;
/** A decision passed the item on from this stage (the number) and its item.advanced is still to come; 0: none. */
const AWAITING = 20;
/** The stage the settling decision was made at (the number; 0: stage 1). */
const DECISION_STAGE = 21;
const CODES = 22;

/** The campaign of an item event: data.campaignId, else the item id's prefix (`${campaignId}/${grantId}`). */
export function campaignOfItemEvent(e: LedgerEvent): string {
  const c = e.data.campaignId;
  if (typeof c === 'string') return c;
  const slash = e.subject.lastIndexOf('/');
  return slash < 0 ? e.subject : e.subject.slice(0, slash);
}

export function isItemEvent(type: string): boolean {
  return ITEM_EVENTS.has(type);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export class ItemLedger {
  /** Item ids: an item's number in this table is its record's. */
  private readonly ids = new StringTable();
  private readonly records = new RecordColumns(SEQS, CODES);
  /** Values that repeat across items: types, states, reviewers, systems, roles, sources, channels, outcomes. */
  private readonly values = new SharedValues();
  /** Values of one item or a few: accounts, justifications. */
  private readonly texts = new StringTable();

  private readonly stageDecisions: StageDecisionLedger;

  constructor(private readonly out: DifferenceList) {
    this.stageDecisions = new StageDecisionLedger(out);
  }

  /** One event of the ledger, in seq order (events of other types are ignored). */
  event(e: LedgerEvent): void {
    if (!ITEM_EVENTS.has(e.type)) return;
    let t = this.ids.intern(e.subject);
    // A new id gets the next number, which is the next record's.
    if (t === this.records.size) {
      t = this.records.add();
      this.records.setSeq(t, FIRST, e.seq);
      this.records.setCode(t, FIRST_TYPE, this.values.codeOf(e.type));
    }
    switch (e.type) {
      case EVENT.itemAssigned:
        return this.assigned(e, t);
      case EVENT.itemReassigned:
        return this.reassigned(e, t);
      case EVENT.itemAdvanced:
        return this.advanced(e, t);
      case EVENT.decisionRecorded:
        return this.decided(e, t);
      case EVENT.itemExpired:
        return this.expired(e, t);
    }
  }

  private assigned(e: LedgerEvent, t: number): void {
    const r = this.records;
    const item = rowRef('review_items', e.subject);
    const first = r.seq(t, ASSIGNED);
    if (first !== 0) {
      this.out.add(difference(item, eventRef(e, `it was assigned to ${show(e.data.reviewerId)}`), `assigned twice (first at seq ${first}): an item has exactly one item.assigned`));
      return;
    }
    r.setSeq(t, ASSIGNED, e.seq);
    r.setSeq(t, SOURCE_AT, e.seq);
    r.setCode(t, SYSTEM, this.values.codeOf(text(e.data.systemId)));
    r.setCode(t, ACCOUNT, this.texts.codeOf(text(e.data.accountId)));
    r.setCode(t, ROLE, this.values.codeOf(text(e.data.role)));
    r.setCode(t, SOURCE, this.values.codeOf(text(e.data.reviewerSource)));
    // An event without a detail says the item had none: no item had one before events carried it.
    r.setCode(t, DETAIL, this.texts.codeOf(grantDetailText(e.data.detail as GrantDetail | undefined)));
    if (this.state(t) !== null) {
      this.out.add(difference(item, eventRef(e, 'it was assigned'), `after seq ${r.seq(t, STATE)} ${this.value(t, STATE_TYPE)} (an item is assigned before anything else happens to it)`));
      return;
    }
    this.setState(t, e, 'pending');
    this.setReviewer(t, e, text(e.data.reviewerId));
  }

  private reassigned(e: LedgerEvent, t: number): void {
    const to = text(e.data.to);
    const from = text(e.data.from);
    const item = rowRef('review_items', e.subject);
    const state = this.state(t);
    const reviewer = this.value(t, REVIEWER_CODE);
    if (state !== 'pending') {
      const seq = this.records.seq(t, STATE);
      this.out.add(difference(item, eventRef(e, `it was reassigned to ${show(to)}`), `the item was ${state ?? 'not assigned'} then${seq ? ` (seq ${seq})` : ''}: only a pending item is reassigned`));
    } else if (from !== undefined && reviewer !== undefined && from !== reviewer) {
      this.out.add(difference(item, eventRef(e, `it was reassigned from ${show(from)}`), `the item was assigned to ${show(reviewer)} then (seq ${this.records.seq(t, REVIEWER)})`));
    }
    this.records.setCode(t, REASSIGNED, 1);
    this.setReviewer(t, e, to);
  }

  private decided(e: LedgerEvent, t: number): void {
    const r = this.records;
    const outcome = text(e.data.outcome);
    const state = text(e.data.state) ?? (outcome === 'approve' ? 'approved' : outcome === 'revoke' ? 'revoked' : undefined);
    const item = rowRef('review_items', e.subject);
    const stage = typeof e.data.stage === 'number' ? e.data.stage : 1;
    const at = r.code(t, STAGE) || 1;
    if (stage !== at) {
      this.out.add(difference(item, eventRef(e, `outcome ${show(outcome)} at stage ${stage}`), `the item was at stage ${at} then: a decision is made at the item's stage`));
    }
    const awaiting = r.code(t, AWAITING);
    if (awaiting !== 0) {
      this.out.add(difference(item, eventRef(e, `outcome ${show(outcome)}`), `a decision at stage ${awaiting} passed the item on and no item.advanced followed it`));
    }
    if (state === 'pending') return this.passedOn(e, t, stage, outcome);
    const first = r.seq(t, DECISION);
    if (first !== 0) {
      this.out.add(difference(item, eventRef(e, `outcome ${show(outcome)}`), `decided twice (first at seq ${first}): an item has at most one decision.recorded`));
      return;
    }
    if (state === undefined || (outcome !== undefined && state !== (outcome === 'approve' ? 'approved' : 'revoked'))) {
      this.out.add(difference(null, eventRef(e, `outcome ${show(outcome)}, state ${show(e.data.state)} for item ${JSON.stringify(e.subject)}`), 'not a valid decision'));
    }
    const before = this.state(t);
    if (before !== null && before !== 'pending') {
      this.out.add(difference(item, eventRef(e, `outcome ${show(outcome)}`), `the item was already ${before} (seq ${r.seq(t, STATE)}): only a pending item is decided`));
    }
    r.setSeq(t, DECISION, e.seq);
    r.setCode(t, OUTCOME, this.values.codeOf(outcome));
    r.setCode(t, DECIDED_BY, this.values.codeOf(text(e.data.reviewerId)));
    r.setCode(t, CHANNEL, this.values.codeOf(text(e.data.channel)));
    const j = e.data.justification;
    r.setCode(t, JUSTIFICATION, this.texts.codeOf(typeof j === 'string' || j === null ? j : undefined));
    r.setCode(t, SIMULATED, typeof e.data.simulated === 'boolean' ? (e.data.simulated ? 2 : 1) : 0);
    r.setCode(t, OPERATOR, this.values.codeOf(text(e.data.operator) ?? null));
    r.setCode(t, APPROVE_ALL, e.data.approveAll === true ? 2 : 1);
    r.setCode(t, DECISION_STAGE, stage);
    if (state !== undefined) this.setState(t, e, state);
  }

  /** A decision that passed the item on (state 'pending'): its row is a stage decision; item.advanced must follow. */
  private passedOn(e: LedgerEvent, t: number, stage: number, outcome: string | undefined): void {
    const before = this.state(t);
    if (before !== 'pending') {
      const seq = this.records.seq(t, STATE);
      this.out.add(difference(rowRef('review_items', e.subject), eventRef(e, `outcome ${show(outcome)}, passed on`), `the item was ${before ?? 'not assigned'} then${seq ? ` (seq ${seq})` : ''}: only a pending item is decided`));
    }
    if (outcome !== 'approve' && outcome !== 'revoke') this.out.add(difference(null, eventRef(e, `outcome ${show(outcome)}, state 'pending' for item ${JSON.stringify(e.subject)}`), 'not a valid decision'));
    this.records.setCode(t, AWAITING, stage);
    this.stageDecisions.event(e, stage);
  }

  private advanced(e: LedgerEvent, t: number): void {
    const r = this.records;
    const stage = typeof e.data.stage === 'number' ? e.data.stage : 0;
    const from = typeof e.data.fromStage === 'number' ? e.data.fromStage : 0;
    const awaiting = r.code(t, AWAITING);
    if (this.state(t) !== 'pending' || awaiting === 0 || awaiting !== from || stage <= from) {
      this.out.add(difference(rowRef('review_items', e.subject), eventRef(e, `it went on to stage ${show(stage)} from ${show(from)}`), awaiting === 0 ? 'no decision.recorded passed the item on before it' : `a decision passed it on from stage ${awaiting}`));
    }
    r.setCode(t, AWAITING, 0);
    r.setCode(t, STAGE, stage);
    r.setSeq(t, SOURCE_AT, e.seq);
    r.setCode(t, SOURCE, this.values.codeOf(text(e.data.reviewerSource)));
    // The source is the stage's now: a reassignment before the advance no longer says anything.
    r.setCode(t, REASSIGNED, 0);
    this.setReviewer(t, e, text(e.data.reviewerId));
  }

  private expired(e: LedgerEvent, t: number): void {
    const state = this.state(t);
    if (state !== null && state !== 'pending') {
      this.out.add(difference(rowRef('review_items', e.subject), eventRef(e, 'it expired'), `the item was already ${state} (seq ${this.records.seq(t, STATE)}): only a pending item expires`));
      return;
    }
    this.setState(t, e, 'expired');
  }

  private state(t: number): string | null {
    return (this.value(t, STATE_CODE) as string | undefined) ?? null;
  }

  private setState(t: number, e: LedgerEvent, state: string): void {
    this.records.setCode(t, STATE_CODE, this.values.codeOf(state));
    this.records.setSeq(t, STATE, e.seq);
    this.records.setCode(t, STATE_TYPE, this.values.codeOf(e.type));
  }

  private setReviewer(t: number, e: LedgerEvent, reviewerId: string | undefined): void {
    if (reviewerId === undefined) return;
    this.records.setCode(t, REVIEWER_CODE, this.values.codeOf(reviewerId));
    this.records.setSeq(t, REVIEWER, e.seq);
    this.records.setCode(t, REVIEWER_TYPE, this.values.codeOf(e.type));
  }

  /** The value a code field of item `t` holds (undefined: no event said). */
  private value(t: number, field: number): string | null | undefined {
    return this.values.valueOf(this.records.code(t, field));
  }

  /** The record after the last row's: rows come in id order, and so, mostly, do the items' first events. */
  private nextRow = 0;

  /** One item row with its decision row (null when undecided): compared with its events. */
  row(item: ItemStateWithDecision['item'], decision: ItemStateWithDecision['decision']): void {
    // The guess spares hashing the id (and a probe far away in the table) for most rows.
    const t = this.ids.is(this.nextRow, item.id) ? this.nextRow : this.ids.indexOf(item.id);
    this.nextRow = t + 1;
    if (t < 0 || this.records.code(t, SEEN) === 1) {
      this.out.add(difference(rowRef('review_items', item.id, 'state', item.state), null, 'no ledger event names this item (no item.assigned)'));
      if (decision) this.out.add(difference(rowRef('decisions', decision.id, 'outcome', decision.outcome), null, 'no decision.recorded event'));
      return;
    }
    const r = this.records;
    r.setCode(t, SEEN, 1);
    const assignedSeq = r.seq(t, ASSIGNED);
    if (assignedSeq === 0) this.out.add(difference(rowRef('review_items', item.id), null, `no item.assigned event (its first event is seq ${r.seq(t, FIRST)} ${this.value(t, FIRST_TYPE)})`));
    const values = this.values;
    const texts = this.texts;
    const id = item.id;
    this.compare(values, 'review_items', id, 'state', item.state, r.code(t, STATE_CODE), r.seq(t, STATE), r.code(t, STATE_TYPE));
    this.compare(values, 'review_items', id, 'reviewerId', item.reviewerId, r.code(t, REVIEWER_CODE), r.seq(t, REVIEWER), r.code(t, REVIEWER_TYPE));
    this.compare(values, 'review_items', id, 'systemId', item.systemId, r.code(t, SYSTEM), assignedSeq, EVENT.itemAssigned);
    this.compare(texts, 'review_items', id, 'accountId', item.accountId, r.code(t, ACCOUNT), assignedSeq, EVENT.itemAssigned);
    this.compare(values, 'review_items', id, 'role', item.role, r.code(t, ROLE), assignedSeq, EVENT.itemAssigned);
    this.compare(texts, 'review_items', id, 'detail', grantDetailText(item.detail), r.code(t, DETAIL), assignedSeq, EVENT.itemAssigned);
    // A reassignment changes the source ('delegated'), which its event does not carry.
    const sourceSeq = r.seq(t, SOURCE_AT);
    const sourceType = sourceSeq === assignedSeq ? EVENT.itemAssigned : EVENT.itemAdvanced;
    if (r.code(t, REASSIGNED) === 0) this.compare(values, 'review_items', id, 'reviewerSource', item.reviewerSource, r.code(t, SOURCE), sourceSeq, sourceType);
    const stage = r.code(t, STAGE) || 1;
    if ((item.stage ?? 1) !== stage) {
      this.out.add(difference(rowRef('review_items', item.id, 'stage', item.stage ?? 1), stage === 1 ? null : eventRef({ seq: sourceSeq, type: EVENT.itemAdvanced }, `stage ${stage}`), stage === 1 ? 'no item.advanced took the item past stage 1' : undefined));
    }
    const awaiting = r.code(t, AWAITING);
    if (awaiting !== 0) this.out.add(difference(rowRef('review_items', item.id, 'stage', item.stage ?? 1), null, `a decision at stage ${awaiting} passed the item on and no item.advanced followed it`));

    const decisionSeq = r.seq(t, DECISION);
    if (decision) {
      if (decisionSeq === 0) {
        this.out.add(difference(rowRef('decisions', decision.id, 'outcome', decision.outcome), null, 'no decision.recorded event for this item'));
        return;
      }
      const type = EVENT.decisionRecorded;
      this.compare(values, 'decisions', decision.id, 'outcome', decision.outcome, r.code(t, OUTCOME), decisionSeq, type);
      this.compare(values, 'decisions', decision.id, 'reviewerId', decision.reviewerId, r.code(t, DECIDED_BY), decisionSeq, type);
      this.compare(values, 'decisions', decision.id, 'channel', decision.channel, r.code(t, CHANNEL), decisionSeq, type);
      this.compare(texts, 'decisions', decision.id, 'justification', decision.justification, r.code(t, JUSTIFICATION), decisionSeq, type);
      this.compare(values, 'decisions', decision.id, 'operator', decision.operator, r.code(t, OPERATOR), decisionSeq, type);
      const decisionStage = r.code(t, DECISION_STAGE) || 1;
      if ((decision.stage ?? 1) !== decisionStage) {
        this.out.add(difference(rowRef('decisions', decision.id, 'stage', decision.stage ?? 1), eventRef({ seq: decisionSeq, type: EVENT.decisionRecorded }, `stage ${decisionStage}`)));
      }
      const approveAll = r.code(t, APPROVE_ALL) === 2;
      if ((decision.approveAll === true) !== approveAll) {
        this.out.add(difference(rowRef('decisions', decision.id, 'approveAll', decision.approveAll === true), eventRef({ seq: decisionSeq, type: EVENT.decisionRecorded }, `approveAll ${show(approveAll)}`)));
      }
      const simulated = r.code(t, SIMULATED);
      if (simulated !== 0 && decision.simulated !== (simulated === 2)) {
        this.out.add(difference(rowRef('decisions', decision.id, 'simulated', decision.simulated), eventRef({ seq: decisionSeq, type: EVENT.decisionRecorded }, `simulated ${show(simulated === 2)}`)));
      }
    } else if (decisionSeq !== 0) {
      this.out.add(difference(null, eventRef({ seq: decisionSeq, type: EVENT.decisionRecorded }, `item ${JSON.stringify(item.id)} outcome ${show(this.value(t, OUTCOME))}`), `no decisions row for item ${JSON.stringify(item.id)}`));
    }
  }

  /**
   * A row's field against the value its events said (`code` in `values`; 0: no event said, not
   * compared), by code, without making strings: the event's value and type (a code, or the type
   * itself) are read back for a difference only. A method, not a closure per row.
   */
  private compare(values: SharedValues | StringTable, table: string, id: string, field: string, rowValue: unknown, code: number, seq: number, type: number | string): void {
    if (code === 0 || values.holds(code, rowValue)) return;
    const typeName = typeof type === 'string' ? type : (this.values.valueOf(type) as string);
    this.out.add(difference(rowRef(table, id, field, rowValue), eventRef({ seq, type: typeName }, `${field} ${show(values.valueOf(code))}`)));
  }

  /** One stage_decisions row (a decision that passed its item on). */
  stageDecisionRow(decision: Decision): void {
    this.stageDecisions.row(decision);
  }

  /** After every row: the items whose events name no row, in the order of their first event. */
  finish(): void {
    this.stageDecisions.finish();
    for (let t = 0; t < this.records.size; t++) {
      if (this.records.code(t, SEEN) === 1) continue;
      this.out.add(difference(null, eventRef({ seq: this.records.seq(t, FIRST), type: this.value(t, FIRST_TYPE) as string }, `item ${JSON.stringify(this.ids.get(t))}`), 'no review_items row'));
    }
  }
}
