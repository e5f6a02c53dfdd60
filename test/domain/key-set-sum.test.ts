import { hash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { addKeySetSums, keySetSum } from '../../src/domain/index.js';

describe('keySetSum', () => {
  const keys = Array.from({ length: 50 }, (_, i) => `orphaned-account:kms:svc-${i}`);

  it('is the sum mod 2^256 of the keys\' SHA-256, whatever their order', () => {
    const expected = keys.reduce((n, k) => (n + BigInt(`0x${hash('sha256', k, 'hex')}`)) % (1n << 256n), 0n).toString(16).padStart(64, '0');
    expect(keySetSum(keys)).toBe(expected);
    expect(keySetSum([...keys].reverse())).toBe(expected);
    expect(keySetSum([])).toBe('0'.repeat(64));
  });

  it('composes: the parts\' sums add up to the sum of their union, and a changed set sums differently', () => {
    const parts = [keys.slice(0, 7), keys.slice(7, 30), keys.slice(30)];
    expect(addKeySetSums(parts.map((p) => keySetSum(p)))).toBe(keySetSum(keys));
    expect(addKeySetSums([keySetSum(keys.slice(1)), keySetSum(['another'])])).not.toBe(keySetSum(keys));
    expect(keySetSum([...keys, keys[0]!])).not.toBe(keySetSum(keys));
  });
});
