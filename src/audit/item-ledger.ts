/**
 * Review items and decisions against their ledger events (`audit verify`, exports).
 *
 * The events are replayed per item, in seq order: item.assigned -> pending with its reviewer;
 * item.reassigned -> reviewer = data.to; decision.recorded -> data.state (else the outcome's
 * state); item.expired -> expired. Then every item row (with its decision row) is compared with
 * its replay: state, reviewer and what was assigned (system, account, role, source), and the
 * decision's outcome, reviewer, channel, justification and simulated flag. Fields an event does
 * not carry are not compared (older events carry fewer); timestamps are not compared (the
 * event's time is the clock's when it was recorded, not the row's).
 *
 * Differences: a second item.assigned or decision.recorded for an item, an event that does
 * not follow from the item's replayed state (a decision on an item no longer pending, a
 * reassignment from another reviewer), a row without events, an event without row.
 *
 * Memory: one small record per item whose events were read, dropped as its row is compared.
 * Strings that repeat across items (reviewers, systems, roles) are shared.
 */
import type { Decision, ItemState, LedgerEvent, ReviewItem } from '../domain/index.js';
import { EVENT } from './event-types.js';
import type { DifferenceList } from './ledger-difference.js';
import { difference, eventRef, rowRef, show } from './ledger-difference.js';

const ITEM_EVENTS: ReadonlySet<string> = new Set([EVENT.itemAssigned, EVENT.itemReassigned, EVENT.decisionRecorded, EVENT.itemExpired]);

/** One item as its events tell it; `undefined` where no event said. */
class ItemTrack {
  firstSeq = 0;
  firstType = '';
  assignedSeq = 0;
  state: ItemState | null = null;
  stateSeq = 0;
  stateType = '';
  reviewerId: string | undefined = undefined;
  reviewerSeq = 0;
  reviewerType = '';
  reassigned = false;
  systemId: string | undefined = undefined;
  accountId: string | undefined = undefined;
  role: string | undefined = undefined;
  source: string | undefined = undefined;
  decisionSeq = 0;
  outcome: string | undefined = undefined;
  decidedBy: string | undefined = undefined;
  channel: string | undefined = undefined;
  justification: string | null | undefined = undefined;
  simulated: boolean | undefined = undefined;
}

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
  private readonly tracks = new Map<string, ItemTrack>();
  private readonly shared = new Map<string, string>();

  constructor(private readonly out: DifferenceList) {}

  /** One event of the ledger, in seq order (events of other types are ignored). */
  event(e: LedgerEvent): void {
    if (!ITEM_EVENTS.has(e.type)) return;
    let t = this.tracks.get(e.subject);
    if (!t) {
      t = new ItemTrack();
      t.firstSeq = e.seq;
      t.firstType = e.type;
      this.tracks.set(e.subject, t);
    }
    switch (e.type) {
      case EVENT.itemAssigned:
        return this.assigned(e, t);
      case EVENT.itemReassigned:
        return this.reassigned(e, t);
      case EVENT.decisionRecorded:
        return this.decided(e, t);
      case EVENT.itemExpired:
        return this.expired(e, t);
    }
  }

  private assigned(e: LedgerEvent, t: ItemTrack): void {
    const item = rowRef('review_items', e.subject);
    if (t.assignedSeq !== 0) {
      this.out.add(difference(item, eventRef(e, `it was assigned to ${show(e.data.reviewerId)}`), `assigned twice (first at seq ${t.assignedSeq}): an item has exactly one item.assigned`));
      return;
    }
    t.assignedSeq = e.seq;
    t.systemId = this.share(text(e.data.systemId));
    t.accountId = text(e.data.accountId);
    t.role = this.share(text(e.data.role));
    t.source = this.share(text(e.data.reviewerSource));
    if (t.state !== null) {
      this.out.add(difference(item, eventRef(e, 'it was assigned'), `after seq ${t.stateSeq} ${t.stateType} (an item is assigned before anything else happens to it)`));
      return;
    }
    this.setState(t, e, 'pending');
    this.setReviewer(t, e, text(e.data.reviewerId));
  }

  private reassigned(e: LedgerEvent, t: ItemTrack): void {
    const to = text(e.data.to);
    const from = text(e.data.from);
    const item = rowRef('review_items', e.subject);
    if (t.state !== 'pending') {
      this.out.add(difference(item, eventRef(e, `it was reassigned to ${show(to)}`), `the item was ${t.state ?? 'not assigned'} then${t.stateSeq ? ` (seq ${t.stateSeq})` : ''}: only a pending item is reassigned`));
    } else if (from !== undefined && t.reviewerId !== undefined && from !== t.reviewerId) {
      this.out.add(difference(item, eventRef(e, `it was reassigned from ${show(from)}`), `the item was assigned to ${show(t.reviewerId)} then (seq ${t.reviewerSeq})`));
    }
    t.reassigned = true;
    this.setReviewer(t, e, to);
  }

  private decided(e: LedgerEvent, t: ItemTrack): void {
    const outcome = text(e.data.outcome);
    const state = text(e.data.state) ?? (outcome === 'approve' ? 'approved' : outcome === 'revoke' ? 'revoked' : undefined);
    const item = rowRef('review_items', e.subject);
    if (t.decisionSeq !== 0) {
      this.out.add(difference(item, eventRef(e, `outcome ${show(outcome)}`), `decided twice (first at seq ${t.decisionSeq}): an item has at most one decision.recorded`));
      return;
    }
    if (state === undefined || (outcome !== undefined && state !== (outcome === 'approve' ? 'approved' : 'revoked'))) {
      this.out.add(difference(null, eventRef(e, `outcome ${show(outcome)}, state ${show(e.data.state)} for item ${JSON.stringify(e.subject)}`), 'not a valid decision'));
    }
    if (t.state !== null && t.state !== 'pending') {
      this.out.add(difference(item, eventRef(e, `outcome ${show(outcome)}`), `the item was already ${t.state} (seq ${t.stateSeq}): only a pending item is decided`));
    }
    t.decisionSeq = e.seq;
    t.outcome = outcome;
    t.decidedBy = this.share(text(e.data.reviewerId));
    t.channel = this.share(text(e.data.channel));
    const j = e.data.justification;
    t.justification = typeof j === 'string' || j === null ? j : undefined;
    t.simulated = typeof e.data.simulated === 'boolean' ? e.data.simulated : undefined;
    if (state !== undefined) this.setState(t, e, state as ItemState);
  }

  private expired(e: LedgerEvent, t: ItemTrack): void {
    if (t.state !== null && t.state !== 'pending') {
      this.out.add(difference(rowRef('review_items', e.subject), eventRef(e, 'it expired'), `the item was already ${t.state} (seq ${t.stateSeq}): only a pending item expires`));
      return;
    }
    this.setState(t, e, 'expired');
  }

  private setState(t: ItemTrack, e: LedgerEvent, state: ItemState): void {
    t.state = state;
    t.stateSeq = e.seq;
    t.stateType = e.type;
  }

  private setReviewer(t: ItemTrack, e: LedgerEvent, reviewerId: string | undefined): void {
    if (reviewerId === undefined) return;
    t.reviewerId = this.share(reviewerId);
    t.reviewerSeq = e.seq;
    t.reviewerType = e.type;
  }

  private share(s: string | undefined): string | undefined {
    if (s === undefined) return undefined;
    const known = this.shared.get(s);
    if (known !== undefined) return known;
    // Strings that repeat across items only: an unbounded set of distinct values is not kept.
    if (this.shared.size < 100_000) this.shared.set(s, s);
    return s;
  }

  /** One item row with its decision row (null when undecided): compared with its events, then forgotten. */
  row(item: ReviewItem, decision: Decision | null): void {
    const t = this.tracks.get(item.id);
    if (!t) {
      this.out.add(difference(rowRef('review_items', item.id, 'state', item.state), null, 'no ledger event names this item (no item.assigned)'));
      if (decision) this.out.add(difference(rowRef('decisions', decision.id, 'outcome', decision.outcome), null, 'no decision.recorded event'));
      return;
    }
    this.tracks.delete(item.id);
    if (t.assignedSeq === 0) this.out.add(difference(rowRef('review_items', item.id), null, `no item.assigned event (its first event is seq ${t.firstSeq} ${t.firstType})`));
    const says = (seq: number, type: string, field: string, value: unknown) => eventRef({ seq, type }, `${field} ${show(value)}`);
    const compare = (field: string, rowValue: unknown, eventValue: unknown, seq: number, type: string, table = 'review_items', id = item.id) => {
      if (eventValue !== undefined && rowValue !== eventValue) this.out.add(difference(rowRef(table, id, field, rowValue), says(seq, type, field, eventValue)));
    };
    if (t.state !== null) compare('state', item.state, t.state, t.stateSeq, t.stateType);
    compare('reviewerId', item.reviewerId, t.reviewerId, t.reviewerSeq, t.reviewerType);
    compare('systemId', item.systemId, t.systemId, t.assignedSeq, EVENT.itemAssigned);
    compare('accountId', item.accountId, t.accountId, t.assignedSeq, EVENT.itemAssigned);
    compare('role', item.role, t.role, t.assignedSeq, EVENT.itemAssigned);
    // A reassignment changes the source ('delegated'), which its event does not carry.
    if (!t.reassigned) compare('reviewerSource', item.reviewerSource, t.source, t.assignedSeq, EVENT.itemAssigned);

    if (decision) {
      if (t.decisionSeq === 0) {
        this.out.add(difference(rowRef('decisions', decision.id, 'outcome', decision.outcome), null, 'no decision.recorded event for this item'));
        return;
      }
      const d = (field: string, rowValue: unknown, eventValue: unknown) => compare(field, rowValue, eventValue, t.decisionSeq, EVENT.decisionRecorded, 'decisions', decision.id);
      d('outcome', decision.outcome, t.outcome);
      d('reviewerId', decision.reviewerId, t.decidedBy);
      d('channel', decision.channel, t.channel);
      d('justification', decision.justification, t.justification);
      d('simulated', decision.simulated, t.simulated);
    } else if (t.decisionSeq !== 0) {
      this.out.add(difference(null, says(t.decisionSeq, EVENT.decisionRecorded, `item ${JSON.stringify(item.id)} outcome`, t.outcome), `no decisions row for item ${JSON.stringify(item.id)}`));
    }
  }

  /** After every row: the items whose events name no row. */
  finish(): void {
    for (const [id, t] of this.tracks) {
      this.out.add(difference(null, eventRef({ seq: t.firstSeq, type: t.firstType }, `item ${JSON.stringify(id)}`), 'no review_items row'));
    }
    this.tracks.clear();
  }
}
