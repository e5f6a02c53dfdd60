import type Database from 'better-sqlite3';
import type { Identity } from '../../domain/index.js';
import type { IdentityStore } from '../ports.js';
import { IDENTITY_COLUMNS, toIdentity, type IdentityRow } from './identity-row.js';

/**
 * Identities as currently known: those of the current snapshot of every system that has
 * identities (directory systems). Superseded snapshots' identities stay as evidence but are
 * not current. A snapshot's people are membership rows read at its version (migration 20,
 * identity-members.ts), each pointing to an identity_versions row (one per distinct content,
 * migration 15). Emails compare case-insensitively: the query is lower-cased here (SQLite's
 * lower() folds ASCII only), the column through the lower(email) index. Where two
 * directories know the same id or email, the first system (by id) wins, so answers are
 * deterministic.
 */
// CROSS JOIN fixes the join order (SQLite keeps it): from the few current snapshots (applied:
// they read at their delta's version) to their system's people by primary key; left to the
// planner it may scan every system's people.
const CURRENT = `FROM system_state st CROSS JOIN snapshots s ON s.id = st.snapshot_id CROSS JOIN grant_deltas d ON d.key = s.delta_key
  CROSS JOIN identity_members m ON m.system_key = d.system_key CROSS JOIN grant_deltas x ON x.key = m.delta_key
  CROSS JOIN identity_versions i ON i.vkey = m.vkey`;
const AT_CURRENT = 'x.version <= d.version AND (m.removed IS NULL OR m.removed > d.version)';

export const CURRENT_IDENTITIES_SQL = `SELECT ${IDENTITY_COLUMNS} ${CURRENT} WHERE ${AT_CURRENT} ORDER BY m.id, st.system_id`;
export const CURRENT_IDENTITY_BY_ID_SQL = `SELECT ${IDENTITY_COLUMNS} ${CURRENT} WHERE m.id = ? AND ${AT_CURRENT} ORDER BY st.system_id LIMIT 1`;
/** From the versions with that email (index), then whether a current snapshot holds one. */
export const CURRENT_IDENTITY_BY_EMAIL_SQL = `SELECT ${IDENTITY_COLUMNS} FROM identity_versions i CROSS JOIN system_state st
  CROSS JOIN snapshots s ON s.id = st.snapshot_id CROSS JOIN grant_deltas d ON d.key = s.delta_key
  CROSS JOIN identity_members m ON m.system_key = d.system_key AND m.id = i.id AND m.vkey = i.vkey CROSS JOIN grant_deltas x ON x.key = m.delta_key
  WHERE lower(i.email) = ? AND ${AT_CURRENT} ORDER BY st.system_id, i.id LIMIT 1`;

export class SqliteIdentityStore implements IdentityStore {
  private readonly selectAll;
  private readonly selectById;
  private readonly selectByEmail;

  constructor(db: Database.Database) {
    this.selectAll = db.prepare<[], IdentityRow>(CURRENT_IDENTITIES_SQL);
    this.selectById = db.prepare<[string], IdentityRow>(CURRENT_IDENTITY_BY_ID_SQL);
    this.selectByEmail = db.prepare<[string], IdentityRow>(CURRENT_IDENTITY_BY_EMAIL_SQL);
  }

  async current(): Promise<Identity[]> {
    return this.selectAll.all().map(toIdentity);
  }

  async get(id: string): Promise<Identity | null> {
    const row = this.selectById.get(id);
    return row ? toIdentity(row) : null;
  }

  async findByEmail(email: string): Promise<Identity | null> {
    const row = this.selectByEmail.get(email.trim().toLowerCase());
    return row ? toIdentity(row) : null;
  }
}
