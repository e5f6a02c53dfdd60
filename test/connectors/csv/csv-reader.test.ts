/**
 * CsvReader splits quote-free lines itself and hands the rest of the file to csv-parse: the
 * rows (fields and start lines) and the problems must be csv-parse's own, whatever the file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvReader } from '../../../src/connectors/csv/csv-reader.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'iam-csv-reader-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** csv-parse alone, with the reader's options: each record's fields and the line it ends on. */
function reference(bytes: Buffer, delimiter: string): { fields: string[]; line: number }[] {
  const records = parse(bytes, {
    delimiter, bom: true, relax_column_count: true, skip_empty_lines: true, skip_records_with_empty_values: true,
    skip_records_with_error: true, info: true,
  }) as unknown as { record: string[]; info: { lines: number } }[];
  return records.map((r) => ({ fields: r.record, line: r.info.lines }));
}

async function readAll(bytes: Buffer, delimiter = ','): Promise<{ rows: { fields: string[]; line: number }[]; problems: string[]; records: number }> {
  const file = path.join(tmp, `f${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(file, bytes);
  const reader = await CsvReader.open({ path: file, displayPath: 'f.csv', delimiter, encoding: 'utf8' });
  const rows = reader.header.length > 0 ? [{ fields: reader.header, line: 0 }] : [];
  for (let batch = await reader.read(7); batch.length > 0; batch = await reader.read(7)) rows.push(...batch);
  const problems = reader.takeParseProblems();
  const records = reader.recordsRead();
  reader.close();
  return { rows, problems, records };
}

const big = (n: number, at: (i: number) => string): string => Array.from({ length: n }, (_, i) => at(i)).join('');

const CASES: [string, string | Buffer, string?][] = [
  ['LF', 'a,b,c\n1,2,3\n4,5,6\n'],
  ['CRLF', 'a,b\r\n1,2\r\n\r\n3,4\r\n'],
  ['BOM, no final line break', '\uFEFFa,b\n1,2\n3,4'],
  ['blank lines and lines of blank fields', 'a,b\n\n,\n  ,\t\n1,2\n \u00A0, \n3, \n'],
  ['unicode fields', 'a,b\nJürg,Bühler 🙂\n\u00A0x,y\n'],
  ['a quote late, after many plain lines', `a,b\n${big(5000, (i) => `r${i},v${i}\n`)}q,"multi\nline"\nz,1\n`],
  ['a broken quote after plain lines', `a,b\n${big(3000, (i) => `r${i},v${i}\n`)}x,ad"m\ny,2\n`],
  ['a quote on the header line', '"a",b\n1,2\n'],
  ['a bare CR in a LF file', 'a,b\n1,x\ry\n2,3\n'],
  ['a CR before LF in a LF file', 'a,b\n1,2\r\n3,4\n'],
  ['an LF alone in a CRLF file', 'a,b\r\n1,2\n3,4\r\n5,6\r\n'],
  ['a bare-CR file', 'a,b\r1,2\r3,4\r'],
  ['semicolons', 'a;b\n1;2,5\n', ';'],
  ['only a header', 'a,b\n'],
  ['empty', ''],
  ['rows of other lengths, long file across read chunks', `a,b,c\n${big(40_000, (i) => (i % 3 === 0 ? `${i}\n` : i % 3 === 1 ? `${i},${i},${i},${i}\n` : `${i},x,y\n`))}`],
  ['CRLF across read chunks with a quoted CRLF at the end', `a,b\r\n${big(20_000, (i) => `${i},x\r\n`)}"p\r\nq",r\r\nlast,1\r\n`],
];

describe('CsvReader reads every row as csv-parse does', () => {
  for (const [name, text, delimiter = ','] of CASES) {
    it(name, async () => {
      const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
      const { rows, problems, records } = await readAll(bytes, delimiter);
      const want = reference(bytes, delimiter);
      expect(rows.map((r) => r.fields)).toEqual(want.map((r) => r.fields));
      // The reader tags a record with its first line, csv-parse's info with its last (and it counts a CRLF
      // inside quotes twice): the same up to the first record of several lines.
      const single = (r: { fields: string[] }) => !r.fields.some((f) => /[\r\n]/.test(f));
      const upToMultiLine = <T extends { fields: string[] }>(rs: T[]) => rs.slice(0, rs.findIndex((r) => !single(r)) >>> 0);
      expect(upToMultiLine(rows).slice(1).map((r) => r.line)).toEqual(upToMultiLine(want).slice(1).map((r) => r.line));
      // Records read: those handed out (the header apart) and those skipped as unreadable.
      expect(records).toBe(Math.max(rows.length - 1, 0) + problems.filter((p) => !/does not end with a line break/.test(p)).length);
    });
  }

  it('names a broken quote found after the plain lines by its line in the file', async () => {
    const { problems } = await readAll(Buffer.from(`a,b\n${big(3000, (i) => `r${i},v${i}\n`)}x,ad"m\ny,2\n`));
    expect(problems).toEqual([expect.stringMatching(/^f\.csv:3002: Invalid Opening Quote: a quote is found on field 1 at line 3002, value is "ad"/)]);
  });
});
