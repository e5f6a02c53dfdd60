/**
 * The difference between two stored snapshots of one system, for `snapshot diff`: grants
 * added, removed and changed (same id, another fingerprint), and for a directory its
 * identities. Grants are compared by a merge of the two snapshots' id-ordered streams
 * (SnapshotStore.grants), so a million-grant snapshot is never held in memory; only the
 * first `limit` lines of each kind are kept, every line is counted.
 */
import type { Grant, Identity } from '../domain/index.js';
import { grantDetailText, grantFingerprint } from '../domain/index.js';

export type DiffKind = 'added' | 'removed' | 'changed';

export interface GrantDiffLine {
  kind: DiffKind;
  grantId: string;
  accountId: string;
  role: string;
  scope: string;
  /** The grant in the older (`from`) snapshot, null when added. */
  before: Grant | null;
  /** The grant in the newer (`to`) snapshot, null when removed. */
  after: Grant | null;
  /** For `changed`: which fingerprint fields differ (identityId, accountStatus, ...). */
  fields: string[];
}

export interface IdentityDiffLine {
  kind: DiffKind;
  identityId: string;
  displayName: string;
  /** For `changed`: which fields differ. */
  fields: string[];
}

export interface DiffCounts {
  added: number;
  removed: number;
  changed: number;
}

export interface SnapshotDiff {
  grants: DiffCounts;
  /** At most `limit` lines per kind, in grant id order. */
  grantLines: GrantDiffLine[];
  identities: DiffCounts;
  identityLines: IdentityDiffLine[];
}

/** The fields grantFingerprint covers: a difference in any of them makes a grant "changed". */
const GRANT_FIELDS = ['identityId', 'accountStatus', 'accountType', 'accountDisplayName', 'detail'] as const;
/** Identity fields compared (last sign-in is left out: it moves on every sync and is not a change of access). */
const IDENTITY_FIELDS = ['email', 'displayName', 'department', 'jobTitle', 'managerId', 'groups', 'aliases', 'status', 'employmentType', 'contractEnd'] as const;

/** Diffs `from` (older) against `to` (newer), each an id-ordered stream of grant batches. */
export async function diffGrants(from: AsyncIterable<Grant[]>, to: AsyncIterable<Grant[]>, limit: number): Promise<{ counts: DiffCounts; lines: GrantDiffLine[] }> {
  const counts: DiffCounts = { added: 0, removed: 0, changed: 0 };
  const lines: GrantDiffLine[] = [];
  const keep = (line: GrantDiffLine) => {
    counts[line.kind]++;
    if (counts[line.kind] <= limit) lines.push(line);
  };
  const a = cursor(from);
  const b = cursor(to);
  let x = await a();
  let y = await b();
  while (x || y) {
    if (x && (!y || x.id < y.id)) {
      keep(grantLine('removed', x, null));
      x = await a();
    } else if (y && (!x || y.id < x.id)) {
      keep(grantLine('added', null, y));
      y = await b();
    } else {
      if (grantFingerprint(x!) !== grantFingerprint(y!)) keep(grantLine('changed', x!, y!));
      x = await a();
      y = await b();
    }
  }
  return { counts, lines };
}

/** Diffs two directory snapshots' identities (held in memory: a directory's people, not its grants). */
export function diffIdentities(from: readonly Identity[], to: readonly Identity[], limit: number): { counts: DiffCounts; lines: IdentityDiffLine[] } {
  const counts: DiffCounts = { added: 0, removed: 0, changed: 0 };
  const lines: IdentityDiffLine[] = [];
  const keep = (line: IdentityDiffLine) => {
    counts[line.kind]++;
    if (counts[line.kind] <= limit) lines.push(line);
  };
  const before = new Map(from.map((i) => [i.id, i]));
  const after = new Map(to.map((i) => [i.id, i]));
  for (const i of [...before.values()].filter((i) => !after.has(i.id))) keep({ kind: 'removed', identityId: i.id, displayName: i.displayName, fields: [] });
  for (const i of to) {
    const old = before.get(i.id);
    if (!old) {
      keep({ kind: 'added', identityId: i.id, displayName: i.displayName, fields: [] });
      continue;
    }
    const fields = IDENTITY_FIELDS.filter((f) => JSON.stringify(old[f]) !== JSON.stringify(i[f]));
    if (fields.length > 0) keep({ kind: 'changed', identityId: i.id, displayName: i.displayName, fields });
  }
  return { counts, lines };
}

/** A fingerprint field as grantFingerprint sees it (the detail as its canonical JSON). */
function grantField(g: Grant, field: (typeof GRANT_FIELDS)[number]): string | null {
  return field === 'detail' ? grantDetailText(g.detail) : g[field];
}

function grantLine(kind: DiffKind, before: Grant | null, after: Grant | null): GrantDiffLine {
  const g = (after ?? before)!;
  const fields = before && after ? GRANT_FIELDS.filter((f) => grantField(before, f) !== grantField(after, f)) : [];
  return { kind, grantId: g.id, accountId: g.accountId, role: g.role, scope: g.scope, before, after, fields };
}

/** The next grant of an id-ordered stream of batches, undefined at its end. */
function cursor(batches: AsyncIterable<Grant[]>): () => Promise<Grant | undefined> {
  const it = batches[Symbol.asyncIterator]();
  let batch: Grant[] = [];
  let i = 0;
  return async () => {
    while (i >= batch.length) {
      const r = await it.next();
      if (r.done) return undefined;
      batch = r.value;
      i = 0;
    }
    return batch[i++];
  };
}
