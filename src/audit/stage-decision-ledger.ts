/**
 * Stage decisions (multi-stage reviews: the decisions that passed an item on to a later stage,
 * table stage_decisions) against their decision.recorded events (`audit verify`, exports).
 *
 * ItemLedger (or ItemDigestLedger) replays each item's events and hands this the decision.recorded events that passed
 * their item on (state 'pending'), keyed by item and stage. Every stage decision row is compared
 * with its event: outcome, reviewer, channel, justification, operator, simulated flag and
 * approve-all, as ItemLedger compares the decision that settled an item. Differences: a row
 * without its event, an event without its row. Only multi-stage items have such decisions, so
 * one small object per decision is kept.
 */
import type { Decision, LedgerEvent } from '../domain/index.js';
import { stageDecisionId } from '../domain/index.js';
import { EVENT } from './event-types.js';
import type { DifferenceList } from './ledger-difference.js';
import { difference, eventRef, rowRef, show } from './ledger-difference.js';

interface Said {
  seq: number;
  fields: Record<string, unknown>;
  seen: boolean;
}

const COMPARED = ['outcome', 'reviewerId', 'channel', 'justification', 'operator', 'simulated', 'approveAll'] as const;

export class StageDecisionLedger {
  private readonly said = new Map<string, Said>();

  constructor(private readonly out: DifferenceList) {}

  /** A decision.recorded that passed item `e.subject` on from `stage` (ItemLedger checked it followed from the item's state). */
  event(e: LedgerEvent, stage: number): void {
    const d = e.data;
    this.said.set(stageDecisionId(e.subject, stage), {
      seq: e.seq,
      seen: false,
      fields: {
        outcome: d.outcome,
        reviewerId: d.reviewerId,
        channel: d.channel,
        justification: d.justification,
        // Absent from the event: nobody entered it on the reviewer's behalf, not through approve-all.
        operator: d.operator ?? null,
        simulated: d.simulated,
        approveAll: d.approveAll === true,
      },
    });
  }

  /** One stage_decisions row. */
  row(decision: Decision): void {
    const said = this.said.get(decision.id);
    if (!said || said.seen) {
      this.out.add(difference(rowRef('stage_decisions', decision.id, 'outcome', decision.outcome), null, 'no decision.recorded event passed the item on at this stage'));
      return;
    }
    said.seen = true;
    const row: Record<string, unknown> = { ...decision, approveAll: decision.approveAll === true };
    for (const field of COMPARED) {
      const expected = said.fields[field];
      // simulated is absent from the oldest events: not compared then.
      if (field === 'simulated' && typeof expected !== 'boolean') continue;
      if (row[field] !== expected) {
        this.out.add(difference(rowRef('stage_decisions', decision.id, field, row[field]), eventRef({ seq: said.seq, type: EVENT.decisionRecorded }, `${field} ${show(expected)}`)));
      }
    }
  }

  /** After every row: the passing decisions whose row is missing. */
  finish(): void {
    for (const [id, said] of this.said) {
      if (!said.seen) this.out.add(difference(null, eventRef({ seq: said.seq, type: EVENT.decisionRecorded }, `stage decision ${JSON.stringify(id)} outcome ${show(said.fields.outcome)}`), 'no stage_decisions row'));
    }
  }
}
