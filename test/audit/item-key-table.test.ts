/**
 * ItemKeyTable: every record is found again by its id, whether the table was sized for its
 * records up front (then it never doubles: a doubling holds both tables at once, the export's
 * memory peak at 1M items) or had to grow; an id never inserted is not found; the reassigned
 * flag shares a byte with the state without either changing the other.
 */
import { describe, expect, it } from 'vitest';
import { ItemKeyTable, STATE_PENDING, STATE_REVOKED } from '../../src/audit/item-key-table.js';

const ids = (n: number) => Array.from({ length: n }, (_, k) => `all-systems:2026/g_${k}`);

/** Inserts a record per id (none found before); the ids found already (expected: none). */
function fill(table: ItemKeyTable, all: string[]): string[] {
  const found: string[] = [];
  for (const [k, id] of all.entries()) {
    if (table.find(id) >= 0) found.push(id);
    const s = table.insert();
    table.setState(s, k % 2 ? STATE_REVOKED : STATE_PENDING);
    table.reviewer[s] = k;
  }
  return found;
}

function expectAllFound(table: ItemKeyTable, all: string[]): void {
  const wrong = all.filter((id, k) => {
    const s = table.find(id);
    return s < 0 || table.state(s) !== (k % 2 ? STATE_REVOKED : STATE_PENDING) || table.reviewer[s] !== k;
  });
  expect(wrong).toEqual([]);
  expect(table.find('all-systems:2026/never')).toBe(-1);
  expect(table.size).toBe(all.length);
}

describe('ItemKeyTable', () => {
  it('sized for its records, holds them all without growing, at most 75% full', () => {
    const all = ids(50_000);
    const table = new ItemKeyTable(all.length);
    const slots = table.slots;
    expect(slots).toBeLessThan(all.length / 0.75 + 2);
    expect(fill(table, all)).toEqual([]);
    expect(table.slots).toBe(slots);
    expectAllFound(table, all);
  });

  it('grows past the expected count (a hint), keeping every record', () => {
    const all = ids(20_000);
    const table = new ItemKeyTable(100);
    const slots = table.slots;
    expect(fill(table, all)).toEqual([]);
    expect(table.slots).toBeGreaterThan(slots);
    expect(table.slots).toBeGreaterThanOrEqual(all.length / 0.75);
    expectAllFound(table, all);
  });

  it('keeps the reassigned flag apart from the state, through state changes and growth', () => {
    const all = ids(5000);
    const table = new ItemKeyTable(10);
    expect(fill(table, all)).toEqual([]);
    for (const [k, id] of all.entries()) if (k % 3 === 0) table.setReassigned(table.find(id), true);
    const first = table.find(all[0]!);
    table.setState(first, STATE_REVOKED);
    expect(table.reassigned(first)).toBe(true);
    table.setReassigned(first, false);
    expect(table.state(first)).toBe(STATE_REVOKED);
    table.setState(first, STATE_PENDING);
    expectAllFound(table, all);
    expect(all.filter((id, k) => table.reassigned(table.find(id)) !== (k % 3 === 0 && k > 0))).toEqual([]);
  });

  it('forEach visits each record once with its key', () => {
    const all = ids(1000);
    const table = new ItemKeyTable(all.length);
    expect(fill(table, all)).toEqual([]);
    const keys = new Set<string>();
    table.forEach((_s, k1, k2) => keys.add(`${k1}:${k2}`));
    const expected = new Set(all.map((id) => (table.keyOf(id), `${table.k1}:${table.k2}`)));
    expect(keys).toEqual(expected);
  });
});
