import { asInteger } from './filter-value.js';

/** A caller's batch size for the paged readers, or `fallback` when none is given. */
export function pageSize(batchSize: number | undefined, fallback: number): number {
  return asInteger(batchSize ?? fallback, 'batch size', 1);
}

/**
 * Reads a result in pages of `size`, ordered by a unique key: each page is one index range
 * scan starting after the last key of the previous one (keyset pagination), so memory and
 * cost per page stay flat however large the result. Never yields an empty page.
 */
export async function* keysetPages<T, K>(
  fetch: (after: K | null, limit: number) => Promise<T[]>,
  keyOf: (last: T) => K,
  size: number,
): AsyncGenerator<T[]> {
  let after: K | null = null;
  for (;;) {
    const page = await fetch(after, size);
    if (page.length === 0) return;
    yield page;
    if (page.length < size) return;
    after = keyOf(page[page.length - 1] as T);
  }
}
