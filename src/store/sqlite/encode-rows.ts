/** One cell of a raw better-sqlite3 row, as the bulk and page-reader threads read them. */
export type Cell = string | number | bigint | null;

/**
 * Columns [from, to) of raw rows as field lengths (-1 for null) in an Int32Array, and the
 * fields concatenated, `rowsPerText` rows a text; numbers travel as their decimal text.
 * RowDecoder (sqlite-bulk-worker.ts) reads them back. Run on the worker threads. One join()
 * per text of a reused array: concatenating field by field would make a rope node per
 * field, all garbage.
 */
export function encodeRows(rows: readonly (readonly Cell[])[], from: number, to: number, rowsPerText: number): { texts: string[]; lengths: Int32Array } {
  const width = to - from;
  const lengths = new Int32Array(rows.length * width);
  const texts: string[] = [];
  const parts = new Array<string>(width * Math.min(rows.length, rowsPerText));
  let p = 0;
  let k = 0;
  for (let r = 0; r < rows.length; r++) {
    if (r > 0 && r % rowsPerText === 0) {
      texts.push(parts.join(''));
      p = 0;
    }
    const row = rows[r]!;
    for (let c = from; c < to; c++) {
      const v = row[c]!;
      if (v === null) {
        lengths[k++] = -1;
        parts[p++] = '';
      } else {
        const text = typeof v === 'string' ? v : String(v);
        lengths[k++] = text.length;
        parts[p++] = text;
      }
    }
  }
  if (p > 0) {
    parts.length = p;
    texts.push(parts.join(''));
  }
  return { texts, lengths };
}
