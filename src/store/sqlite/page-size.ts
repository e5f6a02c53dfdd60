/** Validates a caller's batch size for the paged readers; `fallback` when none is given. */
export function pageSize(batchSize: number | undefined, fallback: number): number {
  const size = batchSize ?? fallback;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`batch size must be a positive integer, got ${size}`);
  return size;
}
