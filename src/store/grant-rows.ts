/**
 * A batch of a snapshot's grants as raw fields (SnapshotStore.scanGrantRows): for a reader that
 * keeps a whole snapshot only to compare against it, like the sync's diff. It keeps the texts as
 * they come and reads fields in place, where a Grant per row costs an object and a dozen strings,
 * all garbage once compared.
 *
 * A row is GRANT_ROW_FIELDS fields (no id and no system: a reader knows the system and derives
 * the id when it needs one); `lengths` holds GRANT_ROW_FIELDS lengths per row (-1 for null) and
 * `texts` the fields concatenated, row after row, `rowsPerText` rows a text (the last may hold
 * fewer). A field starts where the one before it in its text ends; a null field takes no room.
 * The detail is its stored form, the canonical JSON grantDetailText gives (null for none).
 */
import type { Grant } from '../domain/index.js';
import { grantDetailText } from '../domain/index.js';

export interface GrantRows {
  count: number;
  texts: readonly string[];
  rowsPerText: number;
  lengths: Int32Array;
}

/** The fields of a row, in order: indexes into a row's lengths. */
export const ROW_ACCOUNT = 0;
export const ROW_ROLE = 1;
export const ROW_SCOPE = 2;
export const ROW_IDENTITY_ID = 3;
export const ROW_IDENTITY_REF = 4;
export const ROW_DISPLAY_NAME = 5;
export const ROW_ACCOUNT_TYPE = 6;
export const ROW_ACCOUNT_STATUS = 7;
export const ROW_LAST_ACTIVITY = 8;
export const ROW_FIRST_SEEN = 9;
export const ROW_DETAIL = 10;
export const GRANT_ROW_FIELDS = 11;

/** Rows a text of grantRowsOf: ~30 KB texts (small strings die young). */
const ROWS_PER_TEXT = 256;

/** The fields of a grant, in row order (the detail as grantDetailText stores it). */
export function grantRowFields(g: Grant): (string | null)[] {
  return [g.accountId, g.role, g.scope, g.identityId, g.identityRef, g.accountDisplayName, g.accountType, g.accountStatus, g.lastActivityAt, g.firstSeenAt, grantDetailText(g.detail)];
}

/** Grants as rows: for a store that reads Grants (Mongo, SQLite without its worker). */
export function grantRowsOf(grants: readonly Grant[], rowsPerText = ROWS_PER_TEXT): GrantRows {
  const lengths = new Int32Array(grants.length * GRANT_ROW_FIELDS);
  const texts: string[] = [];
  let parts: string[] = [];
  let k = 0;
  for (let r = 0; r < grants.length; r++) {
    for (const field of grantRowFields(grants[r]!)) {
      lengths[k++] = field === null ? -1 : field.length;
      if (field !== null) parts.push(field);
    }
    if ((r + 1) % rowsPerText === 0 || r === grants.length - 1) {
      texts.push(parts.join(''));
      parts = [];
    }
  }
  return { count: grants.length, texts, rowsPerText, lengths };
}
