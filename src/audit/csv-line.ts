/**
 * CSV records for evidence packs, byte for byte what csv-stringify writes with
 * `{ escape_formulas: true }` and its defaults (`,` delimiter, `"` quote, `\n` after every record,
 * null as an empty field); test/audit/csv-line.test.ts holds the two to the same output on
 * random rows. Hand-written because an export formats a million records: csv-stringify's
 * per-record stream machinery cost more than reading them from the database.
 *
 * Formula injection (OWASP "CSV Injection"): a text field starting with = + - @ tab or CR (or
 * their full-width forms) gets a leading `'`, so a spreadsheet shows it as text instead of
 * running it. Justifications are typed by people.
 */
const NEEDS_QUOTES = /[",\n\r]/;

/** = + - @ tab CR, and the full-width = + - @ (U+FF1D, U+FF0B, U+FF0D, U+FF20). */
function startsFormula(c: number): boolean {
  return c === 0x3d || c === 0x2b || c === 0x2d || c === 0x40 || c === 0x09 || c === 0x0d || (c >= 0xff0b && (c === 0xff0b || c === 0xff0d || c === 0xff1d || c === 0xff20));
}

export type CsvValue = string | number | null;

export function csvField(value: CsvValue): string {
  if (value === null || value === '') return '';
  if (typeof value === 'number') return String(value);
  const text = startsFormula(value.charCodeAt(0)) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, `\n`-terminated. */
export function csvLine(fields: readonly CsvValue[]): string {
  let out = '';
  for (let i = 0; i < fields.length; i++) out += (i === 0 ? '' : ',') + csvField(fields[i]!);
  return out + '\n';
}
