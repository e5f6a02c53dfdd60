/**
 * Snapshot rows and the current snapshot of each system against the sync events.
 *
 * Every finished snapshot has exactly one outcome event (sync.completed, sync.partial,
 * sync.failed, sync.quarantined; a stale run closed by a later sync is a sync.failed with
 * data.stale) whose data.snapshotId names it and whose status, counts and content hash are the
 * row's; a running snapshot has none yet. A quarantined snapshot accepted deliberately is
 * `complete` with acceptedBy, after one sync.quarantine-accepted by that person. The current
 * snapshot of a system (system_state) is the one the ledger applied last: the newest
 * sync.completed or sync.quarantine-accepted of that system.
 */
import type { LedgerEvent, Snapshot, SnapshotCounts, SnapshotStatus } from '../domain/index.js';
import { EVENT } from './event-types.js';
import type { DifferenceList } from './ledger-difference.js';
import { difference, eventRef, rowRef, show } from './ledger-difference.js';

const OUTCOME_OF: Readonly<Record<string, SnapshotStatus>> = {
  [EVENT.syncCompleted]: 'complete',
  [EVENT.syncPartial]: 'partial',
  [EVENT.syncFailed]: 'failed',
  [EVENT.syncQuarantined]: 'quarantined',
};

export function isSnapshotEvent(type: string): boolean {
  return type in OUTCOME_OF || type === EVENT.syncAccepted;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function sameCounts(row: SnapshotCounts, said: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(row), ...Object.keys(said)]);
  for (const k of keys) if ((row as unknown as Record<string, unknown>)[k] !== said[k]) return false;
  return true;
}

export class SnapshotLedger {
  private readonly outcomes = new Map<string, LedgerEvent[]>();
  private readonly acceptances = new Map<string, LedgerEvent[]>();
  /** systemId -> the newest event that made a snapshot current. */
  private readonly applied = new Map<string, LedgerEvent>();

  constructor(private readonly out: DifferenceList) {}

  event(e: LedgerEvent): void {
    if (!isSnapshotEvent(e.type)) return;
    const snapshotId = e.data.snapshotId;
    if (typeof snapshotId !== 'string') {
      this.out.add(difference(null, eventRef(e, `system ${JSON.stringify(e.subject)} without a snapshotId`), 'the event names no snapshot'));
      return;
    }
    if (e.type === EVENT.syncAccepted) push(this.acceptances, snapshotId, e);
    else push(this.outcomes, snapshotId, e);
    if (e.type === EVENT.syncCompleted || e.type === EVENT.syncAccepted) this.applied.set(e.subject, e);
  }

  row(s: Snapshot): void {
    const outcomes = this.outcomes.get(s.id) ?? [];
    const acceptances = this.acceptances.get(s.id) ?? [];
    this.outcomes.delete(s.id);
    this.acceptances.delete(s.id);
    const status = rowRef('snapshots', s.id, 'status', s.status);
    if (s.status === 'running') {
      if (outcomes[0]) this.out.add(difference(status, eventRef(outcomes[0], `status ${show(this.statusOf(outcomes[0]))}`)));
      if (acceptances[0]) this.out.add(difference(status, eventRef(acceptances[0], 'it was accepted')));
      return;
    }
    const outcome = outcomes[0];
    if (!outcome) {
      this.out.add(difference(status, null, 'no sync event recorded its outcome'));
      return;
    }
    if (outcomes[1]) this.out.add(difference(rowRef('snapshots', s.id), eventRef(outcomes[1], `status ${show(this.statusOf(outcomes[1]))} (first outcome at seq ${outcome.seq})`), 'a snapshot has exactly one outcome event'));
    if (acceptances[1]) this.out.add(difference(rowRef('snapshots', s.id), eventRef(acceptances[1], `accepted again (first at seq ${acceptances[0]!.seq})`), 'a snapshot is accepted once'));
    const finished = this.statusOf(outcome);
    const accepted = acceptances[0];
    if (accepted && finished !== 'quarantined') {
      this.out.add(difference(rowRef('snapshots', s.id), eventRef(accepted, 'it was accepted'), `seq ${outcome.seq} ${outcome.type} finished it ${show(finished)}: only a quarantined snapshot is accepted`));
    }
    const expected = accepted ? 'complete' : finished;
    if (s.status !== expected) this.out.add(difference(status, eventRef(accepted ?? outcome, accepted ? `it was accepted (status "complete")` : `status ${show(finished)}`)));
    if (accepted && s.acceptedBy !== accepted.actor) this.out.add(difference(rowRef('snapshots', s.id, 'acceptedBy', s.acceptedBy), eventRef(accepted, `accepted by ${show(accepted.actor)}`)));
    if (!accepted && s.acceptedBy !== null) this.out.add(difference(rowRef('snapshots', s.id, 'acceptedBy', s.acceptedBy), null, 'no sync.quarantine-accepted event'));
    if (outcome.subject !== s.systemId) this.out.add(difference(rowRef('snapshots', s.id, 'systemId', s.systemId), eventRef(outcome, `system ${show(outcome.subject)}`)));
    const counts = outcome.data.counts;
    if (counts !== null && typeof counts === 'object' && !sameCounts(s.counts, counts as Record<string, unknown>)) {
      this.out.add(difference(rowRef('snapshots', s.id, 'counts', s.counts), eventRef(outcome, `counts ${show(counts)}`)));
    }
    if ('contentHash' in outcome.data && outcome.data.contentHash !== s.contentHash) {
      this.out.add(difference(rowRef('snapshots', s.id, 'contentHash', s.contentHash), eventRef(outcome, `contentHash ${show(outcome.data.contentHash)}`)));
    }
  }

  /** The current snapshot of every system (system_state) against the last one the ledger applied. */
  current(current: ReadonlyMap<string, Snapshot>): void {
    for (const [systemId, snapshot] of current) {
      const applied = this.applied.get(systemId);
      const row = rowRef('system_state', systemId, 'snapshotId', snapshot.id);
      if (!applied) this.out.add(difference(row, null, 'no sync.completed or sync.quarantine-accepted event applied a snapshot of this system'));
      else if (applied.data.snapshotId !== snapshot.id) this.out.add(difference(row, eventRef(applied, `the snapshot applied last is ${show(applied.data.snapshotId)}`)));
    }
    for (const [systemId, applied] of this.applied) {
      if (!current.has(systemId)) this.out.add(difference(null, eventRef(applied, `snapshot ${show(applied.data.snapshotId)} became current`), `no system_state row for ${JSON.stringify(systemId)}`));
    }
  }

  /** After every row: outcome and acceptance events naming a snapshot that has no row. */
  finish(): void {
    for (const map of [this.outcomes, this.acceptances]) {
      for (const [id, events] of map) this.out.add(difference(null, eventRef(events[0]!, `snapshot ${JSON.stringify(id)}`), 'no snapshots row'));
      map.clear();
    }
  }

  private statusOf(e: LedgerEvent): unknown {
    return e.data.status ?? OUTCOME_OF[e.type];
  }
}
