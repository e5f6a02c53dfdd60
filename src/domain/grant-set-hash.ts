import { createHash, hash } from 'node:crypto';
import { grantFingerprint } from './grant.js';
import type { Grant } from './grant.js';

/**
 * The content hash of a snapshot: a multiset hash, so it is the same whatever order the grants
 * arrive or are read in, and can be computed in the one streaming pass of a sync (no re-read
 * of a million rows). Each grant contributes SHA-256("<id> <fingerprint>"), added lane-wise
 * (8 x 32-bit, modulo 2^32) into an accumulator; the result is SHA-256 of the count and the
 * accumulator. Anyone can recompute it from the stored grants.
 */
export class GrantSetHash {
  private readonly lanes = new Uint32Array(8);
  private count = 0;

  /** Adds one grant; `fingerprint` is grantFingerprint(g), when the caller has it already. */
  add(g: Pick<Grant, 'id' | 'identityId' | 'accountStatus' | 'accountType' | 'accountDisplayName' | 'detail'>, fingerprint = grantFingerprint(g)): void {
    // The digest as a binary (latin1) string (one character per byte): the one-shot hash() without a
    // Buffer is about 3x faster than createHash().digest() over a million grants.
    const d = hash('sha256', `${g.id} ${fingerprint}`, 'binary');
    for (let i = 0; i < 8; i++) {
      const o = i * 4;
      const word = (d.charCodeAt(o) << 24) | (d.charCodeAt(o + 1) << 16) | (d.charCodeAt(o + 2) << 8) | d.charCodeAt(o + 3);
      this.lanes[i] = (this.lanes[i]! + word) >>> 0;
    }
    this.count++;
  }

  digest(): string {
    return createHash('sha256').update(`grant-set/v1 ${this.count} `).update(Buffer.from(this.lanes.buffer)).digest('hex');
  }
}
