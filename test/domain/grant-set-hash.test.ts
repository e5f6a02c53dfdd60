/**
 * GrantSetHash carried forward (issue 18): a sum restored from state(), minus the terms of the
 * grants removed or changed and plus those added or changed, digests exactly as the full sum of
 * the new set, over random sets and deltas (the lanes wrap modulo 2^32 both ways).
 */
import { describe, expect, it } from 'vitest';
import type { Grant } from '../../src/domain/index.js';
import { grantFingerprint, grantId, GrantSetHash } from '../../src/domain/index.js';
import { seededRandom } from '../fakes/seeded-random.js';

type Hashed = Pick<Grant, 'id' | 'identityId' | 'accountStatus' | 'accountType' | 'accountDisplayName' | 'detail'>;

function grant(i: number, owner: string): Hashed {
  return { id: grantId('vault', `acct-${i}`, 'ADMIN', ''), identityId: owner, accountStatus: 'active', accountType: 'human', accountDisplayName: `Account ${i}`, detail: i % 3 === 0 ? { summary: `policy ${i}` } : null };
}

function full(grants: Iterable<Hashed>): GrantSetHash {
  const h = new GrantSetHash();
  for (const g of grants) h.add(g);
  return h;
}

describe('GrantSetHash', () => {
  it('restores a sum from its state and refuses anything else', () => {
    const h = full([grant(1, 'a'), grant(2, 'b')]);
    expect(h.state()).toMatch(/^grant-set\/v1 2 [0-9a-f]{64}$/);
    const back = GrantSetHash.from(h.state())!;
    expect(back.digest()).toBe(h.digest());
    expect(back.state()).toBe(h.state());
    for (const bad of [null, undefined, '', 'grant-set/v1 2', `grant-set/v2 2 ${'0'.repeat(64)}`, `grant-set/v1 x ${'0'.repeat(64)}`, `grant-set/v1 2 ${'0'.repeat(63)}`]) expect(GrantSetHash.from(bad)).toBeNull();
    // The empty set's state round-trips too (a snapshot with every grant removed).
    expect(GrantSetHash.from(new GrantSetHash().state())!.digest()).toBe(new GrantSetHash().digest());
  });

  it('removing what was added gives back the sum before', () => {
    const h = full([grant(1, 'a')]);
    const before = h.digest();
    h.add(grant(2, 'b'));
    expect(h.digest()).not.toBe(before);
    const g = grant(2, 'b');
    h.remove(g.id, grantFingerprint(g));
    expect(h.digest()).toBe(before);
  });

  it('a sum carried through random deltas digests as the full sum of each new set', () => {
    const random = seededRandom(18);
    const owners = ['alice', 'bob', 'carol', 'dave'];
    let current = new Map<number, Hashed>();
    for (let i = 0; i < 3000; i++) current.set(i, grant(i, owners[i % 4]!));
    let state = full(current.values()).state();
    let next = 3000;
    for (let round = 0; round < 12; round++) {
      const carried = GrantSetHash.from(state)!;
      const after = new Map(current);
      for (const [i, g] of current) {
        const r = random();
        if (r < 0.05) {
          after.delete(i);
          carried.remove(g.id, grantFingerprint(g));
        } else if (r < 0.1) {
          const changed = { ...g, identityId: owners[Math.floor(random() * 4)]!, accountStatus: random() < 0.5 ? ('disabled' as const) : g.accountStatus };
          after.set(i, changed);
          carried.remove(g.id, grantFingerprint(g));
          carried.add(changed);
        }
      }
      // Round 7 removes everything, so that a later round restarts from an empty set.
      if (round === 7) {
        for (const g of after.values()) carried.remove(g.id, grantFingerprint(g));
        after.clear();
      }
      const adds = Math.floor(random() * 400);
      for (let k = 0; k < adds; k++) {
        const g = grant(next, owners[next % 4]!);
        after.set(next++, g);
        carried.add(g);
      }
      const expected = full(after.values());
      expect(carried.digest()).toBe(expected.digest());
      expect(carried.state()).toBe(expected.state());
      state = carried.state();
      current = after;
    }
  });
});
