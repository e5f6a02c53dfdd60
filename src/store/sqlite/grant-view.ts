/**
 * Which grant rows a snapshot reads (see migration 12 and SqliteSnapshotStore): shared by the
 * stores that look grants up in a snapshot.
 */

/** Rows visible at a version (params: system key, version, version); none at a null version. */
export const AT_VERSION = `(delta_key IN (SELECT key FROM grant_deltas WHERE system_key = ? AND version <= ?) AND (removed IS NULL OR removed > ?))`;
/** A delta's pending removals (param: delta key). */
export const NOT_PENDING_REMOVAL = 'row NOT IN (SELECT row FROM grant_removals WHERE delta_key = ?)';
/**
 * The rows a snapshot reads (see above); params: snapshotViewParams(snapshot). The own-delta term
 * gets -1 (no delta) once the snapshot is applied: its rows are then read at its version.
 */
export const VISIBLE = `((${AT_VERSION} AND ${NOT_PENDING_REMOVAL}) OR delta_key = ?)`;

/** What reading a snapshot's grants takes (SNAPSHOT_VIEW_SQL). */
export interface SnapshotView {
  systemKey: number;
  /** Its own delta: the grants it added or replaced. */
  deltaKey: number;
  /** The version it was pulled against (fromPrevious), null: none. */
  baseVersion: number | null;
  /** Its delta's version once applied (made current), null while never applied. */
  version: number | null;
}

export const SNAPSHOT_VIEW_SQL = `SELECT d.system_key AS systemKey, s.delta_key AS deltaKey, s.base_version AS baseVersion, d.version
  FROM snapshots s JOIN grant_deltas d ON d.key = s.delta_key WHERE s.id = ?`;

export type ViewParams = [number, number | null, number | null, number, number];

/** VISIBLE's parameters for a snapshot. */
export function snapshotViewParams(h: SnapshotView): ViewParams {
  const at = h.version ?? h.baseVersion;
  return [h.systemKey, at, at, h.deltaKey, h.version === null ? h.deltaKey : -1];
}
