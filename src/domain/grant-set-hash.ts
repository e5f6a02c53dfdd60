import { createHash } from 'node:crypto';
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

  add(g: Pick<Grant, 'id' | 'identityId' | 'accountStatus' | 'accountType' | 'accountDisplayName'>): void {
    const d = createHash('sha256').update(`${g.id} ${grantFingerprint(g)}`).digest();
    for (let i = 0; i < 8; i++) this.lanes[i] = (this.lanes[i]! + d.readUInt32BE(i * 4)) >>> 0;
    this.count++;
  }

  digest(): string {
    return createHash('sha256').update(`grant-set/v1 ${this.count} `).update(Buffer.from(this.lanes.buffer)).digest('hex');
  }
}
