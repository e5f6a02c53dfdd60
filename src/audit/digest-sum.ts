import { hash } from 'node:crypto';

/**
 * A multiset hash of texts, as src/domain/key-set-sum.ts: the sum, mod 2^256, of each text's
 * SHA-256, kept in eight 32-bit words (no BigInt per add). Two sums are equal when the texts
 * added to each are the same multiset (finding a different multiset with the same sum is as
 * hard as for key-set-sum at this size).
 */
export class DigestSum {
  private readonly words = new Uint32Array(8);

  add(text: string): void {
    // As 'binary' (latin1) text: one char per byte, read without allocating a Buffer.
    const d = hash('sha256', text, 'binary');
    let carry = 0;
    for (let i = 7; i >= 0; i--) {
      const o = i * 4;
      const word = ((d.charCodeAt(o) << 24) | (d.charCodeAt(o + 1) << 16) | (d.charCodeAt(o + 2) << 8) | d.charCodeAt(o + 3)) >>> 0;
      const s = this.words[i]! + word + carry;
      this.words[i] = s >>> 0;
      carry = s > 0xffffffff ? 1 : 0;
    }
  }

  equals(other: DigestSum): boolean {
    for (let i = 0; i < 8; i++) if (this.words[i] !== other.words[i]) return false;
    return true;
  }
}
