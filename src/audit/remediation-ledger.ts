/**
 * Remediation rows against their ledger events (`audit verify`, exports).
 *
 * Every remediation has exactly one remediation.opened, before anything else happens to it,
 * whose data is the row's grant, reason, requester and due time. Each transition event
 * (remediation.requested|claimed|verified|overdue|failed|reappeared) moves it to the state its
 * type names; it must start from the state the replay is in (data.from) and be a move the
 * domain allows (canMove); overdue is marked once. The replay ends in the row's state, and the
 * fields the transitions set are the ones their last event of that type says (claimedBy,
 * verifiedSnapshotId and hash, overdueAt...); a field that no event of its type set is null.
 * Fields an (older) event does not carry are not compared; timestamps only where the event
 * carries the one the row got. A row's verified snapshot must be a complete snapshot of the
 * remediation's system whose content hash is the one recorded.
 *
 * A finding's remediation (itemId null) may take a revoked item once
 * (remediation.item-attached, while unverified): from then on the row's itemId and campaignId
 * are the ones that event names; its state does not change.
 *
 * Differences: a second remediation.opened, a transition that does not follow from the
 * replayed state, a row without events, events without row, disagreeing content.
 *
 * Memory: one fixed-size record per remediation whose events were read (RecordColumns) and
 * its id and values in a StringTable (each distinct value once), off the JS heap.
 */
import type { LedgerEvent, Remediation, RemediationState, Snapshot } from '../domain/index.js';
import { canMove, REMEDIATION_STATES, UNVERIFIED_STATES } from '../domain/index.js';
import { EVENT } from './event-types.js';
import type { DifferenceList, EventRef } from './ledger-difference.js';
import { difference, eventRef, rowRef, show } from './ledger-difference.js';
import { RecordColumns } from './record-columns.js';
import { StringTable } from './string-table.js';

/** The transition events and the state each moves a remediation to. */
const MOVE_OF: Readonly<Record<string, RemediationState>> = {
  [EVENT.remediationRequested]: 'requested',
  [EVENT.remediationClaimed]: 'claimed',
  [EVENT.remediationVerified]: 'verified',
  [EVENT.remediationOverdue]: 'overdue',
  [EVENT.remediationFailed]: 'failed',
  [EVENT.remediationReappeared]: 'reappeared',
};

/** What remediation.opened says of the row (data key = row field). */
const OPENED_FIELDS = ['systemId', 'grantId', 'accountId', 'role', 'scope', 'itemId', 'campaignId', 'requestedBy', 'dueAt'] as const;

/**
 * Row fields only a transition sets: the event type that sets it and the data key that says its
 * value (null: the event does not carry it, only whether there is one is compared).
 */
const SET_BY: readonly { field: keyof Remediation; type: string; key: string | null }[] = [
  { field: 'requestedAt', type: EVENT.remediationRequested, key: 'requestedAt' },
  { field: 'claimedAt', type: EVENT.remediationClaimed, key: null },
  { field: 'claimedBy', type: EVENT.remediationClaimed, key: 'by' },
  { field: 'claimNote', type: EVENT.remediationClaimed, key: 'note' },
  { field: 'verifiedSnapshotId', type: EVENT.remediationVerified, key: 'snapshotId' },
  { field: 'verifiedSnapshotHash', type: EVENT.remediationVerified, key: 'snapshotHash' },
  { field: 'verifiedAt', type: EVENT.remediationVerified, key: 'verifiedAt' },
  { field: 'overdueAt', type: EVENT.remediationOverdue, key: 'overdueAt' },
  { field: 'reappearedAt', type: EVENT.remediationReappeared, key: null },
  { field: 'reappearedSnapshotId', type: EVENT.remediationReappeared, key: 'snapshotId' },
  { field: 'failure', type: EVENT.remediationFailed, key: 'failure' },
];
const TYPES = [EVENT.remediationOpened, ...Object.keys(MOVE_OF), EVENT.remediationItemAttached];

// A remediation's record. Seqs: its first event, the event that set its state, and the last
// event of each type (0: none). Codes: StringTable.codeOf() codes (0: no event said); event
// types as their index in TYPES + 1.
const FIRST = 0;
const STATE = 1;
const LAST_OF = (type: string) => 2 + TYPES.indexOf(type);
const OPENED = LAST_OF(EVENT.remediationOpened);
const SEQS = 2 + TYPES.length;

const FIRST_TYPE = 0;
const STATE_CODE = 1;
const STATE_TYPE = 2;
const SEEN = 3;
const REASON_KIND = 4;
const REASON_REF = 5;
const OPENED_CODE = (field: (typeof OPENED_FIELDS)[number]) => 6 + OPENED_FIELDS.indexOf(field);
const SET_CODE = (n: number) => 6 + OPENED_FIELDS.length + n;
const CODES = 6 + OPENED_FIELDS.length + SET_BY.length;

export function isRemediationEvent(type: string): boolean {
  return type === EVENT.remediationOpened || type === EVENT.remediationItemAttached || type in MOVE_OF;
}

/** The campaign of a remediation event: data.campaignId, else that of the review item its id names (`rem:${itemId}`); null for a finding's. */
export function campaignOfRemediationEvent(e: LedgerEvent): string | null {
  const c = e.data.campaignId;
  if (typeof c === 'string') return c;
  if (!e.subject.startsWith('rem:') || e.subject.startsWith('rem:finding:')) return null;
  const slash = e.subject.lastIndexOf('/');
  return slash < 0 ? null : e.subject.slice('rem:'.length, slash);
}

function text(value: unknown): string | null | undefined {
  return typeof value === 'string' || value === null ? value : undefined;
}

export class RemediationLedger {
  /** Remediation ids: a remediation's number in this table is its record's. */
  private readonly ids = new StringTable();
  private readonly records = new RecordColumns(SEQS, CODES);
  private readonly values = new StringTable();
  private snapshotsById = new Map<string, Snapshot>();

  /** `scope`: only remediations that end in these campaigns are compared (events of others may be fed and are ignored). */
  constructor(
    private readonly out: DifferenceList,
    private readonly scope: ReadonlySet<string> | null = null,
  ) {}

  /** One event of the ledger, in seq order (events of other types are ignored). */
  event(e: LedgerEvent): void {
    if (!isRemediationEvent(e.type)) return;
    let r = this.ids.intern(e.subject);
    // A new id gets the next number, which is the next record's.
    if (r === this.records.size) {
      r = this.records.add();
      this.records.setSeq(r, FIRST, e.seq);
      this.records.setCode(r, FIRST_TYPE, TYPES.indexOf(e.type) + 1);
    }
    if (e.type === EVENT.remediationOpened) this.opened(e, r);
    else if (e.type === EVENT.remediationItemAttached) this.attached(e, r);
    else this.moved(e, r, MOVE_OF[e.type]!);
  }

  private opened(e: LedgerEvent, r: number): void {
    const row = rowRef('remediations', e.subject);
    const first = this.records.seq(r, OPENED);
    if (first !== 0) {
      this.out.add(difference(row, eventRef(e, 'it was opened'), `opened twice (first at seq ${first}): a remediation has exactly one remediation.opened`));
      return;
    }
    this.records.setSeq(r, OPENED, e.seq);
    for (const field of OPENED_FIELDS) this.records.setCode(r, OPENED_CODE(field), this.values.codeOf(text(e.data[field])));
    const reason = e.data.reason as { kind?: unknown; ref?: unknown } | null | undefined;
    this.records.setCode(r, REASON_KIND, this.values.codeOf(text(reason?.kind)));
    this.records.setCode(r, REASON_REF, this.values.codeOf(text(reason?.ref)));
    const state = this.state(r);
    if (state !== null) {
      this.out.add(difference(row, eventRef(e, 'it was opened'), `after seq ${this.records.seq(r, STATE)} ${this.stateType(r)} (a remediation is opened before anything else happens to it)`));
      return;
    }
    this.setState(r, e, text(e.data.state) ?? 'open');
  }

  /** A revoked item joined a finding's remediation: the row's itemId and campaignId are now the event's. */
  private attached(e: LedgerEvent, r: number): void {
    const row = rowRef('remediations', e.subject);
    const state = this.state(r);
    const earlier = this.records.seq(r, LAST_OF(e.type));
    const itemCode = this.records.code(r, OPENED_CODE('itemId'));
    if (state === null) {
      this.out.add(difference(row, eventRef(e, 'an item was attached'), 'the remediation was not opened then: a remediation is opened before anything else happens to it'));
    } else if (earlier !== 0 || (itemCode !== 0 && this.values.valueOf(itemCode) !== null)) {
      this.out.add(difference(row, eventRef(e, 'an item was attached'), earlier !== 0 ? `an item was attached before (seq ${earlier}): a remediation takes one item` : 'the remediation has an item already'));
    } else if (!(UNVERIFIED_STATES as readonly string[]).includes(state)) {
      this.out.add(difference(row, eventRef(e, 'an item was attached'), `the remediation was ${state} (seq ${this.records.seq(r, STATE)} ${this.stateType(r)}): an item joins only a removal still awaited`));
    }
    this.records.setSeq(r, LAST_OF(e.type), e.seq);
    this.records.setCode(r, OPENED_CODE('itemId'), this.values.codeOf(text(e.data.itemId)));
    this.records.setCode(r, OPENED_CODE('campaignId'), this.values.codeOf(text(e.data.campaignId)));
  }

  private moved(e: LedgerEvent, r: number, to: RemediationState): void {
    const row = rowRef('remediations', e.subject);
    const state = this.state(r);
    const from = text(e.data.from);
    const then = state === null ? 'not opened' : `${state} (seq ${this.records.seq(r, STATE)} ${this.stateType(r)})`;
    if (state === null) {
      this.out.add(difference(row, eventRef(e, `it moved to ${show(to)}`), `the remediation was not opened then: a remediation is opened before anything else happens to it`));
    } else if (from !== undefined && from !== state) {
      this.out.add(difference(row, eventRef(e, `it moved from ${show(from)} to ${show(to)}`), `the remediation was ${then}`));
    } else if (!(REMEDIATION_STATES as readonly string[]).includes(state) || !canMove(state as RemediationState, to)) {
      this.out.add(difference(row, eventRef(e, `it moved to ${show(to)}`), `the remediation was ${then}, which does not move to ${to}`));
    } else if (to === 'overdue' && this.records.seq(r, LAST_OF(e.type)) !== 0) {
      this.out.add(difference(row, eventRef(e, 'it became overdue'), `marked overdue twice (first at seq ${this.records.seq(r, LAST_OF(e.type))}): a remediation is marked overdue once`));
    }
    this.records.setSeq(r, LAST_OF(e.type), e.seq);
    SET_BY.forEach(({ type, key }, n) => {
      if (type === e.type && key !== null) this.records.setCode(r, SET_CODE(n), this.values.codeOf(text(e.data[key])));
    });
    this.setState(r, e, to);
  }

  private state(r: number): string | null {
    return (this.values.valueOf(this.records.code(r, STATE_CODE)) as string | undefined) ?? null;
  }

  private stateType(r: number): string {
    return TYPES[this.records.code(r, STATE_TYPE) - 1] ?? '';
  }

  private setState(r: number, e: LedgerEvent, state: string): void {
    this.records.setCode(r, STATE_CODE, this.values.codeOf(state));
    this.records.setSeq(r, STATE, e.seq);
    this.records.setCode(r, STATE_TYPE, TYPES.indexOf(e.type) + 1);
  }

  /** The snapshot rows, before the remediation rows: a verified remediation names one of them. */
  snapshots(list: readonly Snapshot[]): void {
    this.snapshotsById = new Map(list.map((s) => [s.id, s]));
  }

  /** One remediation row: compared with its events. */
  row(rem: Remediation): void {
    const r = this.ids.indexOf(rem.id);
    if (r < 0 || this.records.code(r, SEEN) === 1) {
      this.out.add(difference(rowRef('remediations', rem.id, 'state', rem.state), null, 'no ledger event names this remediation (no remediation.opened)'));
      this.verifiedSnapshot(rem);
      return;
    }
    const records = this.records;
    records.setCode(r, SEEN, 1);
    const opened = records.seq(r, OPENED);
    if (opened === 0) this.out.add(difference(rowRef('remediations', rem.id), null, `no remediation.opened event (its first event is seq ${records.seq(r, FIRST)} ${TYPES[records.code(r, FIRST_TYPE) - 1]})`));
    const compare = (field: string, rowValue: unknown, code: number, event: () => EventRef) => {
      if (code !== 0 && !this.values.holds(code, rowValue)) this.out.add(difference(rowRef('remediations', rem.id, field, rowValue), event()));
    };
    const said = (seq: number, type: string, field: string, code: number) => () => eventRef({ seq, type }, `${field} ${show(this.values.valueOf(code))}`);
    const stateCode = records.code(r, STATE_CODE);
    compare('state', rem.state, stateCode, said(records.seq(r, STATE), this.stateType(r), 'state', stateCode));
    if (opened !== 0) {
      const attached = records.seq(r, LAST_OF(EVENT.remediationItemAttached));
      for (const field of OPENED_FIELDS) {
        // itemId and campaignId: an item-attached event's, when there is one.
        const [seq, type] = attached !== 0 && (field === 'itemId' || field === 'campaignId') ? [attached, EVENT.remediationItemAttached] : [opened, EVENT.remediationOpened];
        compare(field, rem[field], records.code(r, OPENED_CODE(field)), said(seq, type, field, records.code(r, OPENED_CODE(field))));
      }
      compare('reason.kind', rem.reason.kind, records.code(r, REASON_KIND), said(opened, EVENT.remediationOpened, 'reason.kind', records.code(r, REASON_KIND)));
      compare('reason.ref', rem.reason.ref, records.code(r, REASON_REF), said(opened, EVENT.remediationOpened, 'reason.ref', records.code(r, REASON_REF)));
    }
    SET_BY.forEach(({ field, type, key }, n) => {
      const seq = records.seq(r, LAST_OF(type));
      const value = rem[field];
      if (seq === 0) {
        if (value !== null) this.out.add(difference(rowRef('remediations', rem.id, field, value), null, `no ${type} event`));
        return;
      }
      if (key !== null) compare(field, value, records.code(r, SET_CODE(n)), said(seq, type, key, records.code(r, SET_CODE(n))));
    });
    this.verifiedSnapshot(rem);
  }

  /** A verified remediation names a complete snapshot of its system, with the content hash recorded. */
  private verifiedSnapshot(rem: Remediation): void {
    const id = rem.verifiedSnapshotId;
    if (id === null) return;
    const s = this.snapshotsById.get(id);
    const why = !s
      ? 'no snapshots row has that id'
      : s.status !== 'complete'
        ? `snapshot ${JSON.stringify(id)} is ${s.status}: only a complete snapshot verifies a removal`
        : s.systemId !== rem.systemId
          ? `snapshot ${JSON.stringify(id)} is of ${JSON.stringify(s.systemId)}, not of the remediation's system ${JSON.stringify(rem.systemId)}`
          : s.contentHash !== rem.verifiedSnapshotHash
            ? `snapshot ${JSON.stringify(id)} has contentHash ${show(s.contentHash)}, the row says ${show(rem.verifiedSnapshotHash)}`
            : null;
    if (why) this.out.add(difference(rowRef('remediations', rem.id, 'verifiedSnapshotId', id), null, why));
  }

  /** After every row: the remediations whose events name no row, in the order of their first event. */
  finish(): void {
    for (let r = 0; r < this.records.size; r++) {
      if (this.records.code(r, SEEN) === 1) continue;
      if (this.scope && !this.scope.has(this.values.valueOf(this.records.code(r, OPENED_CODE('campaignId'))) ?? '')) continue;
      const first = { seq: this.records.seq(r, FIRST), type: TYPES[this.records.code(r, FIRST_TYPE) - 1]! };
      this.out.add(difference(null, eventRef(first, `remediation ${JSON.stringify(this.ids.get(r))}`), 'no remediations row'));
    }
  }
}
