/**
 * Keyset paging, the way the MongoDB adapter reads big collections (grants, changes, ledger
 * events): driven here by an in-memory source that answers like the query it stands for
 * ("the first `limit` keys after `after`, in key order").
 */
import { describe, expect, it } from 'vitest';
import { keysetPages, pageSize } from '../../src/store/mongo/keyset-pages.js';

/** A sorted key set answering keyset queries, recording each one. */
function source(keys: readonly string[]) {
  const sorted = [...keys].sort();
  const calls: [string | null, number][] = [];
  const fetch = async (after: string | null, limit: number) => {
    calls.push([after, limit]);
    return sorted.filter((k) => after === null || k > after).slice(0, limit);
  };
  return { fetch, calls };
}

async function drain<T>(pages: AsyncIterable<T[]>): Promise<T[][]> {
  const out: T[][] = [];
  for await (const page of pages) out.push(page);
  return out;
}

const keys = Array.from({ length: 23 }, (_, n) => `g_${String(n).padStart(3, '0')}`);

describe('keysetPages', () => {
  it('reads everything in key order, in pages of at most the size, each starting after the last key', async () => {
    const { fetch, calls } = source([...keys].reverse());
    const pages = await drain(keysetPages(fetch, (k) => k, 5));
    expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5, 3]);
    expect(pages.flat()).toEqual(keys);
    expect(calls).toEqual([
      [null, 5],
      ['g_004', 5],
      ['g_009', 5],
      ['g_014', 5],
      ['g_019', 5],
    ]);
  });

  it('never yields an empty page: an exact multiple ends on the empty read', async () => {
    const { fetch, calls } = source(keys.slice(0, 20));
    const pages = await drain(keysetPages(fetch, (k) => k, 5));
    expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5]);
    expect(calls).toHaveLength(5);
  });

  it('an empty source yields nothing', async () => {
    expect(await drain(keysetPages(source([]).fetch, (k) => k, 5))).toEqual([]);
  });

  it('pages lazily: a consumer that stops early reads no further', async () => {
    const { fetch, calls } = source(keys);
    for await (const page of keysetPages(fetch, (k) => k, 5)) {
      expect(page).toHaveLength(5);
      break;
    }
    expect(calls).toHaveLength(1);
  });
});

describe('pageSize', () => {
  it('takes a positive integer or the fallback', () => {
    expect(pageSize(undefined, 5_000)).toBe(5_000);
    expect(pageSize(7, 5_000)).toBe(7);
    expect(() => pageSize(0, 5_000)).toThrow(RangeError);
    expect(() => pageSize(2.5, 5_000)).toThrow(RangeError);
  });
});
