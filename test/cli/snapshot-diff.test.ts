/**
 * diffGrants: the merge of two id-ordered grant streams, whatever their batch boundaries,
 * counting every line and keeping at most `limit` of each kind.
 */
import { describe, expect, it } from 'vitest';
import { diffGrants } from '../../src/cli/snapshot-diff.js';
import type { Grant } from '../../src/domain/index.js';
import { grantId } from '../../src/domain/index.js';

function grant(account: string, over: Partial<Grant> = {}): Grant {
  return { id: grantId('s', account, 'R', ''), systemId: 's', accountId: account, role: 'R', scope: '', identityId: 'E1', identityRef: null, accountDisplayName: account, accountType: 'human', accountStatus: 'active', lastActivityAt: null, firstSeenAt: null, ...over };
}

/** Grants in id order, cut into batches of the given sizes (cycled). */
async function* batches(grants: Grant[], sizes: number[]): AsyncIterable<Grant[]> {
  const sorted = [...grants].sort((a, b) => (a.id < b.id ? -1 : 1));
  for (let i = 0, k = 0; i < sorted.length; k++) {
    const n = sizes[k % sizes.length]!;
    yield sorted.slice(i, i + n);
    i += n;
  }
}

describe('diffGrants', () => {
  const before = Array.from({ length: 30 }, (_, i) => grant(`a${i}`));
  // a0..a9 removed, a10..a29 kept (a10 and a11 changed; a12 only used again, which is no change of access), b0..b4 added.
  const after = [
    ...before.slice(10).map((g) => (g.accountId === 'a10' ? { ...g, accountStatus: 'disabled' as const } : g.accountId === 'a11' ? { ...g, detail: { summary: 'x' } } : g)),
    ...Array.from({ length: 5 }, (_, i) => grant(`b${i}`)),
  ].map((g) => (g.accountId === 'a12' ? { ...g, lastActivityAt: '2026-12-01T00:00:00Z' } : g));

  for (const sizes of [[1], [2, 7], [1000], [3, 1, 0, 4]]) {
    it(`finds every difference with batches of ${sizes.join(',')}`, async () => {
      const r = await diffGrants(batches(before, sizes), batches(after, [...sizes].reverse()), 100);
      expect(r.counts).toEqual({ added: 5, removed: 10, changed: 2 });
      expect(r.lines.filter((l) => l.kind === 'removed').map((l) => l.accountId).sort()).toEqual(before.slice(0, 10).map((g) => g.accountId).sort());
      expect(r.lines.filter((l) => l.kind === 'added').map((l) => l.accountId).sort()).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
      expect(r.lines.filter((l) => l.kind === 'changed').map((l) => [l.accountId, l.fields]).sort()).toEqual([['a10', ['accountStatus']], ['a11', ['detail']]]);
      const ids = r.lines.map((l) => l.grantId);
      expect(ids).toEqual([...ids].sort()); // in grant id order
    });
  }

  it('counts every line but keeps at most `limit` of each kind', async () => {
    const r = await diffGrants(batches(before, [4]), batches(after, [4]), 3);
    expect(r.counts).toEqual({ added: 5, removed: 10, changed: 2 });
    expect(r.lines.filter((l) => l.kind === 'removed')).toHaveLength(3);
    expect(r.lines.filter((l) => l.kind === 'added')).toHaveLength(3);
    expect(r.lines.filter((l) => l.kind === 'changed')).toHaveLength(2);
  });

  it('against nothing: every grant is added', async () => {
    const r = await diffGrants(batches([], [1]), batches(after, [5]), 100);
    expect(r.counts).toEqual({ added: after.length, removed: 0, changed: 0 });
  });
});
