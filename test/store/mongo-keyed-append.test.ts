/**
 * The idempotency key of a direct ledger append (keyed-append.ts): what makes two appends the same
 * one (a retry), and what keeps two appends apart.
 */
import { describe, expect, it } from 'vitest';
import type { LedgerEventInput } from '../../src/domain/index.js';
import { keyedAppend } from '../../src/store/mongo/keyed-append.js';

const NOW = new Date('2026-12-06T12:00:00.000Z');
const LATER = new Date('2026-12-06T12:00:05.000Z');
const refused = (n: number, overrides: Partial<LedgerEventInput> = {}): LedgerEventInput => ({
  type: 'decision.refused',
  actor: 'U123',
  subject: `item-${n}`,
  data: { reason: 'not pending', n },
  at: '2026-12-06T11:59:59.000Z',
  ...overrides,
});

describe('keyedAppend', () => {
  it('timed inputs: a retry (another call, another time) has the same key and the same inputs', () => {
    const first = keyedAppend([refused(1), refused(2)], NOW, 'call-1');
    const retry = keyedAppend([refused(1), refused(2)], LATER, 'call-2');
    expect(first.key).toMatch(/^[0-9a-f]{64}$/);
    expect(retry).toEqual(first);
    expect(first.inputs).toEqual([refused(1), refused(2)]);
  });

  it('the order of data keys does not matter (canonical JSON); the data object is the caller’s own', () => {
    const input = refused(1, { data: { n: 1, reason: 'not pending' } });
    const keyed = keyedAppend([input], NOW, 'c');
    expect(keyed.key).toBe(keyedAppend([refused(1)], NOW, 'c').key);
    expect(keyed.inputs[0]!.data).toBe(input.data);
  });

  it.each<[string, LedgerEventInput[]]>([
    ['type', [refused(1, { type: 'decision.other' }), refused(2)]],
    ['actor', [refused(1, { actor: 'U999' }), refused(2)]],
    ['subject', [refused(1, { subject: 'item-9' }), refused(2)]],
    ['at', [refused(1, { at: '2026-12-06T11:59:59.001Z' }), refused(2)]],
    ['data', [refused(1, { data: { reason: 'not pending', n: 1, extra: true } }), refused(2)]],
    ['order', [refused(2), refused(1)]],
    ['count', [refused(1)]],
    ['count (one more)', [refused(1), refused(2), refused(3)]],
  ])('a different %s is another append', (_what, inputs) => {
    expect(keyedAppend(inputs, NOW, 'c').key).not.toBe(keyedAppend([refused(1), refused(2)], NOW, 'c').key);
  });

  it('field boundaries cannot be shifted into each other', () => {
    expect(keyedAppend([refused(1, { actor: 'a', subject: 'bc' })], NOW, 'c').key).not.toBe(keyedAppend([refused(1, { actor: 'ab', subject: 'c' })], NOW, 'c').key);
  });

  it('an input without at gets the time of the call, and its key is this call’s only', () => {
    const untimed: LedgerEventInput = { type: 'config.loaded', actor: 'system', subject: 'config', data: {} };
    const call = keyedAppend([untimed], NOW, 'call-1');
    expect(call.inputs).toEqual([{ ...untimed, at: NOW.toISOString() }]);
    // The same call's attempts share it (the driver's re-runs of its transaction) ...
    expect(keyedAppend([untimed], NOW, 'call-1')).toEqual(call);
    // ... a second append of the same content, even in the same millisecond, is another append.
    expect(keyedAppend([untimed], NOW, 'call-2').key).not.toBe(call.key);
    // Timed inputs leave the call out.
    expect(keyedAppend([refused(1)], NOW, 'call-1').key).toBe(keyedAppend([refused(1)], NOW, 'call-2').key);
  });
});
