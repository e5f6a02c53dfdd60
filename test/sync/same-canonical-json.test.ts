import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/domain/index.js';
import { sameCanonicalJson } from '../../src/sync/same-canonical-json.js';
import { person as personOf } from '../policies/policy-fixtures.js';

// A directory record with a null member and a list: the members the pairs below vary.
const person = personOf('p1', { department: null, groups: ['desk', 'ops'] });

/** Pairs that canonicalJson writes the same, or not: sameCanonicalJson must say exactly what comparing the strings says. */
const PAIRS: [string, unknown, unknown][] = [
  ['the same person', person, { ...person, groups: [...person.groups] }],
  ['keys in another order', person, Object.fromEntries(Object.entries(person).reverse())],
  ['another display name', person, { ...person, displayName: 'Anne' }],
  ['null against a string', person, { ...person, department: 'Desk' }],
  ['null against an absent member', person, { ...person, contractEnd: undefined }],
  ['an undefined member against an absent one', { ...person, x: undefined }, person],
  ['an extra member', person, { ...person, extra: 'x' }],
  ['an extra null member', { ...person, extra: null }, person],
  ['groups in another order', person, { ...person, groups: ['ops', 'desk'] }],
  ['one group more', person, { ...person, groups: ['desk', 'ops', 'x'] }],
  ['an undefined element against null', [undefined, 'a'], [null, 'a']],
  ['an empty string against null', { a: '' }, { a: null }],
  ['nested objects', { a: { b: [1, { c: 'd' }] } }, { a: { b: [1, { c: 'd' }] } }],
  ['nested objects that differ', { a: { b: [1, { c: 'd' }] } }, { a: { b: [1, { c: 'e' }] } }],
  ['0 and -0', { n: 0 }, { n: -0 }],
  ['a number and its string', { n: 1 }, { n: '1' }],
  ['a Date and its ISO string', { at: new Date('2026-12-06T00:00:00.000Z') }, { at: '2026-12-06T00:00:00.000Z' }],
  ['true and false', { b: true }, { b: false }],
  ['an array against an object', { a: [] }, { a: {} }],
];

describe('sameCanonicalJson', () => {
  it.each(PAIRS)('%s: the same answer as comparing canonicalJson, both ways', (_, a, b) => {
    const expected = canonicalJson(a) === canonicalJson(b);
    expect(sameCanonicalJson(a, b)).toBe(expected);
    expect(sameCanonicalJson(b, a)).toBe(expected);
  });

  it('covers equal and different pairs', () => {
    const answers = PAIRS.map(([, a, b]) => canonicalJson(a) === canonicalJson(b));
    expect(answers.filter(Boolean).length).toBeGreaterThanOrEqual(5);
    expect(answers.filter((x) => !x).length).toBeGreaterThanOrEqual(5);
  });
});
