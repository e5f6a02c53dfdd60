/**
 * A page of rows read as a few strings: SQLite concatenates each row's fields (concat_ws),
 * separated by U+001F (char(31)), and the reader thread joins every PAGE_TEXT_ROWS rows' texts
 * with the same separator (joinPageTexts), so the caller gets one JS string per 32 rows instead
 * of one per column, which is most of what reading a wide row costs in better-sqlite3 (about
 * 100 ns a column). The reader thread then finds each field's offsets in the texts
 * (pageTextOffsets), and the caller slices fields out of them (OffsetFields): the reader's
 * work per field is an indexOf, the caller's a slice.
 * The rows are joined in JS rather than by SQLite (group_concat over row_number() groups):
 * SQLite grouped them through a temporary B-tree, a sort of every row of every page; at 1M
 * grants reading a 280k-grant snapshot cost ~1.1 s of CPU that way and ~0.9 s joined in JS.
 *
 * Encoding, so that the text decodes to exactly what the column query returns:
 *  - 'text' columns are NOT NULL and travel as they are;
 *  - 'nullable' columns travel as '' for NULL and with a one-character mark before the value
 *    otherwise;
 *  - 'joined' columns are NOT NULL in a LEFT JOINed table: NULL only when the joined row is
 *    absent, which a 'nullable' column of that row says; they travel as '' then;
 *  - an 'integer' column is a NOT NULL integer key (a rowid), as its decimal text: its keys
 *    ascend as numbers, and the page's last key comes back as a number.
 * A value containing U+001F would add a field: the offsets no longer end at the text's end,
 * and the reader reads that page with the column query instead (pageColumnsSql), so no value
 * can move another. Row order is checked too (keys must ascend), as the query's ORDER BY gives it.
 * concat_ws needs SQLite 3.44; better-sqlite3 bundles its own SQLite (3.5x).
 */
export interface PageColumn {
  sql: string;
  kind: 'text' | 'nullable' | 'joined' | 'integer';
}

const NON_NULL_MARK = '.';

/** Reads a page's fields row by row, in column order (RowDecoder has the same shape). */
export interface FieldCursor {
  startRow(): void;
  next(): string | null;
}

/** `SELECT <columns> <rest>`: the page as ordinary rows (the fallback, and the reference). */
export function pageColumnsSql(columns: readonly PageColumn[], rest: string): string {
  return `SELECT ${columns.map((c) => c.sql).join(', ')}\n  ${rest}`;
}

/** Rows per text: small texts die young (see joinPageTexts). */
export const PAGE_TEXT_ROWS = 32;

/**
 * The page as one text per row (its fields joined by char(31)), in page order. `rest` is the
 * FROM ... ORDER BY <key> LIMIT ? of the column query; the first column is the key.
 */
export function pageTextSql(columns: readonly PageColumn[], rest: string): string {
  const fields = columns.map((c) => (c.kind === 'text' || c.kind === 'integer' ? c.sql : c.kind === 'nullable' ? `ifnull('${NON_NULL_MARK}' || ${c.sql}, '')` : `ifnull(${c.sql}, '')`));
  return `SELECT concat_ws(char(31), ${fields.join(', ')}) AS r\n  ${rest}`;
}

/**
 * A page's row texts (pageTextSql) as [row count, text] pairs of PAGE_TEXT_ROWS rows a text
 * (the last one shorter), joined by the separator, in order: what pageTextOffsets reads.
 * Texts are kept small because larger ones (256 rows, ~100 KB) outlived the young generation
 * and grew the heap by 60 MB over an export.
 */
export function joinPageTexts(rows: readonly string[]): [number, string][] {
  const texts: [number, string][] = [];
  for (let start = 0; start < rows.length; start += PAGE_TEXT_ROWS) {
    const part = rows.slice(start, start + PAGE_TEXT_ROWS);
    texts.push([part.length, part.join(SEPARATOR)]);
  }
  return texts;
}

/** The separator between fields and rows in a page's texts (char(31) in pageTextSql). */
const SEPARATOR = '\u001f';

/** A page read as texts, as pageTextOffsets found it. */
export interface PageTextOffsets {
  rows: number;
  /** Each field's [start, end) in its text, row after row; start -1 for NULL. */
  offsets: Int32Array;
  /** The first field of the last row (a number for an 'integer' key), null for an empty page. */
  lastKey: string | number | null;
}

/**
 * For the texts of one page ([row count, text] pairs of pageTextSql), each field's [start, end)
 * in its text (start -1 for NULL, the mark skipped) and the last row's key; or null when a
 * text is not exactly its count of rows of `nullable.length` fields, or the keys (first
 * fields) do not ascend across the page (as numbers when `integerKey`: the first column is
 * 'integer'). Run on the page reader's thread. `alloc` gives the
 * offsets' array of a length (the reader's thread reuses the buffers of pages read before).
 */
export function pageTextOffsets(
  texts: readonly (readonly [number, string])[],
  nullable: readonly boolean[],
  alloc: (length: number) => Int32Array = (n) => new Int32Array(n),
  integerKey = false,
): PageTextOffsets | null {
  const width = nullable.length;
  let rows = 0;
  for (const [count] of texts) rows += count;
  const offsets = alloc(rows * width * 2);
  let k = 0;
  let previousKey: string | null = null;
  let previousNumber = -Infinity;
  for (const [count, text] of texts) {
    let pos = 0;
    for (let r = 0; r < count; r++) {
      for (let c = 0; c < width; c++) {
        if (pos > text.length) return null;
        let end = text.indexOf(SEPARATOR, pos);
        if (end < 0) end = text.length;
        if (c === 0) {
          const key = text.slice(pos, end);
          if (integerKey) {
            const n = Number(key);
            if (!(previousNumber < n)) return null;
            previousNumber = n;
          } else if (previousKey !== null && !(previousKey < key)) {
            return null;
          }
          previousKey = key;
        }
        if (!nullable[c]) {
          offsets[k++] = pos;
          offsets[k++] = end;
        } else if (end === pos) {
          offsets[k++] = -1;
          offsets[k++] = -1;
        } else {
          offsets[k++] = pos + 1;
          offsets[k++] = end;
        }
        pos = end + 1;
      }
    }
    if (pos !== text.length + 1) return null;
  }
  return { rows, offsets, lastKey: integerKey && previousKey !== null ? previousNumber : previousKey };
}

/** A page's fields sliced from its texts by offsets (pageTextOffsets), `rowsPerText` rows a text. */
export class OffsetFields implements FieldCursor {
  private text = '';
  private row = 0;
  private k = 0;

  constructor(
    private readonly texts: readonly string[],
    readonly offsets: Int32Array,
    private readonly rowsPerText: number,
  ) {}

  startRow(): void {
    if (this.row++ % this.rowsPerText === 0) this.text = this.texts[(this.row - 1) / this.rowsPerText]!;
  }

  next(): string | null {
    const start = this.offsets[this.k++]!;
    const end = this.offsets[this.k++]!;
    return start < 0 ? null : this.text.slice(start, end);
  }
}
