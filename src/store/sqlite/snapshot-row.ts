import type { Snapshot } from '../../domain/index.js';
import { parseJson } from './parse-json.js';

/** Snapshot columns, aliased to the domain's field names (table alias `s`). */
export const SNAPSHOT_COLUMNS = `s.id, s.system_id AS systemId, s.status, s.started_at AS startedAt,
  s.finished_at AS finishedAt, s.duration_ms AS durationMs, s.counts, s.problems,
  s.content_hash AS contentHash, s.previous_snapshot_id AS previousSnapshotId, s.accepted_by AS acceptedBy`;

export type SnapshotRow = Omit<Snapshot, 'counts' | 'problems'> & { counts: string; problems: string };

export function toSnapshot(row: SnapshotRow): Snapshot {
  return { ...row, counts: parseJson(row.counts, 'snapshots.counts'), problems: parseJson(row.problems, 'snapshots.problems') };
}
