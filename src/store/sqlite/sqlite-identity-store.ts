import type Database from 'better-sqlite3';
import type { Identity } from '../../domain/index.js';
import type { IdentityStore } from '../ports.js';
import { IDENTITY_COLUMNS, toIdentity, type IdentityRow } from './identity-row.js';

/**
 * Identities as currently known: those of the current snapshot of every system that has
 * identities (directory systems). Superseded snapshots' identities stay as evidence but are
 * not current. A snapshot's people are (snapshot key, id) -> identity_versions rows (one per
 * distinct content, migration 15); the joins below go through that key. Emails compare case-insensitively: the query is lower-cased here (SQLite's
 * lower() folds ASCII only), the column through the lower(email) index. Where two
 * directories know the same id or email, the first system (by id) wins, so answers are
 * deterministic.
 */
// CROSS JOIN fixes the join order (SQLite keeps it): from the few current snapshots to their
// people by primary key; left to the planner it may scan every snapshot's people.
const CURRENT = `FROM system_state st CROSS JOIN snapshots s ON s.id = st.snapshot_id
  CROSS JOIN snapshot_identities m ON m.snapshot_key = s.key CROSS JOIN identity_versions i ON i.vkey = m.vkey`;

export const CURRENT_IDENTITIES_SQL = `SELECT ${IDENTITY_COLUMNS} ${CURRENT} ORDER BY m.id, st.system_id`;
export const CURRENT_IDENTITY_BY_ID_SQL = `SELECT ${IDENTITY_COLUMNS} ${CURRENT} WHERE m.id = ? ORDER BY st.system_id LIMIT 1`;
/** From the versions with that email (index), then whether a current snapshot holds one. */
export const CURRENT_IDENTITY_BY_EMAIL_SQL = `SELECT ${IDENTITY_COLUMNS} FROM identity_versions i CROSS JOIN system_state st
  CROSS JOIN snapshots s ON s.id = st.snapshot_id
  CROSS JOIN snapshot_identities m ON m.snapshot_key = s.key AND m.id = i.id AND m.vkey = i.vkey
  WHERE lower(i.email) = ? ORDER BY st.system_id, i.id LIMIT 1`;

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
