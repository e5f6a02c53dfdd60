import { describe, expect, it } from 'vitest';
import {
  GRANT_COLUMNS,
  REQUIRED_GRANT_COLUMNS,
  mapGrantRow,
  normalizeDate,
  normalizeTimestamp,
  resolveHeader,
  splitGroups,
} from '../../../src/connectors/csv/csv-row-mappers.js';

describe('normalizeTimestamp', () => {
  it.each([
    ['2026-05-01', '2026-05-01T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2026-05-01T10:00', '2026-05-01T10:00:00.000Z'],
    ['2026-05-01 10:00:05', '2026-05-01T10:00:05.000Z'],
    ['2026-05-01t10:00:05z', '2026-05-01T10:00:05.000Z'],
    ['2026-05-01T10:00:05.1Z', '2026-05-01T10:00:05.100Z'],
    ['2026-05-01T10:00:05,25Z', '2026-05-01T10:00:05.250Z'],
    ['2026-05-01T10:00:05.123456789+02:00', '2026-05-01T08:00:05.123Z'],
    ['2026-05-01T01:00:00-0130', '2026-05-01T02:30:00.000Z'],
    ['2026-05-01T01:00+01', '2026-05-01T00:00:00.000Z'],
    ['2026-01-01T00:30:00+01:00', '2025-12-31T23:30:00.000Z'],
    ['2026-05-01T10:00:00+00:00', '2026-05-01T10:00:00.000Z'],
    // The spellings returned as written or completed with one concatenation, and their near misses.
    ['2026-05-01T10:00:05Z', '2026-05-01T10:00:05.000Z'],
    ['2026-05-01T10:00:05.123Z', '2026-05-01T10:00:05.123Z'],
    ['2026-05-01T10:00:05,123Z', '2026-05-01T10:00:05.123Z'],
    ['2026-05-01T10:00:05.123z', '2026-05-01T10:00:05.123Z'],
    ['2026-05-01t10:00:05.123Z', '2026-05-01T10:00:05.123Z'],
    ['2026-05-01 10:00:05Z', '2026-05-01T10:00:05.000Z'],
    ['2026-05-01T10:00:05.1234Z', '2026-05-01T10:00:05.123Z'],
    ['2026-05-01T10:00:05.12Z', '2026-05-01T10:00:05.120Z'],
  ])('%s -> %s', (input, expected) => {
    expect(normalizeTimestamp(input)).toBe(expected);
  });

  it.each([
    'yesterday', '', '2026/05/01', '20260501', '2026-5-1', '2026-02-29', '1900-02-29', '2026-04-31', '2026-13-01', '2026-00-10',
    '2026-05-01T', '2026-05-01T1', '2026-05-01T10:', '2026-05-01T24:00', '2026-05-01T10:60', '2026-05-01T10:00:60',
    '2026-05-01T10:00:05.', '2026-05-01T10:00:05.1234567890Z', '2026-05-01T10:00Zx', '2026-05-01T10:00+1:00',
    '2026-05-01T10:00+01:', '2026-05-01T10:00+24:00', '2026-05-01X10:00', ' 2026-05-01',
  ])('rejects %j', (input) => {
    expect(normalizeTimestamp(input)).toBeNull();
  });
});

describe('normalizeDate', () => {
  it('accepts real calendar dates only, as written', () => {
    expect(normalizeDate('2026-09-30')).toBe('2026-09-30');
    expect(normalizeDate('2000-02-29')).toBe('2000-02-29');
    expect(normalizeDate('2026-09-31')).toBeNull();
    expect(normalizeDate('2026-09-30T00:00:00Z')).toBeNull();
    expect(normalizeDate('30.09.2026')).toBeNull();
  });
});

describe('resolveHeader', () => {
  it('maps trimmed case-insensitive names, lists unknown, missing and duplicated columns', () => {
    const layout = resolveHeader([' Account_ID', 'extra', 'SCOPE ', 'scope', ''], GRANT_COLUMNS, REQUIRED_GRANT_COLUMNS);
    expect(layout.index.account_id).toBe(0);
    expect(layout.index.scope).toBe(2);
    expect(layout.index.role).toBe(-1);
    expect(layout.width).toBe(5);
    expect(layout.unknown).toEqual(['extra']);
    expect(layout.missing).toEqual(['role']);
    expect(layout.duplicated).toEqual(['scope']);
  });
});

describe('mapGrantRow', () => {
  const layout = resolveHeader(['account_id', 'role'], GRANT_COLUMNS, REQUIRED_GRANT_COLUMNS);

  it('defaults every optional column the file does not have', () => {
    expect(mapGrantRow(['A-1', 'admin'], layout)).toEqual({
      accountId: 'A-1', role: 'admin', scope: '', identityRef: null, accountDisplayName: null, accountType: 'human', accountStatus: 'active', lastActivityAt: null,
    });
  });

  it('returns the reason for a row it cannot read', () => {
    expect(mapGrantRow(['A-1'], layout)).toBe('expected 2 columns, found 1');
    expect(mapGrantRow(['  ', 'admin'], layout)).toBe('account_id is empty');
  });

  it('reads the detail column as the grant\'s structured detail (one JSON object); empty is none', () => {
    const withDetail = resolveHeader(['account_id', 'role', 'detail'], GRANT_COLUMNS, REQUIRED_GRANT_COLUMNS);
    expect(mapGrantRow(['A-1', 'tap:approver', '{"summary":"can approve","tapRule":{"id":"r1"}}'], withDetail)).toMatchObject({ accountId: 'A-1', detail: { summary: 'can approve', tapRule: { id: 'r1' } } });
    expect(mapGrantRow(['A-1', 'admin', ''], withDetail)).not.toHaveProperty('detail');
    expect(mapGrantRow(['A-1', 'admin', '[1]'], withDetail)).toBe('detail is not a JSON object');
    expect(mapGrantRow(['A-1', 'admin', '{oops'], withDetail)).toBe('detail is not a JSON object');
  });
});

describe('splitGroups', () => {
  it('splits on ";", trims, drops empties and duplicates', () => {
    expect(splitGroups('Trading; Managers ;;Trading')).toEqual(['Trading', 'Managers']);
    expect(splitGroups('')).toEqual([]);
  });
});
