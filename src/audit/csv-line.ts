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
const FORMULA_STARTS = new Set(['=', '+', '-', '@', '\t', '\r', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20']);
const NEEDS_QUOTES = /[",\n\r]/;

export type CsvValue = string | number | null;

export function csvField(value: CsvValue): string {
  if (value === null || value === '') return '';
  if (typeof value === 'number') return String(value);
  const text = FORMULA_STARTS.has(value[0]!) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, `\n`-terminated. */
export function csvLine(fields: readonly CsvValue[]): string {
  let out = '';
  for (let i = 0; i < fields.length; i++) out += (i === 0 ? '' : ',') + csvField(fields[i]!);
  return out + '\n';
}
