import type Database from 'better-sqlite3';
import type { Identity } from '../../domain/index.js';
import type { IdentityStore } from '../ports.js';
import { IDENTITY_COLUMNS, toIdentity, type IdentityRow } from './identity-row.js';

/**
 * Identities as currently known: those of the current snapshot of every system that has
 * identities (directory systems). Superseded snapshots' identities stay as evidence but are
 * not current. Emails compare case-insensitively: the query is lower-cased here (SQLite's
 * lower() folds ASCII only), the column through the lower(email) index. Where two
 * directories know the same id or email, the first system (by id) wins, so answers are
 * deterministic.
 */
const CURRENT = `FROM system_state st JOIN identities i ON i.snapshot_id = st.snapshot_id`;

export class SqliteIdentityStore implements IdentityStore {
  private readonly selectAll;
  private readonly selectById;
  private readonly selectByEmail;

  constructor(db: Database.Database) {
    this.selectAll = db.prepare<[], IdentityRow>(`SELECT ${IDENTITY_COLUMNS} ${CURRENT} ORDER BY i.id, st.system_id`);
    this.selectById = db.prepare<[string], IdentityRow>(`SELECT ${IDENTITY_COLUMNS} ${CURRENT} WHERE i.id = ? ORDER BY st.system_id LIMIT 1`);
    this.selectByEmail = db.prepare<[string], IdentityRow>(
      `SELECT ${IDENTITY_COLUMNS} ${CURRENT} WHERE lower(i.email) = ? ORDER BY st.system_id, i.id LIMIT 1`,
    );
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
