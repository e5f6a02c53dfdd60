/**
 * Finding rows against finding.opened / finding.resolved events (see policies/run-check.ts).
 *
 * A finding row is one raising of a key: opened by the evaluation that ran at its firstSeenAt,
 * resolved (when it is) by the evaluation that ran at its resolvedAt. Each side has its event
 * in the ledger, with the evaluation's id in data.evaluationId:
 * - one detailed event per finding (subject = the key), whose type, system, grant and rule are
 *   the row's; its severity and reason too where the row cannot have changed since (resolved
 *   rows; open rows no later evaluation refreshed);
 * - or, for an evaluation that opened or resolved more than the ledger details, one summary
 *   event per direction (data.summary) whose count and SHA-256 over the sorted keys are those
 *   of the rows that evaluation opened (resolved); high-severity ones still have their own event;
 * - or, for an evaluation saved in several transactions (MongoDB), one summary per direction and
 *   transaction, each with its `part` number and key set sum (policies/finding-ledger-events.ts):
 *   their counts and sums added up are those of the rows.
 * An event with no row, a row with no event, and disagreeing content are differences.
 *
 * Memory: the detailed events (a few hundred per evaluation) and, for evaluations with a
 * summary, their keys.
 */
import { hash } from 'node:crypto';
import type { Evaluation, LedgerEvent } from '../domain/index.js';
import type { FindingState } from '../store/ports.js';
import { addKeySetSums, keySetSum } from '../domain/index.js';
import { EVENT } from './event-types.js';
import type { DifferenceList } from './ledger-difference.js';
import { difference, eventRef, rowRef, show } from './ledger-difference.js';

type Side = 'opened' | 'resolved';

interface SideEvents {
  detailed: Map<string, LedgerEvent[]>;
  /** One, or one per part of an evaluation saved in several transactions. */
  summaries: LedgerEvent[];
  /** Keys of the rows this evaluation opened (resolved), collected when it has a summary. */
  keys: string[];
}

const SIDE_OF: Readonly<Record<string, Side>> = { [EVENT.findingOpened]: 'opened', [EVENT.findingResolved]: 'resolved' };
const FIELD_OF: Readonly<Record<Side, 'firstSeenAt' | 'resolvedAt'>> = { opened: 'firstSeenAt', resolved: 'resolvedAt' };

export function isFindingEvent(type: string): boolean {
  return type in SIDE_OF;
}

/** A summary of one part of an evaluation saved in several transactions. */
function isPart(e: LedgerEvent): boolean {
  return typeof e.data.part === 'number';
}

export class FindingLedger {
  /** `${side}|${evaluationId}` -> its events. */
  private readonly events = new Map<string, SideEvents>();
  /** Evaluation time -> id. */
  private byAt = new Map<string, string>();

  constructor(private readonly out: DifferenceList) {}

  event(e: LedgerEvent): void {
    const side = SIDE_OF[e.type];
    if (!side) return;
    const evaluationId = e.data.evaluationId;
    if (typeof evaluationId !== 'string') {
      this.out.add(difference(null, eventRef(e, `finding ${JSON.stringify(e.subject)} without an evaluationId`), 'the event names no evaluation'));
      return;
    }
    const s = this.sideOf(side, evaluationId);
    if (e.data.summary === true) {
      const first = s.summaries.find((earlier) => !isPart(earlier) || !isPart(e) || earlier.data.part === e.data.part);
      if (!first) s.summaries.push(e);
      else if (isPart(e) && isPart(first)) this.out.add(difference(null, eventRef(e, `a second ${side} summary of part ${show(e.data.part)} of evaluation ${JSON.stringify(evaluationId)} (first at seq ${first.seq})`), 'one summary per part, evaluation and direction'));
      else this.out.add(difference(null, eventRef(e, `a second ${side} summary of evaluation ${JSON.stringify(evaluationId)} (first at seq ${first.seq})`), 'one summary per evaluation and direction'));
      return;
    }
    const list = s.detailed.get(e.subject);
    if (list) list.push(e);
    else s.detailed.set(e.subject, [e]);
  }

  /** The stored evaluations, before the rows: a row's times name the evaluations that opened and resolved it. */
  evaluations(list: readonly Evaluation[]): void {
    this.byAt = new Map();
    for (const e of list) if (!this.byAt.has(e.at)) this.byAt.set(e.at, e.id);
  }

  row(f: FindingState): void {
    this.side('opened', f, f.firstSeenAt);
    if (f.resolvedAt !== null) this.side('resolved', f, f.resolvedAt);
  }

  private side(side: Side, f: FindingState, at: string): void {
    const row = rowRef('findings', f.key, FIELD_OF[side], at);
    const evaluationId = this.byAt.get(at);
    if (evaluationId === undefined) {
      this.out.add(difference(row, null, `no evaluation ran at that time, so none ${side} it`));
      return;
    }
    const s = this.events.get(`${side}|${evaluationId}`);
    const summarised = s !== undefined && s.summaries.length > 0;
    if (summarised) s.keys.push(f.key);
    const e = s?.detailed.get(f.key)?.shift();
    if (e) return this.compare(side, f, e, evaluationId);
    if (summarised) return;
    this.out.add(difference(row, null, `no finding.${side} event of evaluation ${JSON.stringify(evaluationId)}`));
  }

  private compare(side: Side, f: FindingState, e: LedgerEvent, evaluationId: string): void {
    // Refreshing an open finding updates its severity and reason without an event.
    const unchanged = side === 'resolved' || f.evaluationId === evaluationId;
    const fields = unchanged ? (['type', 'systemId', 'grantId', 'ruleId', 'severity', 'reason'] as const) : (['type', 'systemId', 'grantId', 'ruleId'] as const);
    for (const field of fields) {
      const said = e.data[field];
      if (said !== undefined && said !== f[field]) this.out.add(difference(rowRef('findings', f.key, field, f[field]), eventRef(e, `${field} ${show(said)}`)));
    }
  }

  /** After every row: detailed events left without a row, and summaries that do not add up. */
  finish(): void {
    for (const [k, s] of this.events) {
      const [side, evaluationId] = [k.slice(0, k.indexOf('|')) as Side, k.slice(k.indexOf('|') + 1)];
      for (const [key, left] of s.detailed) {
        for (const e of left) this.out.add(difference(null, eventRef(e, `finding ${JSON.stringify(key)} (evaluation ${JSON.stringify(evaluationId)})`), `no findings row ${side} by that evaluation`));
      }
      if (s.summaries.length === 1) this.checkSummary(side, evaluationId, s.summaries[0]!, s.keys);
      else if (s.summaries.length > 1) this.checkParts(side, evaluationId, s.summaries, s.keys);
    }
    this.events.clear();
  }

  private checkSummary(side: Side, evaluationId: string, summary: LedgerEvent, keys: readonly string[]): void {
    const count = summary.data.count;
    if (count !== keys.length) {
      this.out.add(difference(null, eventRef(summary, `count ${show(count)}`), `${keys.length} findings rows were ${side} by evaluation ${JSON.stringify(evaluationId)}`));
      return;
    }
    const keysSha256 = hash('sha256', [...keys].sort().join('\n'), 'hex');
    if (summary.data.keysSha256 !== undefined && summary.data.keysSha256 !== keysSha256) {
      this.out.add(difference(null, eventRef(summary, `keysSha256 ${show(summary.data.keysSha256)}`), `the keys of the findings rows ${side} by evaluation ${JSON.stringify(evaluationId)} hash to ${keysSha256}`));
      return;
    }
    if (summary.data.keysSum === undefined) return;
    const keysSum = keySetSum(keys);
    if (summary.data.keysSum !== keysSum) {
      this.out.add(difference(null, eventRef(summary, `keysSum ${show(summary.data.keysSum)}`), `the keys of the findings rows ${side} by evaluation ${JSON.stringify(evaluationId)} sum to ${keysSum}`));
    }
  }

  /** The parts of an evaluation saved in several transactions, added up, against its rows. */
  private checkParts(side: Side, evaluationId: string, parts: readonly LedgerEvent[], keys: readonly string[]): void {
    const last = parts[parts.length - 1]!;
    const counts = parts.map((p) => p.data.count);
    const count = counts.reduce<number>((n, c) => n + (typeof c === 'number' ? c : Number.NaN), 0);
    if (count !== keys.length) {
      this.out.add(difference(null, eventRef(last, `with its ${parts.length} parts, count ${counts.map(show).join(' + ')}`), `${keys.length} findings rows were ${side} by evaluation ${JSON.stringify(evaluationId)}`));
      return;
    }
    const sums = parts.map((p) => p.data.keysSum);
    const said = sums.every((x) => typeof x === 'string' && /^[0-9a-f]{64}$/.test(x)) ? addKeySetSums(sums as string[]) : null;
    const actual = keySetSum(keys);
    if (said !== actual) {
      this.out.add(difference(null, eventRef(last, `with its ${parts.length} parts, keysSum ${said === null ? 'missing or malformed in a part' : show(said)}`), `the keys of the findings rows ${side} by evaluation ${JSON.stringify(evaluationId)} sum to ${actual}`));
    }
  }

  private sideOf(side: Side, evaluationId: string): SideEvents {
    const k = `${side}|${evaluationId}`;
    let s = this.events.get(k);
    if (!s) this.events.set(k, (s = { detailed: new Map(), summaries: [], keys: [] }));
    return s;
  }
}
