import { hash } from 'node:crypto';

const MOD = 1n << 256n;

/**
 * A multiset hash of keys: the sum, mod 2^256, of each key's SHA-256, as 64 hex digits. Unlike a
 * hash of the sorted keys it composes: the sums of disjoint parts add up to the sum of their
 * union, so an evaluation saved in several transactions (MongoDB) can ledger one summary per
 * transaction and `audit verify` still checks the rows of the whole evaluation against them.
 * Finding a different set with the same sum is as hard as for the sorted-keys hash at this size
 * (sums of random 256-bit values; the keys are not chosen by an adversary who sees the ledger).
 */
export function keySetSum(keys: Iterable<string>): string {
  let sum = 0n;
  for (const key of keys) sum = (sum + BigInt(`0x${hash('sha256', key, 'hex')}`)) % MOD;
  return hex(sum);
}

/** The key set sum of the union of disjoint parts, from the parts' sums. */
export function addKeySetSums(sums: Iterable<string>): string {
  let sum = 0n;
  for (const s of sums) sum = (sum + BigInt(`0x${s}`)) % MOD;
  return hex(sum);
}

function hex(n: bigint): string {
  return n.toString(16).padStart(64, '0');
}
