/**
 * A file store's snapshot reads give back exactly the grants written, in id order, on each of
 * its paths: pages read on the store's own connection as row texts (small batches; the first
 * page of a large read), the same pages read as columns when a value holds the texts'
 * separator (U+001F), and the page reader thread's pages (sqlite-grant-pages.ts); and the scans
 * in storage order, as Grants and as rows of fields (the bulk worker's texts). Real SQLite
 * file, real threads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Grant } from '../../src/domain/index.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { grantRowFields } from '../../src/store/grant-rows.js';
import { at, batchesOf, finish, grant, rowFieldsOf, snapshot } from './store-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'iam-grant-reads-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Values an encoding could confuse: empty, the non-null mark, non-ASCII, line breaks, the record separator's neighbour. */
const AWKWARD = ['', '.', '..x', 'é ü 𝄞 \u2028', 'two\nlines', '\u001e', ' padded '];

/** `count` grants with awkward and null values, details on some, and the separator in `withSeparator`'s display name. */
function awkwardGrants(count: number, withSeparator: ReadonlySet<number>): Grant[] {
  return Array.from({ length: count }, (_, k) => {
    const g = grant('vault', `acct-${k}`, k % 2 === 0 ? 'viewer' : AWKWARD[k % AWKWARD.length]!, {
      scope: AWKWARD[(k + 3) % AWKWARD.length]!,
      identityId: k % 3 === 0 ? null : AWKWARD[k % AWKWARD.length]!,
      identityRef: k % 5 === 0 ? null : `p${k}@example.com`,
      accountDisplayName: withSeparator.has(k) ? 'moved\u001fteam' : k % 4 === 0 ? null : AWKWARD[(k + 1) % AWKWARD.length]!,
      lastActivityAt: k % 6 === 0 ? null : at(k),
      firstSeenAt: k % 7 === 0 ? null : at(k + 1),
    });
    if (k % 9 === 0) g.detail = { summary: `policy ${AWKWARD[k % AWKWARD.length]}`, paths: ['a/*', k] };
    return g;
  });
}

describe('snapshot grant reads on a SQLite file', () => {
  it('give back every grant as written, in id order, from row texts, columns and the reader thread', async () => {
    const store = openSqliteStore({ file: join(root, 'grants.db') });
    try {
      const written = awkwardGrants(2_600, new Set([7, 1_500]));
      await store.snapshots.create(snapshot('s1', 'vault', at(0)));
      await store.snapshots.appendGrants('s1', written);
      expect(await store.snapshots.finish('s1', finish('complete'), () => [], { promote: true })).toBe(true);
      const expected = [...written].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      // 512: every page on the store's connection; 1000: the first there, the rest on the thread.
      for (const size of [512, 1_000]) {
        const batches = await batchesOf(store.snapshots.grants('s1', size));
        expect(batches.map((b) => b.length)).toEqual(size === 512 ? [512, 512, 512, 512, 512, 40] : [1_000, 1_000, 600]);
        expect(batches.flat()).toStrictEqual(expected);
      }
      // scanGrantRows: rows of fields in scanGrants' (storage) order, encoded here (512) or read
      // as texts by the bulk worker (1000 and more); details in their stored (canonical) form.
      for (const size of [512, 1_000, 5_000]) {
        const scanned = (await batchesOf(store.snapshots.scanGrants('s1', size))).flat();
        expect(scanned.length).toBe(written.length);
        expect(await rowFieldsOf(store.snapshots.scanGrantRows('s1', size), size)).toStrictEqual(scanned.map(grantRowFields));
      }
    } finally {
      await store.close();
    }
  });
});
