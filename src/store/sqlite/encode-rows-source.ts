/**
 * Source (plain CommonJS, spliced into the worker sources of sqlite-bulk-worker-source.ts and
 * sqlite-page-reader.ts) of `encodeRows(rows, from, to, rowsPerText)`: columns [from, to) of raw
 * rows as field lengths (-1 for null) in an Int32Array, and the fields concatenated, rowsPerText
 * rows a text; numbers travel as their decimal text. RowDecoder (sqlite-bulk-worker.ts) reads
 * them back. One join() per text of a reused array: concatenating field by field would make a
 * rope node per field, all garbage.
 */
export const ENCODE_ROWS_SOURCE = String.raw`
function encodeRows(rows, from, to, rowsPerText) {
  const width = to - from;
  const lengths = new Int32Array(rows.length * width);
  const texts = [];
  const parts = new Array(width * Math.min(rows.length, rowsPerText));
  let p = 0;
  let k = 0;
  for (let r = 0; r < rows.length; r++) {
    if (r > 0 && r % rowsPerText === 0) {
      texts.push(parts.join(''));
      p = 0;
    }
    const row = rows[r];
    for (let c = from; c < to; c++) {
      const v = row[c];
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
`;
