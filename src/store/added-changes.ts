/**
 * The changes of a snapshot that starts from the empty state (created fromPrevious without a
 * previous snapshot: a system's first sync): every grant it holds was added. Such a snapshot
 * stores no change rows; both stores derive them from its grants with these functions, so they
 * read exactly as the rows a sync used to store (SnapshotStore.changes), and write them as rows
 * before pruneGrants deletes the grants they are derived from.
 */
import type { Grant, GrantChange } from '../domain/index.js';
import { grantFingerprint } from '../domain/index.js';

/** The `added` change of a grant of snapshot `snapshotId`, as the sync records one (after: its fingerprint). */
export function addedChange(snapshotId: string, g: Grant): GrantChange {
  return { snapshotId, grantId: g.id, kind: 'added', systemId: g.systemId, accountId: g.accountId, role: g.role, scope: g.scope, before: null, after: grantFingerprint(g) };
}

/**
 * The added changes of grants read in grant id order, in batches of exactly `size` (the last
 * one may be shorter), whatever the batches the grants come in: the batching contract of changes().
 */
export async function* addedChanges(snapshotId: string, grants: AsyncIterable<readonly Grant[]>, size: number): AsyncIterable<GrantChange[]> {
  let batch: GrantChange[] = [];
  for await (const page of grants) {
    for (const g of page) {
      batch.push(addedChange(snapshotId, g));
      if (batch.length === size) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}
