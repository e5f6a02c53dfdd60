/**
 * The added changes a first snapshot derives from its grants (src/store/added-changes.ts): one
 * line per grant as the sync records one, in batches of the size asked for, whatever the
 * batches the grants are read in.
 */
import { expect, it } from 'vitest';
import type { Grant } from '../../src/domain/index.js';
import { grantFingerprint } from '../../src/domain/index.js';
import { addedChange, addedChanges } from '../../src/store/added-changes.js';
import { batchesOf, grants } from './store-fixtures.js';

async function* pages(gs: readonly Grant[], sizes: readonly number[]): AsyncIterable<Grant[]> {
  let at = 0;
  for (const n of sizes) {
    yield gs.slice(at, at + n);
    at += n;
  }
}

it('is the added line of each grant: before null, after its fingerprint', () => {
  const g = { ...grants('vault', 1)[0]!, detail: { b: 1, a: [2] }, identityId: null };
  expect(addedChange('s1', g)).toEqual({ snapshotId: 's1', grantId: g.id, kind: 'added', systemId: 'vault', accountId: g.accountId, role: g.role, scope: g.scope, before: null, after: grantFingerprint(g) });
});

it('rebatches to exactly the size asked for (the last batch shorter), keeping the order', async () => {
  const gs = grants('vault', 10);
  const batches = await batchesOf(addedChanges('s1', pages(gs, [4, 0, 1, 5]), 3));
  expect(batches.map((b) => b.length)).toEqual([3, 3, 3, 1]);
  expect(batches.flat()).toEqual(gs.map((g) => addedChange('s1', g)));
  expect(await batchesOf(addedChanges('s1', pages(gs, [5, 5]), 5))).toEqual([gs.slice(0, 5), gs.slice(5)].map((b) => b.map((g) => addedChange('s1', g))));
  expect(await batchesOf(addedChanges('s1', pages([], [0]), 5))).toEqual([]);
});
