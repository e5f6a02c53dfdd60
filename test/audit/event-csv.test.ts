/**
 * events.csv rows (src/audit/event-csv.ts): a full row gives back the event's hash from its
 * fields alone, whatever its text starts with (the formula escape is undone by dropping one
 * leading `'`), and a link-only row carries seq, prev_hash and hash only.
 */
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { eventCsvLine, eventCsvRow, linkOnlyCsvLine, rowHash, unescapeEventField } from '../../src/audit/event-csv.js';
import { keepPersonalData, pseudonymizer } from '../../src/audit/pseudonymizer.js';
import { canonicalJson, chainEvent } from '../../src/domain/index.js';

const parsed = (line: string) => eventCsvRow((parse('seq,at,type,actor,subject,prev_hash,hash,data\n' + line, { columns: true }) as Record<string, string>[])[0]!);

describe('events.csv rows', () => {
  it.each([
    ['plain', 'mia@firm.li', 'custody-wallet'],
    ['a formula', '=HYPERLINK("http://evil.example")', '+1'],
    ['a leading quote', "'quoted", "''twice"],
    ['a dash, an at sign, a tab', '-x', '@team\tx'],
    ['full-width plus, a comma, a line break', '\uff0bx', 'a,b\nc "d"'],
  ])('a full row gives back the hash (%s)', (_what, actor, subject) => {
    const e = chainEvent({ type: 'decision.recorded', actor, subject, data: { note: "'=x", n: 1e21, s: 'é\u2028' } }, { seq: 41, hash: 'a'.repeat(64) }, () => new Date(0));
    const row = parsed(eventCsvLine(e, keepPersonalData));
    expect(row).toMatchObject({ seq: '42', actor, subject, type: 'decision.recorded', full: true });
    expect(rowHash(row)).toBe(e.hash);
    // A spreadsheet shows the escaped text: no field starts with a formula character.
    expect(eventCsvLine(e, keepPersonalData)).not.toMatch(/(^|,)"?[=+\-@\t\uff0b]/);
  });

  it('writes the data as stored when given (the text the append hashed), not when pseudonymizing', () => {
    const e = chainEvent({ type: 'item.assigned', actor: 'scheduler', subject: 'c:2026/g1', data: { accountId: 'mia', b: [1, 'x'] } }, null);
    const canonical = canonicalJson(e.data);
    expect(parsed(eventCsvLine(e, keepPersonalData, canonical)).data).toBe(canonical);
    expect(rowHash(parsed(eventCsvLine(e, keepPersonalData, canonical)))).toBe(e.hash);
    // A row edited in the database into another spelling is written as it now reads: its hash shows the edit.
    const edited = ' {"b":[1,"x"],"accountId":"mia"}';
    expect(parsed(eventCsvLine(e, keepPersonalData, edited)).data).toBe(edited);
    expect(rowHash(parsed(eventCsvLine(e, keepPersonalData, edited)))).not.toBe(e.hash);
    const p = pseudonymizer('k'.repeat(32));
    expect(eventCsvLine(e, p, edited)).toBe(eventCsvLine(e, p));
  });

  it('a link-only row has seq, prev_hash and hash only', () => {
    const e = chainEvent({ type: 'message.sent', actor: 'slack', subject: 'd1', data: { secret: 'x' } }, null);
    expect(linkOnlyCsvLine(e)).toBe(`1,,,,,${'0'.repeat(64)},${e.hash},\n`);
    expect(parsed(linkOnlyCsvLine(e))).toMatchObject({ full: false, prevHash: '0'.repeat(64), hash: e.hash });
  });

  it('unescaping drops exactly one leading quote', () => {
    expect(unescapeEventField("''x")).toBe("'x");
    expect(unescapeEventField('x')).toBe('x');
  });
});
