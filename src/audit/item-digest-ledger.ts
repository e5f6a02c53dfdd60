/**
 * Review items and decisions against their ledger events, in little memory: the fast form of
 * ItemLedger (item-ledger.ts), which it answers for only when everything agrees.
 *
 * The events are replayed per item as ItemLedger replays them, but only along the way every
 * event written by iam-review follows (assigned, reassigned from its reviewer, decided at its
 * stage while pending, passed on then advanced, expired while pending), with every field
 * ItemLedger compares present. What each item's rows must then say is added to an order-free
 * sum (DigestSum: SHA-256 of each text, summed mod 2^256): what item.assigned set (system,
 * account, role, detail); and the item's final row (state, reviewer, source or "reassigned":
 * not compared, stage) with, when it was decided, the settling decision (outcome, reviewer,
 * channel, justification, operator, approve-all, simulated, stage). That final row is known
 * once the item is settled or expired (no later event may change it); for the items still
 * pending, once the ledger is read. The rows add the same texts from their columns. Equal sums
 * and no step off that way: every comparison ItemLedger makes would
 * find no difference. Anything else (a step off the way, a field missing, a stage decision
 * difference, a different sum) says only `proven() === false`: the caller then reconciles with
 * ItemLedger, which names the differences.
 *
 * Memory: one record per item in ItemKeyTable (the id's 64-bit key, state, stage, reviewer and
 * source codes: ~21 bytes an item when told how many to expect), no id, account or
 * justification held.
 */
import type { Decision, GrantDetail, LedgerEvent } from '../domain/index.js';
import { grantDetailText } from '../domain/index.js';
import { DigestSum } from './digest-sum.js';
import { EVENT } from './event-types.js';
import { ItemKeyTable, STATE_APPROVED, STATE_EXPIRED, STATE_PENDING, STATE_REVOKED } from './item-key-table.js';
import { DifferenceList } from './ledger-difference.js';
import { SharedValues } from './shared-values.js';
import { StageDecisionLedger } from './stage-decision-ledger.js';
import type { ItemStateWithDecision } from '../store/ports.js';

/** The source text of a reassigned item (its source is not compared): the row's when it says 'delegated'. */
const REASSIGNED = '*';

/** A value as text that tells strings, null, undefined and other values apart; length-prefixed, so texts of several never run into each other. */
function enc(v: unknown): string {
  if (typeof v === 'string') return `s${v.length}:${v}`;
  if (v === null) return 'n';
  if (v === undefined) return 'u';
  const j = JSON.stringify(v);
  return `o${j.length}:${j}`;
}

const isText = (v: unknown): v is string => typeof v === 'string';

// The texts summed, each starting with its kind: A what item.assigned set; D the settling
// decision then the item's final row; E an expired item's final row; P a pending item's final
// row (by its key: the ids of pending items are not kept).
function assignedText(id: unknown, system: unknown, account: unknown, role: unknown, detail: unknown): string {
  return `A${enc(id)}${enc(system)}${enc(account)}${enc(role)}${enc(detail)}`;
}

function decidedText(id: unknown, outcome: unknown, reviewer: unknown, channel: unknown, justification: unknown, operator: unknown, approveAll: boolean, simulated: unknown, stage: unknown): string {
  return `D${enc(id)}${enc(outcome)}${enc(reviewer)}${enc(channel)}${enc(justification)}${enc(operator)}${enc(approveAll)}${enc(simulated)}${enc(stage)}`;
}

function finalText(state: unknown, reviewer: unknown, source: unknown, stage: unknown): string {
  return `${enc(state)}${enc(reviewer)}${enc(source)}${enc(stage)}`;
}

export class ItemDigestLedger {
  private readonly table: ItemKeyTable;
  private readonly values = new SharedValues();
  /** Reviewer sources apart (a handful of values): their codes fit the table's byte. */
  private readonly sources = new SharedValues();
  /** Stage decisions are few (multi-stage items only): compared as ItemLedger does, differences counted here. */
  private readonly stageOut = new DifferenceList(0);
  private readonly stageDecisions = new StageDecisionLedger(this.stageOut);
  private offWay = false;
  /** What the events say each row must hold, and what the rows hold. */
  private readonly fromEvents = new DigestSum();
  private readonly fromRows = new DigestSum();

  /** `expectedItems`: how many items the ledger is expected to assign (sizes the table once; more still fit). */
  constructor(expectedItems = 0) {
    this.table = new ItemKeyTable(expectedItems);
  }

  /** One item event of the ledger, in seq order. */
  event(e: LedgerEvent): void {
    if (this.offWay) return;
    if (!this.follows(e)) this.offWay = true;
  }

  private follows(e: LedgerEvent): boolean {
    const t = this.table;
    const d = e.data;
    let s = t.find(e.subject);
    if (e.type === EVENT.itemAssigned) {
      if (s >= 0) return false;
      if (!isText(d.systemId) || !isText(d.accountId) || !isText(d.role) || !isText(d.reviewerSource) || !isText(d.reviewerId)) return false;
      const source = this.sourceCode(d.reviewerSource);
      if (source < 0) return false;
      const detail = grantDetailText(d.detail as GrantDetail | undefined);
      s = t.insert();
      t.setState(s, STATE_PENDING);
      t.stage[s] = 1;
      t.reviewer[s] = this.values.codeOf(d.reviewerId);
      t.source[s] = source;
      this.fromEvents.add(assignedText(e.subject, d.systemId, d.accountId, d.role, detail));
      return true;
    }
    if (s < 0 || t.state(s) !== STATE_PENDING) return false;
    switch (e.type) {
      case EVENT.itemReassigned: {
        if (!isText(d.to) || (d.from !== undefined && !(isText(d.from) && this.values.codeOf(d.from) === t.reviewer[s]))) return false;
        t.reviewer[s] = this.values.codeOf(d.to);
        t.setReassigned(s, true);
        return true;
      }
      case EVENT.decisionRecorded: {
        const stage = typeof d.stage === 'number' ? d.stage : 1;
        if (stage !== t.stage[s] || t.awaiting[s] !== 0) return false;
        if (d.outcome !== 'approve' && d.outcome !== 'revoke') return false;
        if (d.state === 'pending') {
          t.awaiting[s] = stage;
          this.stageDecisions.event(e, stage);
          return true;
        }
        const settled = d.outcome === 'approve' ? 'approved' : 'revoked';
        if (d.state !== undefined && d.state !== settled) return false;
        const j = d.justification;
        if (!isText(d.reviewerId) || !isText(d.channel) || !(isText(j) || j === null) || typeof d.simulated !== 'boolean') return false;
        const operator = isText(d.operator) ? d.operator : null;
        // Settled: no later event may change the item (ItemLedger: a difference), so its final row is known now.
        const decided = decidedText(e.subject, d.outcome, d.reviewerId, d.channel, j, operator, d.approveAll === true, d.simulated, stage);
        this.fromEvents.add(decided + this.finalText(s, settled));
        t.setState(s, settled === 'approved' ? STATE_APPROVED : STATE_REVOKED);
        return true;
      }
      case EVENT.itemAdvanced: {
        const stage = d.stage;
        const from = d.fromStage;
        if (typeof stage !== 'number' || typeof from !== 'number' || t.awaiting[s] === 0 || t.awaiting[s] !== from || stage <= from || stage > 255 || !Number.isInteger(stage)) return false;
        if (!isText(d.reviewerId) || !isText(d.reviewerSource)) return false;
        const source = this.sourceCode(d.reviewerSource);
        if (source < 0) return false;
        t.awaiting[s] = 0;
        t.stage[s] = stage;
        t.source[s] = source;
        t.setReassigned(s, false);
        t.reviewer[s] = this.values.codeOf(d.reviewerId);
        return true;
      }
      case EVENT.itemExpired:
        if (t.awaiting[s] !== 0) return false;
        this.fromEvents.add(`E${enc(e.subject)}${this.finalText(s, 'expired')}`);
        t.setState(s, STATE_EXPIRED);
        return true;
      default:
        return false;
    }
  }

  /** The reviewer source's code in the table's byte; -1 past 255 distinct sources (then off the way: ItemLedger reconciles). */
  private sourceCode(source: string): number {
    const code = this.sources.codeOf(source);
    return code > 255 ? -1 : code;
  }

  /** The item row's state, reviewer, source and stage, once its state is `state`. */
  private finalText(s: number, state: string): string {
    const t = this.table;
    const source = t.reassigned(s) ? REASSIGNED : this.sources.valueOf(t.source[s]!);
    return finalText(state, this.values.valueOf(t.reviewer[s]!), source, t.stage[s]);
  }

  /** After the ledger, before the rows: the items still pending (their key in place of the id: ids are not kept). */
  private finalStates(): void {
    this.table.forEach((s, k1, k2) => {
      if (this.table.state(s) !== STATE_PENDING) return;
      if (this.table.awaiting[s] !== 0) this.offWay = true;
      this.fromEvents.add(`P${k1}:${k2}${this.finalText(s, 'pending')}`);
    });
  }

  private rowsStarted = false;

  /** One item row with its decision row (null when undecided). */
  row(item: ItemStateWithDecision['item'], decision: ItemStateWithDecision['decision']): void {
    if (!this.rowsStarted) {
      this.rowsStarted = true;
      this.finalStates();
    }
    if (this.offWay) return;
    this.fromRows.add(assignedText(item.id, item.systemId, item.accountId, item.role, grantDetailText(item.detail)));
    const final = finalText(item.state, item.reviewerId, item.reviewerSource === 'delegated' ? REASSIGNED : item.reviewerSource, item.stage ?? 1);
    if (decision) {
      this.fromRows.add(decidedText(item.id, decision.outcome, decision.reviewerId, decision.channel, decision.justification, decision.operator, decision.approveAll === true, decision.simulated, decision.stage ?? 1) + final);
    } else if (item.state === 'expired') {
      this.fromRows.add(`E${enc(item.id)}${final}`);
    } else {
      this.table.keyOf(item.id);
      this.fromRows.add(`P${this.table.k1}:${this.table.k2}${final}`);
    }
  }

  /** One stage_decisions row (a decision that passed its item on). */
  stageDecisionRow(decision: Decision): void {
    this.stageDecisions.row(decision);
  }

  /** After every row. */
  finish(): void {
    if (!this.rowsStarted) {
      this.rowsStarted = true;
      this.finalStates();
    }
    this.stageDecisions.finish();
  }

  /** After finish(): whether ItemLedger would find no difference (false: it may, reconcile with it). */
  proven(): boolean {
    return !this.offWay && this.stageOut.count === 0 && this.fromEvents.equals(this.fromRows);
  }
}
