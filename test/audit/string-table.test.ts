/** The reconciliation's off-heap memory: StringTable (strings by number) and RecordColumns (numeric records). */
import { describe, expect, it } from 'vitest';
import { RecordColumns } from '../../src/audit/record-columns.js';
import { StringTable } from '../../src/audit/string-table.js';

describe('StringTable', () => {
  it('numbers each distinct string once, in the order added, and gives it back', () => {
    const t = new StringTable();
    expect([t.intern('a'), t.intern('b'), t.intern('a'), t.intern(''), t.intern('b')]).toEqual([0, 1, 0, 2, 1]);
    expect(t.size).toBe(3);
    expect([t.get(0), t.get(1), t.get(2)]).toEqual(['a', 'b', '']);
    expect(() => t.get(3)).toThrow(RangeError);
  });

  it('indexOf finds without adding', () => {
    const t = new StringTable();
    t.intern('kept');
    expect(t.indexOf('kept')).toBe(0);
    expect(t.indexOf('absent')).toBe(-1);
    expect(t.size).toBe(1);
  });

  it('is(n, s) says whether entry n is s (as indexOf would find), for any n, without adding', () => {
    const t = new StringTable();
    for (const s of ['a/1', 'a/2', 'Zürich', '日本']) t.intern(s);
    expect([t.is(0, 'a/1'), t.is(1, 'a/2'), t.is(2, 'Zürich'), t.is(3, '日本')]).toEqual([true, true, true, true]);
    expect([t.is(0, 'a/2'), t.is(1, 'a/1'), t.is(0, 'a/10'), t.is(0, 'a/'), t.is(2, 'Zurich'), t.is(3, '日本語')]).toEqual([false, false, false, false, false, false]);
    expect([t.is(-1, 'a/1'), t.is(4, 'a/1'), t.is(4, '')]).toEqual([false, false, false]);
    expect(t.size).toBe(4);
  });

  it('keeps characters beyond Latin-1 (two bytes each) apart from their one-byte look-alikes', () => {
    const t = new StringTable();
    const strings = ['Zürich', 'Zurich', 'ÿ', '日本', '日本語', 'emoji 🙂', 'a\u0100', 'a\u0000'];
    const numbers = strings.map((s) => t.intern(s));
    expect(numbers).toEqual(strings.map((_, n) => n));
    expect(strings.map((_, n) => t.get(n))).toEqual(strings);
    expect(strings.map((s) => t.indexOf(s))).toEqual(numbers);
  });

  it('grows past many pages and index sizes; a string longer than a page gets one of its own', () => {
    const t = new StringTable();
    const key = (i: number) => `campaign:2026-Q4/g_${i.toString(16).padStart(32, '0')}`;
    for (let i = 0; i < 30_000; i++) expect(t.intern(key(i))).toBe(i);
    const long = 'x'.repeat(1_500_000);
    expect(t.intern(long)).toBe(30_000);
    expect(t.intern('after')).toBe(30_001);
    for (const i of [0, 1, 12_345, 29_999]) {
      expect(t.indexOf(key(i))).toBe(i);
      expect(t.get(i)).toBe(key(i));
    }
    expect(t.get(30_000)).toBe(long);
    expect(t.indexOf(long)).toBe(30_000);
    expect(t.get(30_001)).toBe('after');
  });

  it('tells apart strings of one length and width whose hashes collide (a candidate is compared, never trusted on its hash)', () => {
    // Two strings of one length and one width with the same hash under a given seed (the
    // table's FNV-1a, found by a birthday search): only the comparison of the characters tells them apart.
    const seed = 0x5eed;
    const fnv = (s: string) => {
      let h = seed ^ 0x811c9dc5;
      for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
      return h >>> 0;
    };
    const collision = (make: (i: number) => string): [string, string] => {
      const seen = new Map<number, string>();
      for (let i = 0; ; i++) {
        const s = make(i);
        const other = seen.get(fnv(s));
        if (other !== undefined) return [other, s];
        seen.set(fnv(s), s);
      }
    };
    const random = (i: number) => ((i * 2654435761) >>> 0).toString(36).padStart(7, '0');
    for (const [a, b] of [collision((i) => `item/${random(i)}`), collision((i) => `\u0100tem/${random(i)}`)]) {
      expect(a).not.toBe(b);
      expect(a.length).toBe(b.length);
      const t = new StringTable(seed);
      expect(t.intern(a)).toBe(0);
      expect(t.indexOf(b)).toBe(-1);
      expect(t.intern(b)).toBe(1);
      expect([t.indexOf(a), t.indexOf(b), t.get(0), t.get(1)]).toEqual([0, 1, a, b]);
    }
  });

  it('codes values for records: 0 undefined, 1 null, else the number + 2; holds compares without adding', () => {
    const t = new StringTable();
    expect([t.codeOf(undefined), t.codeOf(null), t.codeOf('x'), t.codeOf('x'), t.codeOf('y')]).toEqual([0, 1, 2, 2, 3]);
    expect([t.valueOf(0), t.valueOf(1), t.valueOf(2), t.valueOf(3)]).toEqual([undefined, null, 'x', 'y']);
    expect([t.holds(0, undefined), t.holds(1, null), t.holds(2, 'x'), t.holds(2, 'y'), t.holds(1, undefined), t.holds(2, 7)]).toEqual([true, true, true, false, false, false]);
    expect(t.holds(2, 'never added')).toBe(false);
    expect(t.size).toBe(2);
  });

  it('holds compares the whole string, chars of either width, and a code past the table holds nothing', () => {
    const t = new StringTable();
    const [ascii, wide, latin] = [t.codeOf('alice@a'), t.codeOf('ali\u0441e@a'), t.codeOf('caf\u00e9')];
    expect([t.holds(ascii, 'alice@a'), t.holds(ascii, 'alice@b'), t.holds(ascii, 'blice@a'), t.holds(ascii, 'alice@'), t.holds(ascii, 'alice@aa')]).toEqual([true, false, false, false, false]);
    // U+0163 and U+0463 share their low byte with 'c' (0x63): a one-byte entry is no look-alike of them.
    expect([t.holds(ascii, 'ali\u0163e@a'), t.holds(ascii, 'ali\u0463e@a'), t.holds(wide, 'ali\u0441e@a'), t.holds(wide, 'alice@a')]).toEqual([false, false, true, false]);
    expect([t.holds(latin, 'caf\u00e9'), t.holds(latin, 'cafe')]).toEqual([true, false]);
    expect(t.holds(t.size + 2, 'alice@a')).toBe(false);
  });
});

describe('RecordColumns', () => {
  it('records start at 0 and keep their own fields, across chunks', () => {
    const r = new RecordColumns(2, 3);
    for (let n = 0; n < 70_000; n++) {
      expect(r.add()).toBe(n);
      r.setSeq(n, 1, n * 2 ** 33);
      r.setCode(n, 2, n);
    }
    expect(r.size).toBe(70_000);
    for (const n of [0, 65_535, 65_536, 69_999]) {
      expect([r.seq(n, 0), r.seq(n, 1), r.code(n, 0), r.code(n, 1), r.code(n, 2)]).toEqual([0, n * 2 ** 33, 0, 0, n]);
    }
  });
});
