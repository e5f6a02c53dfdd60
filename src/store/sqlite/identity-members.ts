/**
 * Which people a snapshot reads (migration 20): membership rows (system, id, delta, removed,
 * identity version) stored once per change and read at a version as grant rows are
 * (grant-view.ts), for the snapshot store (a snapshot's people, writes, promotion); the identity
 * store reads the current snapshots' people the same way. Predicates are on identity_members
 * aliased `m`, with its delta aliased `x`, unless said.
 */
import { IDENTITY_COLUMNS } from './identity-row.js';

/** Rows visible at a version (params: version, version): added by a delta of version <= it, not removed at or before it. */
const AT = '(x.version <= ? AND (m.removed IS NULL OR m.removed > ?))';

/** What reading a snapshot's people takes. */
export interface IdentityView {
  key: number;
  status: string;
  systemKey: number;
  deltaKey: number;
  /** Its delta's version once applied, null while never applied. */
  version: number | null;
  /** The version it was pulled against (fromPrevious), null: its own rows are all its people. */
  identityBase: number | null;
}

export const IDENTITY_VIEW_SQL = `SELECT s.key, s.status, d.system_key AS systemKey, s.delta_key AS deltaKey, d.version, s.identity_base AS identityBase
  FROM snapshots s JOIN grant_deltas d ON d.key = s.delta_key WHERE s.id = ?`;

const FROM = 'FROM identity_members m CROSS JOIN grant_deltas x ON x.key = m.delta_key';

/**
 * A snapshot's people in id order (params: memberParams): applied, those visible at its version;
 * never applied, those of its base it kept (running: the ones it was given unchanged,
 * identity_seen; finished: all but its pending removals) plus its own rows.
 */
const PEOPLE = `SELECT ${IDENTITY_COLUMNS} ${FROM} CROSS JOIN identity_versions i ON i.vkey = m.vkey WHERE m.system_key = ?`;
export const FINISHED_IDENTITIES_SQL = `${PEOPLE} AND ((${AT} AND m.id NOT IN (SELECT id FROM identity_removals WHERE delta_key = ?)) OR m.delta_key = ?) ORDER BY m.id`;
export const RUNNING_IDENTITIES_SQL = `${PEOPLE} AND ((${AT} AND m.id IN (SELECT id FROM identity_seen WHERE delta_key = ?)) OR m.delta_key = ?) ORDER BY m.id`;

export type MemberParams = [number, number | null, number | null, number, number];

/** The parameters of FINISHED_IDENTITIES_SQL / RUNNING_IDENTITIES_SQL for a snapshot. */
export function memberParams(v: IdentityView): MemberParams {
  if (v.version !== null) return [v.systemKey, v.version, v.version, -1, -1];
  return [v.systemKey, v.identityBase, v.identityBase, v.deltaKey, v.deltaKey];
}

/** The row of one person visible at a version (params: system, id, version, version): its identity version key. */
export const MEMBER_AT_SQL = `SELECT m.vkey ${FROM} WHERE m.system_key = ? AND m.id = ? AND ${AT}`;

/**
 * A finishing snapshot's base people it was not given become its pending removals
 * (params: delta, system, base, base, delta); those it was given changed are already.
 */
export const REMOVE_UNSEEN_SQL = `INSERT OR IGNORE INTO identity_removals (delta_key, id)
  SELECT ?, m.id ${FROM} WHERE m.system_key = ? AND ${AT} AND m.id NOT IN (SELECT id FROM identity_seen WHERE delta_key = ?)`;

/**
 * Applying a snapshot pulled against the current version: its pending removals remove the
 * current rows of those people (params: version, system, delta, system). Current rows are the
 * applied ones not removed; rows of deltas never applied (version null) are left alone.
 */
export const REMOVE_MARKED_MEMBERS_SQL = `UPDATE identity_members SET removed = ?
  WHERE system_key = ? AND id IN (SELECT id FROM identity_removals WHERE delta_key = ?) AND removed IS NULL
    AND delta_key IN (SELECT key FROM grant_deltas WHERE system_key = ? AND version IS NOT NULL)`;

/** As grant-view's AT_VERSION, on identity_members (params: system, version, version). */
const AT_VERSION = '(delta_key IN (SELECT key FROM grant_deltas WHERE system_key = ? AND version <= ?) AND (removed IS NULL OR removed > ?))';
const NOT_PENDING = 'id NOT IN (SELECT id FROM identity_removals WHERE delta_key = ?)';
/**
 * Rebasing (as the grants' REBASE_COPY_SQL / REBASE_REMOVE_SQL): the people read at `from` (minus
 * pending removals) that the current version lacks are copied into `into`; the current version's
 * rows not read at `from` are removed at the new version.
 * Copy params: into, system, system, from, from, removals delta, system, current, current.
 * Remove params: next, system, system, current, current, system, from, from, removals delta.
 */
export const REBASE_COPY_MEMBERS_SQL = `INSERT INTO identity_members (system_key, id, delta_key, removed, vkey)
  SELECT system_key, id, ?, NULL, vkey FROM identity_members
  WHERE system_key = ? AND ${AT_VERSION} AND ${NOT_PENDING} AND NOT ${AT_VERSION}`;
export const REBASE_REMOVE_MEMBERS_SQL = `UPDATE identity_members SET removed = ?
  WHERE system_key = ? AND ${AT_VERSION} AND NOT (${AT_VERSION} AND ${NOT_PENDING})`;
