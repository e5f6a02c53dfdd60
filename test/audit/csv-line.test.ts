import { stringify } from 'csv-stringify/sync';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvField, csvLine } from '../../src/audit/csv-line.js';
import type { CsvValue } from '../../src/audit/csv-line.js';

/** The library the hand-written writer must match, with the options packs used before. */
const reference = (rows: CsvValue[][]) => stringify(rows, { escape_formulas: true });

describe('csvLine', () => {
  it('writes what csv-stringify writes (escape_formulas) for random rows, and csv-parse reads them back', () => {
    let seed = 11;
    const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const pieces = ['a', 'Z', ' ', ',', '"', '""', '\n', '\r', '\r\n', '\t', '=', '+', '-', '@', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20', "'", 'é', '\u{1F600}', ';', '0'];
    const value = (): CsvValue => {
      const kind = rnd(10);
      if (kind === 0) return null;
      if (kind === 1) return '';
      if (kind === 2) return rnd(2000) - 1000;
      return Array.from({ length: 1 + rnd(6) }, () => pieces[rnd(pieces.length)]).join('');
    };
    const rows = Array.from({ length: 3000 }, () => Array.from({ length: 1 + rnd(8) }, value));
    const ours = rows.map(csvLine).join('');
    expect(ours).toBe(reference(rows));
    const back = parse(ours, { relax_column_count: true }) as string[][];
    expect(back).toHaveLength(rows.length);
  });

  it('neutralises formulas and quotes only when needed', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-1')).toBe("'-1");
    expect(csvField(-1)).toBe('-1');
    expect(csvField('plain text')).toBe('plain text');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField(null)).toBe('');
    expect(csvLine(['a', null, 3])).toBe('a,,3\n');
  });
});
