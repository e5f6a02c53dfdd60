/**
 * GrantDiff directly: its hash index (open addressing over FNV-1a) against a Map-based model.
 * What the sync stage does with it maps onto a table's operations: addPrevious inserts,
 * classify looks up (and inserts new keys), a pulled previous grant is taken out of what
 * `removals()` yields, and `removals()` iterates what remains. Grants are keyed by (account,
 * role, scope), from which their ids derive. Collisions are forced (keys with the same 32-bit hash), and the random runs hold thousands of grants so that every array and
 * the index grow several times while lookups go on.
 */
import { describe, expect, it } from 'vitest';
import type { AccountStatus, AccountType, Grant, GrantChange } from '../../src/domain/index.js';
import { grantFingerprint, grantId } from '../../src/domain/index.js';
import type { ClassifyResult } from '../../src/sync/grant-diff.js';
import { GrantDiff } from '../../src/sync/grant-diff.js';
import { grantRowsOf } from '../../src/store/grant-rows.js';
import { seededRandom } from '../fakes/seeded-random.js';

const SYSTEM = 'trading';
const NOW = '2026-12-01T00:00:00.000Z';

function grant(accountId: string, role: string, over: Partial<Grant> = {}): Grant {
  return {
    id: grantId(SYSTEM, accountId, role, over.scope ?? ''), systemId: SYSTEM, accountId, role, scope: '', identityId: `id-${accountId}`, identityRef: null,
    accountDisplayName: accountId, accountType: 'human', accountStatus: 'active', lastActivityAt: null, firstSeenAt: '2026-10-01T00:00:00.000Z', ...over,
  };
}

interface Classified {
  result: ClassifyResult;
  before: string | null;
  /** For a grant to store again (added, changed, restore): the first-seen time it keeps; null otherwise. */
  firstSeenAt: string | null;
  restore: boolean;
}

/** classify() of a pulled grant, as the sync stage calls it; `after` must be the pulled fingerprint for an added or changed grant, null otherwise. */
function classify(diff: GrantDiff, g: Grant): Classified {
  const c = diff.classify(g, g.identityId, g.identityRef, NOW);
  expect(c.after).toBe(c.result === 'added' || c.result === 'changed' ? grantFingerprint(g) : null);
  return { result: c.result, before: c.before, firstSeenAt: c.firstSeenAt, restore: c.restore === true };
}

/** FNV-1a over UTF-16 code units, as grant-diff.ts documents its hash (restated here, not imported). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/** The diff's key of a grant with role R and no scope (account, role and scope unit-separated). */
const keyR = (accountId: string) => `${accountId}\u001fR\u001f`;

/** `groups` pairs of distinct account ids whose keys with role R and no scope have the same 32-bit hash (a seeded birthday search). */
function collidingAccounts(groups: number, seed = 7): Array<[string, string]> {
  const random = seededRandom(seed);
  const seen = new Map<number, string>();
  const found: Array<[string, string]> = [];
  while (found.length < groups) {
    let id = 'acct-';
    for (let i = 0; i < 12; i++) id += Math.floor(random() * 16).toString(16);
    const h = fnv1a(keyR(id));
    const other = seen.get(h);
    if (other === undefined) seen.set(h, id);
    else if (other !== id) {
      found.push([other, id]);
      seen.delete(h);
    }
  }
  return found;
}

/** The same contract over a Map and a Set: what GrantDiff must answer. */
class GrantDiffModel {
  private readonly previous = new Map<string, Grant>();
  /** Fingerprint of each grant's first pull. */
  private readonly pulled = new Map<string, string>();
  private readonly accounts = new Set<string>();

  addPrevious(grants: readonly Grant[]): void {
    for (const g of grants) if (!this.previous.has(g.id)) this.previous.set(g.id, { ...g });
  }

  get previousCount(): number {
    return this.previous.size;
  }

  get accountCount(): number {
    return this.accounts.size;
  }

  classify(g: Grant): Classified {
    const fingerprint = grantFingerprint(g);
    const first = this.pulled.get(g.id);
    if (first !== undefined) return { result: first === fingerprint ? 'duplicate' : 'conflict', before: null, firstSeenAt: null, restore: false };
    this.pulled.set(g.id, fingerprint);
    this.accounts.add(g.accountId);
    const prev = this.previous.get(g.id);
    if (!prev) return { result: 'added', before: null, firstSeenAt: NOW, restore: false };
    const firstSeenAt = prev.firstSeenAt || NOW;
    const before = grantFingerprint(prev);
    if (before !== fingerprint) return { result: 'changed', before, firstSeenAt, restore: false };
    // Stored again when a field outside the fingerprint moved.
    const restore = prev.identityRef !== g.identityRef || prev.lastActivityAt !== g.lastActivityAt;
    return { result: 'unchanged', before: null, firstSeenAt: restore ? firstSeenAt : null, restore };
  }

  removals(snapshotId: string): GrantChange[] {
    return [...this.previous.values()]
      .filter((g) => !this.pulled.has(g.id))
      .map((g) => ({ snapshotId, grantId: g.id, kind: 'removed', systemId: SYSTEM, accountId: g.accountId, role: g.role, scope: g.scope, before: grantFingerprint(g), after: null }));
  }
}

describe('GrantDiff', () => {
  it('inserts, looks up, takes out what was pulled and iterates the rest', () => {
    const diff = new GrantDiff();
    const kept = grant('alice', 'TRADER');
    const gone = grant('bob', 'VIEWER', { scope: 'desk-1', firstSeenAt: '2026-09-01T00:00:00.000Z' });
    const moved = grant('carol', 'ADMIN', { identityId: 'id-carol' });
    diff.addPrevious([kept, gone]);
    const touched = grant('frank', 'VIEWER', { firstSeenAt: '2026-08-01T00:00:00.000Z' });
    diff.addPrevious([moved, { ...kept, accountDisplayName: 'ignored: the same grant again' }, touched]);
    expect(diff.previousCount).toBe(4);

    // Unchanged: nothing to store again.
    expect(classify(diff, kept)).toEqual({ result: 'unchanged', before: null, firstSeenAt: null, restore: false });
    // Unchanged but its last activity moved: stored again, keeping its first-seen time.
    expect(classify(diff, { ...touched, lastActivityAt: NOW })).toEqual({ result: 'unchanged', before: null, firstSeenAt: touched.firstSeenAt, restore: true });
    expect(classify(diff, { ...moved, identityId: 'id-dave' })).toEqual({ result: 'changed', before: grantFingerprint(moved), firstSeenAt: moved.firstSeenAt, restore: false });
    expect(classify(diff, grant('erin', 'TRADER'))).toEqual({ result: 'added', before: null, firstSeenAt: NOW, restore: false });
    // A second pull of the same id: the same fingerprint as its first pull, or not.
    expect(classify(diff, kept).result).toBe('duplicate');
    expect(classify(diff, { ...moved, identityId: 'id-dave' }).result).toBe('duplicate');
    expect(classify(diff, moved).result).toBe('conflict');
    expect(classify(diff, grant('erin', 'TRADER')).result).toBe('duplicate');
    expect(classify(diff, grant('erin', 'TRADER', { accountStatus: 'disabled' })).result).toBe('conflict');
    expect(diff.accountCount).toBe(4);

    expect([...diff.removals('snap-2', SYSTEM)]).toEqual([
      { snapshotId: 'snap-2', grantId: gone.id, kind: 'removed', systemId: SYSTEM, accountId: 'bob', role: 'VIEWER', scope: 'desk-1', before: grantFingerprint(gone), after: null },
    ]);
  });

  it('a previous grant without a first-seen time takes the pull time when stored again', () => {
    const diff = new GrantDiff();
    const g = grant('alice', 'TRADER', { firstSeenAt: null });
    const h = grant('bob', 'TRADER', { firstSeenAt: null });
    diff.addPrevious([g, h]);
    expect(classify(diff, { ...g, identityRef: 'alice@example.com' })).toEqual({ result: 'unchanged', before: null, firstSeenAt: NOW, restore: true });
    expect(classify(diff, { ...h, accountStatus: 'locked' })).toEqual({ result: 'changed', before: grantFingerprint(h), firstSeenAt: NOW, restore: false });
  });

  it('tells apart grants whose keys\' hashes collide', () => {
    const pairs = collidingAccounts(4);
    for (const [a, b] of pairs) expect(a !== b && fnv1a(keyR(a)) === fnv1a(keyR(b))).toBe(true);
    const diff = new GrantDiff();
    const model = new GrantDiffModel();
    // The first of each pair was in the previous state; its twin arrives new in the pull.
    const previous = pairs.map(([a]) => grant(a, 'R'));
    diff.addPrevious(previous);
    model.addPrevious(previous);
    const twins = pairs.map(([, b]) => grant(b, 'R'));
    // Pulled in an order that probes past the twin's bucket both ways.
    const pulls = [twins[0]!, previous[0]!, previous[1]!, twins[1]!, twins[2]!, { ...previous[2]!, identityId: 'id-changed' }, twins[0]!, { ...twins[1]!, accountStatus: 'disabled' as const }];
    for (const g of pulls) expect(classify(diff, g)).toEqual(model.classify(g));
    expect(diff.accountCount).toBe(model.accountCount);
    expect([...diff.removals('s', SYSTEM)]).toEqual(model.removals('s'));
    expect([...diff.removals('s', SYSTEM)].map((r) => r.grantId)).toEqual([grantId(SYSTEM, pairs[3]![0], 'R', '')]);
  });

  it('reads the previous state as the store hands it (GrantRows), whatever the texts\' size and the values', () => {
    const random = seededRandom(11);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    // Values a row encoding could confuse: empty against null, the separator inside a key's
    // fields (keys join as grant ids do: 'a\u001fb' + 'c' is 'a' + 'b\u001fc'), non-BMP text.
    const AWKWARD = ['', 'x', 'é 𝄞', '\u001f', 'a\u001fb'];
    const orNull = (s: string): string | null => (random() < 0.25 ? null : s);
    const someGrant = (): Grant => {
      const accountId = pick(['a', 'a\u001fb', 'acc-𝄞', 'b', 'acc-1']);
      const role = pick(['R', 'b\u001fR', '\u001fR', 'VIEWER']);
      const scope = pick(AWKWARD);
      const g = grant(accountId, role, {
        id: grantId(SYSTEM, accountId, role, scope),
        scope,
        identityId: orNull(pick(AWKWARD)),
        identityRef: orNull(pick(AWKWARD)),
        accountDisplayName: orNull(pick(AWKWARD)),
        accountStatus: pick(['active', 'disabled'] as const),
        lastActivityAt: orNull(pick(['', NOW])),
        firstSeenAt: orNull(pick(['', '2026-01-01T00:00:00.000Z'])),
      });
      if (random() < 0.3) g.detail = { summary: pick(AWKWARD), paths: [pick(AWKWARD)] };
      return g;
    };
    const edited = (g: Grant): Grant => {
      const r = random();
      if (r < 0.4) return g;
      if (r < 0.5) return { ...g, identityRef: g.identityRef === null ? '' : null };
      if (r < 0.6) return { ...g, lastActivityAt: g.lastActivityAt === null ? '' : null };
      if (r < 0.7) return { ...g, identityId: g.identityId === null ? '' : null };
      if (r < 0.8) return { ...g, detail: { summary: 'moved' } };
      if (r < 0.9) return { ...g, accountDisplayName: g.accountDisplayName === '' ? null : '' };
      return { ...g, accountStatus: g.accountStatus === 'active' ? 'disabled' : 'active' };
    };
    for (let run = 0; run < 40; run++) {
      const diff = new GrantDiff();
      const model = new GrantDiffModel();
      const previous = Array.from({ length: 1 + Math.floor(random() * 60) }, someGrant);
      for (let i = 0; i < previous.length; ) {
        const batch = previous.slice(i, (i += 1 + Math.floor(random() * 20)));
        diff.addPreviousRows(grantRowsOf(batch, 1 + Math.floor(random() * 4)));
        model.addPrevious(batch);
      }
      expect(diff.previousCount).toBe(model.previousCount);
      const pulls = Array.from({ length: 80 }, () => (random() < 0.6 ? edited(pick(previous)) : someGrant()));
      for (const g of pulls) expect(classify(diff, g)).toEqual(model.classify(g));
      expect(diff.accountCount).toBe(model.accountCount);
      expect([...diff.removals('s', SYSTEM)]).toEqual(model.removals('s'));
    }
  });

  it('takes no previous grants once the pull is classified', () => {
    const diff = new GrantDiff();
    diff.addPrevious([grant('alice', 'TRADER')]);
    classify(diff, grant('bob', 'TRADER'));
    expect(() => diff.addPrevious([grant('carol', 'TRADER')])).toThrow(/before the pull/);
  });

  describe('matches a Map-based model on random operations', () => {
    const STATUSES: AccountStatus[] = ['active', 'disabled'];
    const TYPES: AccountType[] = ['human', 'service'];
    const TIMES = ['2026-01-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z', null];

    for (const seed of [1, 2, 3]) {
      it(`seed ${seed}: thousands of grants, growing every table, with colliding keys among them`, () => {
        const random = seededRandom(seed);
        const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
        const accounts = Array.from({ length: 6_000 }, (_, i) => `acc-${seed}-${i}`);
        const someGrant = (): Grant =>
          grant(pick(accounts), pick(['TRADER', 'VIEWER', 'ADMIN', 'APPROVER']), {
            scope: random() < 0.3 ? `desk-${Math.floor(random() * 5)}` : '',
            identityId: random() < 0.1 ? null : `id-${Math.floor(random() * 50)}`,
            accountDisplayName: random() < 0.1 ? null : `Name ${Math.floor(random() * 3)}`,
            accountStatus: pick(STATUSES),
            accountType: pick(TYPES),
            firstSeenAt: pick(TIMES),
          });
        /** A pull of a grant: as it was, changed in one fingerprint field, or changed in a field the fingerprint ignores. */
        const edited = (g: Grant): Grant => {
          const r = random();
          if (r < 0.5) return g;
          if (r < 0.6) return { ...g, identityId: g.identityId === null ? 'id-new' : null };
          if (r < 0.7) return { ...g, accountStatus: g.accountStatus === 'active' ? 'disabled' : 'active' };
          if (r < 0.8) return { ...g, accountType: g.accountType === 'human' ? 'service' : 'human' };
          if (r < 0.9) return { ...g, accountDisplayName: `${g.accountDisplayName ?? ''}!` };
          return { ...g, lastActivityAt: NOW };
        };

        const diff = new GrantDiff();
        const model = new GrantDiffModel();
        const collisions = collidingAccounts(3, seed).flat().map((accountId) => ({ ...someGrant(), id: grantId(SYSTEM, accountId, 'R', ''), accountId, role: 'R', scope: '' }));
        const previous: Grant[] = [];
        // Previous state in batches of random size; some grants repeat (the first one counts).
        for (let loaded = 0; loaded < 6_000; ) {
          const batch = Array.from({ length: 1 + Math.floor(random() * 700) }, () => (previous.length > 0 && random() < 0.02 ? { ...pick(previous), accountDisplayName: 'repeat' } : someGrant()));
          if (loaded === 0) batch.push(collisions[0]!, collisions[2]!);
          diff.addPrevious(batch);
          model.addPrevious(batch);
          previous.push(...batch);
          loaded += batch.length;
          expect(diff.previousCount).toBe(model.previousCount);
        }
        // The pull: previous grants (as they were or edited), new ones, and repeats of either.
        const pulled: Grant[] = [];
        const got: unknown[] = [];
        const want: unknown[] = [];
        const pullOne = (g: Grant) => {
          got.push({ pull: pulled.length, id: g.id, ...classify(diff, g) });
          want.push({ pull: pulled.length, id: g.id, ...model.classify(g) });
          pulled.push(g);
        };
        for (const g of [collisions[1]!, collisions[3]!, collisions[4]!]) pullOne(g);
        for (let i = 0; i < 8_000; i++) {
          const r = random();
          if (r < 0.55) pullOne(edited(pick(previous)));
          else if (r < 0.9) pullOne(someGrant());
          else if (pulled.length > 0) pullOne(edited(pick(pulled)));
          if (i % 1_000 === 0) expect(diff.accountCount).toBe(model.accountCount);
        }
        pullOne(collisions[5]!);
        pullOne(collisions[0]!);
        expect(got).toEqual(want);
        expect(diff.accountCount).toBe(model.accountCount);
        const removals = [...diff.removals('snap', SYSTEM)];
        expect(removals).toEqual(model.removals('snap'));
        // Not trivially empty or full: some of the previous state remains, some was pulled.
        expect(removals.length).toBeGreaterThan(100);
        expect(removals.length).toBeLessThan(model.previousCount - 100);
      });
    }
  });
});
