/**
 * A fixed ledger and the hashes the code of 2026-12 gave it (before the body builder moved into
 * the domain). Existing ledgers are evidence: these hashes must never change. The events
 * cover what the canonical form has to get right: key order (UTF-16 code units, more than 16
 * keys), string escapes and lone surrogates in every field, number forms, values JSON.parse
 * does not give back (Date, undefined, -0, a class instance), nesting and empty containers.
 */
import type { LedgerEventInput } from '../../src/domain/index.js';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

const manyKeys: Record<string, number> = {};
for (const [n, k] of ['z', 'B', 'a', '_', '10', '2', '1', 'é', 'Z', '\u{1F600}', '\uFF21', 'aa', 'A', 'b', 'y', 'x', 'w', ' ', '"q"'].entries()) manyKeys[k] = n;

export const KNOWN_INPUTS: LedgerEventInput[] = [
  {
    type: 'decision.recorded',
    actor: 'anna@firm.li',
    subject: 'quarterly-critical:2026-Q4/g_00000001',
    data: { campaignId: 'quarterly-critical:2026-Q4', outcome: 'revoke', reviewerId: 'E7', channel: 'slack', justification: 'No longer needed.', findings: [] },
    at: '2026-10-01T00:00:00.000Z',
  },
  {
    type: 'item.assigned',
    actor: 'a"b\\c',
    subject: 'ü/𝄞\u2028\u0000',
    data: { é: 'x', Z: '\ud83d', a: '\ude00\ud83d\ude00', '\u{1F600}': 'tab\there', '\uFF21': '\u007f', '"': '/', '\\': '\n' },
    at: '2026-10-01T00:00:01.000Z',
  },
  {
    type: 'numbers',
    actor: 'system',
    subject: 's',
    data: { zero: 0, negZero: -0, big: 1e21, tiny: 1e-7, tenth: 0.1, neg: -5.5, safe: 2 ** 53, max: Number.MAX_VALUE, min: Number.MIN_VALUE, int: 1234567890 },
    at: '2026-10-01T00:00:02.000Z',
  },
  {
    type: 'reshaped',
    actor: 'scheduler',
    subject: 'r',
    data: { when: new Date(Date.UTC(2026, 9, 1, 12)), gone: undefined, list: [1, undefined, null], point: new Point(1, 2) as unknown },
    at: '2026-10-01T00:00:03.000Z',
  },
  { type: 'empty', actor: 'U0123', subject: 'e', data: {}, at: '2026-10-01T00:00:04.000Z' },
  {
    type: 'nested',
    actor: 'system',
    subject: 'n',
    data: { manyKeys, deep: { a: { b: { c: [[], {}, [{ d: [true, false, null] }]] } } }, long: 'x'.repeat(300) },
    at: '2026-10-01T00:00:05.000Z',
  },
  { type: 'config.loaded', actor: 'system', subject: 'config', data: { hash: 'f'.repeat(64), files: ['connectors/a.yaml', 'policies/b.yaml'] }, at: '2026-12-31T23:59:59.999Z' },
];

/** The hash of each event of KNOWN_INPUTS chained from genesis (seq 1, 2, ...). */
export const KNOWN_HASHES: readonly string[] = [
  '77afe9105575a5e0b77b40a9bc36a2e53c7e3bcf249fb51791046466e47ff8a9',
  '1a92af4c85aed36cd215def7c3d8ad401eab1ddd7aa83274db58d6e6a9f7baaf',
  '400970ecbaec43cf8c01d9a07964029831bcbe49eb8baa84cbc384dca5d1cea2',
  '900f050f800083a64543bf3957faa4c3f762d224e1c5747c24fef99580252bcd',
  '1b3a8030504362d9e423cb6326e3068caee7e4f9f1e527450c7df879740aa829',
  'ab4153bdd9bc285c8c7eaded95adbd89e429f3d20e7855a34f1624ba8d6ecd45',
  'b098697f9a1858c640b5615c3fe988b3d1710f54f44f20342981d0538d4f107a',
];

/** The hashed body of the first event, in full: what "canonical JSON of the event" means. */
export const FIRST_BODY =
  '{"actor":"anna@firm.li","at":"2026-10-01T00:00:00.000Z","data":{"campaignId":"quarterly-critical:2026-Q4","channel":"slack","findings":[],' +
  '"justification":"No longer needed.","outcome":"revoke","reviewerId":"E7"},"seq":1,"subject":"quarterly-critical:2026-Q4/g_00000001","type":"decision.recorded"}';
