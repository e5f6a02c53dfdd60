/**
 * The ledger's one body builder (eventBody) and event builder (chainLink): the body is exactly
 * canonical JSON of { seq, at, type, actor, subject, data } for any field values, and a chained
 * event carries the hash, data and data text every store and verification agree on.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson, chainHash, chainLink, eventBody, GENESIS_HASH, hashEvent, verifyRun } from '../../src/domain/index.js';
import type { LedgerEventContent } from '../../src/domain/index.js';

/** JSON.stringify-based reference: every object's keys in sort() order (after JSON.stringify's own normalisation). */
function reference(value: unknown): string {
  const write = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(write).join(',')}]`;
    if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${write((v as Record<string, unknown>)[k])}`).join(',')}}`;
    return JSON.stringify(v);
  };
  return write(JSON.parse(JSON.stringify(value)));
}

/** A function's result, or its error's message: two builders must agree on both. */
function outcome(f: () => string): string {
  try {
    return f();
  } catch (error) {
    return `throws: ${(error as Error).message}`;
  }
}

let seed = 11;
const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)]!;
const units = ['a', 'Z', ' ', '"', '\\', '/', '\u0000', '\u001f', '\n', '\u2028', 'é', '\ud83d', '\ude00', '\ud83d\ude00', '2026-10-01T00:00:00.000Z'];
const text = () => Array.from({ length: rnd(6) }, () => pick(units)).join('');
const data = (): unknown => pick<() => unknown>([
  () => ({}),
  () => ({ [text()]: text(), b: [1, null, { z: -0, a: new Date(rnd(1e12)) }], u: undefined }),
  () => ({ n: rnd(1e6) / 7, deep: { x: [[], {}], s: text() } }),
])();

describe('eventBody', () => {
  it('is canonical JSON of the event shape, identical to a JSON.stringify-based reference, for events as stores hold them', () => {
    for (let i = 0; i < 3000; i++) {
      const e = { seq: 1 + rnd(1e9), at: text(), type: text(), actor: text(), subject: text(), data: data() } as LedgerEventContent;
      const body = eventBody(e);
      expect(body).toBe(reference({ seq: e.seq, at: e.at, type: e.type, actor: e.actor, subject: e.subject, data: e.data }));
      expect(eventBody(e, canonicalJson(e.data))).toBe(body);
    }
  });

  it('is canonical JSON of the shape for field values no store writes (foreign or tampered records), throws included', () => {
    const odd = [undefined, null, 5, -0, 1e21, NaN, true, { b: 1, a: 2 }, ['x'], '', 'é"\\'];
    for (let i = 0; i < 3000; i++) {
      const e = { seq: pick([...odd, 7]), at: pick(odd), type: pick(odd), actor: pick(odd), subject: pick(odd), data: pick([...odd, { k: 'v' }]) } as unknown as LedgerEventContent;
      const { seq, at, type, actor, subject } = e;
      expect(outcome(() => eventBody(e))).toBe(outcome(() => canonicalJson({ seq, at, type, actor, subject, data: e.data })));
    }
  });
});

describe('chainLink', () => {
  const now = () => new Date('2026-11-24T10:00:00Z');

  it('hashes the body of the event it returns, chained onto the head, and returns the data text it hashed', () => {
    const first = chainLink({ type: 't', actor: 'a', subject: 's', data: { b: 1, a: [true] } }, null, now);
    expect(first.event).toMatchObject({ seq: 1, at: '2026-11-24T10:00:00.000Z', prevHash: GENESIS_HASH });
    expect(first.dataJson).toBe('{"a":[true],"b":1}');
    expect(first.event.hash).toBe(chainHash(eventBody(first.event), GENESIS_HASH));
    expect(first.event.hash).toBe(hashEvent(first.event, GENESIS_HASH));
    const second = chainLink({ type: 't', actor: 'a', subject: 's', data: {}, at: '2026-01-01T00:00:00.000Z' }, first.event, now);
    expect(second.event).toMatchObject({ seq: 2, at: '2026-01-01T00:00:00.000Z', prevHash: first.event.hash });
    expect(verifyRun([first.event, second.event], null)).toMatchObject({ break: null, count: 2 });
  });

  it("keeps the input's own data when it is plain JSON, and stores its canonical form parsed otherwise", () => {
    const plain = { b: 1, a: ['x', null] };
    expect(chainLink({ type: 't', actor: 'a', subject: 's', data: plain }, null, now).event.data).toBe(plain);
    const reshaped = { when: new Date(0), gone: undefined, z: -0 };
    const link = chainLink({ type: 't', actor: 'a', subject: 's', data: reshaped }, null, now);
    expect(link.event.data).toStrictEqual({ when: '1970-01-01T00:00:00.000Z', z: 0 });
    expect(link.dataJson).toBe(canonicalJson(reshaped));
    // A read gives back the parsed text: the event verifies as read.
    expect(hashEvent({ ...link.event, data: JSON.parse(link.dataJson) as Record<string, unknown> }, GENESIS_HASH)).toBe(link.event.hash);
  });
});
