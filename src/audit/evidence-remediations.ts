/**
 * The remediations an evidence pack shows (one per revoked item of the exported campaigns),
 * read through the store and checked against their ledger events before anything is written:
 * a pack never shows a removal the ledger does not record.
 *
 * The check replays each remediation's `remediation.*` events in seq order: `opened` first
 * and once, then each transition sets the state its type names (an event type that names no
 * state moves nothing). The row must be in the
 * replayed state, and a verified (or since reappeared) row must name the snapshot id and hash
 * its `remediation.verified` event names. A row without events, an event of these campaigns
 * without a row, or a transition before the opening is a difference. Each remediation keeps
 * the seq and hash of the event that left it in its state, which remediations.csv carries
 * (verify-export checks them against the ledger).
 *
 * Rows and events are two reads; a move committed in between (row and event commit together)
 * would show as a difference that is not one, so a run that finds differences while the
 * ledger head moved is repeated, as reconcileLedger does.
 */
import type { Campaign, LedgerEvent, Remediation, RemediationState } from '../domain/index.js';
import { REMEDIATION_STATES, UNVERIFIED_STATES } from '../domain/index.js';
import type { Store } from '../store/ports.js';
import { EVENT } from './event-types.js';
import type { LedgerDifference } from './ledger-difference.js';
import { difference, DifferenceList, eventRef, rowRef, show } from './ledger-difference.js';

export interface PackRemediation {
  remediation: Remediation;
  /** The ledger event that left the remediation in its state: its seq and hash tie the row to the chain. */
  event: { seq: number; hash: string; type: string } | null;
  /** Hours the system had to remove the grant, as `remediation.opened` recorded them (null when it did not say). */
  slaHours: number | null;
  /** When the revoke was decided: filled while the pack streams the item's decision. */
  decidedAt: string | null;
}

export interface PackRemediations {
  /** itemId -> its remediation. */
  byItem: Map<string, PackRemediation>;
  /**
   * Remediations of findings (policies/global.yaml remediation.findings) that no revoke joined:
   * those opened while the campaigns ran (from the first opening to the last closing, or the
   * export) and those still unverified, whatever their system. By id.
   */
  findings: PackRemediation[];
  differences: LedgerDifference[];
  /** All differences found (differences holds the first ones). */
  count: number;
}

const PREFIX = 'remediation.';
const TABLE = 'remediations';

/** The state a remediation event leaves (opened: the state it records, else `open`). */
export function stateAfter(e: Pick<LedgerEvent, 'type' | 'data'>): RemediationState | null {
  if (e.type === EVENT.remediationOpened) return typeof e.data.state === 'string' && isState(e.data.state) ? e.data.state : 'open';
  if (!e.type.startsWith(PREFIX)) return null;
  const state = e.type.slice(PREFIX.length);
  return isState(state) ? state : null;
}

function isState(s: string): s is RemediationState {
  return (REMEDIATION_STATES as readonly string[]).includes(s);
}

interface Track {
  opened: LedgerEvent | null;
  last: LedgerEvent;
  state: RemediationState | null;
  verified: LedgerEvent | null;
  campaignId: string | null;
}

/** Reads the remediations of `campaigns` and checks them against the ledger (see above). */
export async function readPackRemediations(store: Pick<Store, 'remediations' | 'ledger'>, campaigns: readonly Campaign[], opts: { limit?: number; attempts?: number } = {}): Promise<PackRemediations> {
  const attempts = opts.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    const head = (await store.ledger.head())?.seq ?? 0;
    const r = await readOnce(store, campaigns, head, opts.limit ?? 20);
    if (r.count === 0 || attempt >= attempts || ((await store.ledger.head())?.seq ?? 0) === head) return r;
  }
}

async function readOnce(store: Pick<Store, 'remediations' | 'ledger'>, campaigns: readonly Campaign[], head: number, limit: number): Promise<PackRemediations> {
  const check = await PackRemediationCheck.read(store, campaigns, head, limit);
  if (campaigns.length > 0) for (const e of await store.ledger.query({ type: PREFIX, since: check.since })) check.event(e);
  return check.result();
}

/**
 * One check of a pack's remediations (see above) in three steps: their rows read (read), then
 * the ledger's events given in seq order (event: those wants() names are kept), then the check
 * (result). A reader of the whole ledger (EvidenceExporter) gives it the events of its own read,
 * sparing the walk of the time index readPackRemediations makes.
 */
export class PackRemediationCheck {
  private readonly ids: ReadonlySet<string>;
  private readonly byId: ReadonlyMap<string, Remediation>;
  /** The events kept, replayed by result() in (at, seq) order: the ledger's time-ordered query's. */
  private readonly events: LedgerEvent[] = [];

  private constructor(
    campaigns: readonly Campaign[],
    /** The pack's remediation rows: of the campaigns' items, then of findings (findingRemediationsOf). */
    readonly rows: readonly Remediation[],
    /** The time of the oldest event that can be theirs: a remediation is opened after its revoke, so after its campaign opened; a finding's that a revoke joined (remediation.item-attached) may be older: from its opening. */
    readonly since: string,
    /** Events after this seq are not read: the rows were read at this head. */
    private readonly head: number,
    private readonly limit: number,
  ) {
    this.ids = new Set(campaigns.map((c) => c.id));
    this.byId = new Map(rows.map((r) => [r.id, r]));
  }

  /** Reads the rows; `head`, the ledger head read before them. */
  static async read(store: Pick<Store, 'remediations'>, campaigns: readonly Campaign[], head: number, limit = 20): Promise<PackRemediationCheck> {
    if (campaigns.length === 0) return new PackRemediationCheck(campaigns, [], '', head, limit);
    const ids = new Set(campaigns.map((c) => c.id));
    const all = await store.remediations.list();
    const rows = all.filter((r) => r.campaignId !== null && ids.has(r.campaignId) && r.itemId !== null);
    rows.push(...findingRemediationsOf(all, campaigns));
    const since = [...campaigns.map((c) => c.openedAt), ...rows.map((r) => r.openedAt)].sort()[0]!;
    return new PackRemediationCheck(campaigns, rows, since, head, limit);
  }

  /** The rows result() lists (byItem keeps one per item: the last read), for packMembersOf before the check. */
  listedRows(): Remediation[] {
    const byItem = new Map<string, Remediation>();
    const findings: Remediation[] = [];
    for (const r of this.rows) {
      if (r.itemId === null) findings.push(r);
      else byItem.set(r.itemId, r);
    }
    return [...byItem.values(), ...findings];
  }

  /** Whether an event of this type at this time is one event() keeps (the caller parses only those). */
  wants(type: string, at: string): boolean {
    return this.ids.size > 0 && type.startsWith(PREFIX) && at >= this.since;
  }

  /** One ledger event, in seq order (anything else than a remediation event of these rows or campaigns, up to the head, is ignored). */
  event(e: LedgerEvent): void {
    if (e.seq > this.head || !this.wants(e.type, e.at)) return;
    const inScope = this.byId.has(e.subject) || (e.type === EVENT.remediationOpened && typeof e.data.campaignId === 'string' && this.ids.has(e.data.campaignId));
    if (inScope) this.events.push(e);
  }

  /** The rows with their events, and the differences between them. */
  result(): PackRemediations {
    const out = new DifferenceList(this.limit);
    const byItem = new Map<string, PackRemediation>();
    const findings: PackRemediation[] = [];
    if (this.ids.size === 0) return { byItem, findings, differences: [], count: 0 };
    // Given in seq order; a stable sort by time gives the (at, seq) order the replay has always read them in.
    const events = this.events.slice().sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    const tracks = new Map<string, Track>();
    for (const e of events) replay(tracks, e, out);

    for (const r of this.rows) {
      const t = tracks.get(r.id);
      tracks.delete(r.id);
      if (!t || !t.opened) {
        out.add(difference(rowRef(TABLE, r.id, 'state', r.state), t ? eventRef(t.last, `state ${show(t.state)}`) : null, `no ${EVENT.remediationOpened} event`));
      } else {
        if (t.state !== r.state) out.add(difference(rowRef(TABLE, r.id, 'state', r.state), eventRef(t.last, `state ${show(t.state)}`)));
        if (r.verifiedSnapshotId !== null || t.verified) {
          const said = t.verified?.data ?? {};
          if (!t.verified) out.add(difference(rowRef(TABLE, r.id, 'verifiedSnapshotId', r.verifiedSnapshotId), null, `no ${EVENT.remediationVerified} event`));
          else {
            if (said.snapshotId !== r.verifiedSnapshotId) out.add(difference(rowRef(TABLE, r.id, 'verifiedSnapshotId', r.verifiedSnapshotId), eventRef(t.verified, `snapshotId ${show(said.snapshotId)}`)));
            if (said.snapshotHash !== r.verifiedSnapshotHash) out.add(difference(rowRef(TABLE, r.id, 'verifiedSnapshotHash', r.verifiedSnapshotHash), eventRef(t.verified, `snapshotHash ${show(said.snapshotHash)}`)));
          }
        }
      }
      const sla = t?.opened?.data.slaHours;
      const pr: PackRemediation = { remediation: r, event: t ? { seq: t.last.seq, hash: t.last.hash, type: t.last.type } : null, slaHours: typeof sla === 'number' ? sla : null, decidedAt: null };
      if (r.itemId === null) findings.push(pr);
      else byItem.set(r.itemId, pr);
    }
    findings.sort((a, b) => a.remediation.id.localeCompare(b.remediation.id));
    for (const [id, t] of tracks) {
      const first = t.opened ?? t.last;
      out.add(difference(null, eventRef(first, `remediation ${JSON.stringify(id)}${t.campaignId ? ` of ${t.campaignId}` : ''}`), `no ${TABLE} row`));
    }
    return { byItem, findings, differences: out.first, count: out.count };
  }
}

/** The pack's finding remediations without an item (see PackRemediations.findings). */
function findingRemediationsOf(all: readonly Remediation[], campaigns: readonly Campaign[]): Remediation[] {
  const from = campaigns.map((c) => c.openedAt).sort()[0]!;
  const to = campaigns.some((c) => c.closedAt === null) ? null : campaigns.map((c) => c.closedAt!).sort().at(-1)!;
  const unverified: readonly string[] = UNVERIFIED_STATES;
  return all.filter((r) => r.itemId === null && r.reason.kind === 'finding' && (unverified.includes(r.state) || (r.openedAt >= from && (to === null || r.openedAt <= to))));
}

function replay(tracks: Map<string, Track>, e: LedgerEvent, out: DifferenceList): void {
  const state = stateAfter(e);
  let t = tracks.get(e.subject);
  if (e.type === EVENT.remediationOpened) {
    if (t?.opened) {
      out.add(difference(rowRef(TABLE, e.subject), eventRef(e, 'it was opened'), `opened twice (first at seq ${t.opened.seq})`));
      return;
    }
    const campaignId = typeof e.data.campaignId === 'string' ? e.data.campaignId : null;
    if (t) out.add(difference(rowRef(TABLE, e.subject), eventRef(e, 'it was opened'), `after seq ${t.last.seq} ${t.last.type} (a remediation is opened before it moves)`));
    tracks.set(e.subject, { opened: e, last: e, state, verified: t?.verified ?? null, campaignId });
    return;
  }
  // An event that names no state (a reminder, say) moves nothing.
  if (state === null) return;
  if (!t) tracks.set(e.subject, (t = { opened: null, last: e, state, verified: null, campaignId: null }));
  t.last = e;
  t.state = state;
  if (e.type === EVENT.remediationVerified) t.verified = e;
}
