import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  canonicalJsonOf,
  chainEvent,
  quoteJsonString,
  GENESIS_HASH,
  grantFingerprint,
  grantId,
  GrantSetHash,
  IdentityIndex,
  isPeriod,
  normalizeEmail,
  periodOf,
  quarantineReason,
  verifyRun,
} from '../../src/domain/index.js';
import type { Identity, LedgerEvent } from '../../src/domain/index.js';

function identity(over: Partial<Identity>): Identity {
  return {
    id: 'u1', email: 'ada@example.com', displayName: 'Ada', department: null, jobTitle: null, managerId: null,
    groups: [], aliases: [], status: 'active', employmentType: 'employee', contractEnd: null, lastSignInAt: null, sourceSystemId: 'hr',
    ...over,
  };
}

describe('grantId', () => {
  it('is stable and derived from system, account, role and scope only', () => {
    expect(grantId('trading', 'acc-1', 'TRADER', '')).toBe(grantId('trading', 'acc-1', 'TRADER', ''));
    expect(grantId('trading', 'acc-1', 'TRADER', '')).toMatch(/^g_[0-9a-f]{32}$/);
  });
  it('differs when any field differs, and fields cannot bleed into each other', () => {
    const base = grantId('trading', 'acc-1', 'TRADER', '');
    expect(grantId('trading', 'acc-1', 'TRADER', 'desk-a')).not.toBe(base);
    expect(grantId('trading', 'acc-2', 'TRADER', '')).not.toBe(base);
    expect(grantId('kms', 'acc-1', 'TRADER', '')).not.toBe(base);
    expect(grantId('a', 'bc', 'r', '')).not.toBe(grantId('ab', 'c', 'r', ''));
  });
});

describe('grantFingerprint', () => {
  it('ignores last activity (it moves every sync) but not owner or status', () => {
    const g = { identityId: 'u1', accountStatus: 'active' as const, accountType: 'human' as const, accountDisplayName: 'Ada' };
    expect(grantFingerprint(g)).toBe(grantFingerprint({ ...g }));
    expect(grantFingerprint({ ...g, accountStatus: 'disabled' })).not.toBe(grantFingerprint(g));
    expect(grantFingerprint({ ...g, identityId: null })).not.toBe(grantFingerprint(g));
  });

  it('is unchanged by an absent, null or empty detail, and covers a detail by content, not key order', () => {
    const g = { identityId: 'u1', accountStatus: 'active' as const, accountType: 'human' as const, accountDisplayName: 'Ada' };
    expect(grantFingerprint(g)).toBe('u1\u001factive\u001fhuman\u001fAda');
    expect(grantFingerprint({ ...g, detail: null })).toBe(grantFingerprint(g));
    expect(grantFingerprint({ ...g, detail: {} })).toBe(grantFingerprint(g));
    const detail = { summary: 'can sign with transit key hot-wallet', paths: ['transit/sign/hot-wallet'] };
    expect(grantFingerprint({ ...g, detail })).not.toBe(grantFingerprint(g));
    expect(grantFingerprint({ ...g, detail })).toBe(grantFingerprint({ ...g, detail: { paths: ['transit/sign/hot-wallet'], summary: detail.summary } }));
    expect(grantFingerprint({ ...g, detail })).not.toBe(grantFingerprint({ ...g, detail: { ...detail, paths: ['transit/sign/*'] } }));
  });
});

describe('IdentityIndex', () => {
  const ada = identity({ id: 'E100', email: 'ada@example.com', aliases: ['ada.l@corp.example'] });
  const bob = identity({ id: 'ada@example.com', email: 'bob@example.com' });
  const index = new IdentityIndex([ada, bob]);
  it('resolves by id, email and alias, case-insensitively', () => {
    expect(index.resolve('e100')?.id).toBe('E100');
    expect(index.resolve(' ADA.L@corp.example ')?.id).toBe('E100');
  });
  it('never lets an email shadow an id', () => {
    expect(index.resolve('ada@example.com')?.id).toBe('ada@example.com');
  });
  it('returns null for unknown or empty keys', () => {
    expect(index.resolve('nobody@example.com')).toBeNull();
    expect(index.resolve('')).toBeNull();
    expect(index.resolve(null)).toBeNull();
  });
  it('normalizes emails', () => {
    expect(normalizeEmail('  Ada@Example.COM ')).toBe('ada@example.com');
    expect(normalizeEmail('   ')).toBeNull();
  });
});

describe('quarantineReason', () => {
  it('quarantines an empty pull where there was data', () => {
    expect(quarantineReason(10, { grants: 0, removed: 10 })).toMatch(/no grants/);
  });
  it('quarantines removals above the share, not at it', () => {
    expect(quarantineReason(100, { grants: 90, removed: 10 })).toBeNull();
    expect(quarantineReason(100, { grants: 89, removed: 11 })).toMatch(/11 of 100/);
    expect(quarantineReason(100, { grants: 50, removed: 50 }, { maxRemovalShare: 0.5 })).toBeNull();
  });
  it('does not count removals that were awaited (revoked grants): neither in the share nor as an empty pull', () => {
    expect(quarantineReason(32, { grants: 28, removed: 4 }, { maxRemovalShare: 0.1 }, 'grants', 2)).toBeNull();
    expect(quarantineReason(28, { grants: 25, removed: 3 }, { maxRemovalShare: 0.1 }, 'grants', 0)).toMatch(/removes 3 of 28 grants \(10\.7%\)/);
    expect(quarantineReason(32, { grants: 20, removed: 12 }, { maxRemovalShare: 0.1 }, 'grants', 2)).toMatch(/removes 10 of 32 grants not awaiting removal \(2 more were revoked and awaited\)/);
    expect(quarantineReason(2, { grants: 0, removed: 2 }, { maxRemovalShare: 0.1 }, 'grants', 2)).toBeNull();
    expect(quarantineReason(2, { grants: 0, removed: 2 }, { maxRemovalShare: 0.1 }, 'grants', 1)).toMatch(/no grants/);
  });
  it('never quarantines a first pull', () => {
    expect(quarantineReason(null, { grants: 0, removed: 0 })).toBeNull();
    expect(quarantineReason(0, { grants: 0, removed: 0 })).toBeNull();
  });
});

describe('periodOf', () => {
  it('names periods', () => {
    const d = new Date('2026-11-24T12:00:00Z');
    expect(periodOf('quarter', d)).toBe('2026-Q4');
    expect(periodOf('half-year', d)).toBe('2026-H2');
    expect(periodOf('month', d)).toBe('2026-11');
    expect(periodOf('year', d)).toBe('2026');
  });
  it('computes the period in the given time zone', () => {
    const newYearInVaduz = new Date('2026-12-31T23:30:00Z');
    expect(periodOf('quarter', newYearInVaduz, 'UTC')).toBe('2026-Q4');
    expect(periodOf('quarter', newYearInVaduz, 'Europe/Vaduz')).toBe('2027-Q1');
  });
  it('validates period names', () => {
    expect(isPeriod('quarter', '2026-Q4')).toBe(true);
    expect(isPeriod('quarter', '2026-Q5')).toBe(false);
    expect(isPeriod('month', '2026-13')).toBe(false);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
  });
  it('orders keys exactly as Array.prototype.sort (UTF-16 code units) for small and large objects', () => {
    // A plain reference: sort every key list with the built-in sort, then JSON.stringify.
    const reference = (v: unknown): string => {
      if (Array.isArray(v)) return `[${v.map(reference).join(',')}]`;
      if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${reference((v as Record<string, unknown>)[k])}`).join(',')}}`;
      return JSON.stringify(v);
    };
    let seed = 7;
    const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const alphabet = ['a', 'B', 'z', '_', '1', '10', '2', 'é', 'Z', '\u{1F600}', '\uFF21', '"', '\\', ' '];
    const key = () => Array.from({ length: 1 + rnd(3) }, () => alphabet[rnd(alphabet.length)]).join('');
    const value = (depth: number): unknown => {
      const kind = rnd(depth > 2 ? 3 : 5);
      if (kind === 0) return rnd(1000) - 500;
      if (kind === 1) return key();
      if (kind === 2) return rnd(2) === 0 ? null : true;
      if (kind === 3) return Array.from({ length: rnd(4) }, () => value(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = rnd(40); i > 0; i--) o[key()] = value(depth + 1);
      return o;
    };
    for (let i = 0; i < 500; i++) {
      const v = value(0);
      expect(canonicalJson(v)).toBe(reference(v));
    }
  });
  it('quotes strings exactly as JSON.stringify, escapes and lone surrogates included', () => {
    const units = ['a', 'Z', ' ', '"', '\\', '/', '\u0000', '\u001f', '\u007f', '\n', '\u2028', 'é', '\ud83d', '\ude00', '\ud83d\ude00', '\uFFFF'];
    let seed = 3;
    const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    for (let i = 0; i < 5000; i++) {
      const s = Array.from({ length: rnd(8) }, () => units[rnd(units.length)]).join('');
      expect(quoteJsonString(s)).toBe(JSON.stringify(s));
    }
  });
  it('says when a value is plain JSON data, i.e. JSON.parse of its canonical form deep-equals it', () => {
    class Point {
      x = 1;
    }
    const plain = [{ a: 1, b: [1, 'x', null, { c: true }], d: -0.5, e: '' }, [], {}, 'text', 0];
    const reshaped = [{ d: new Date(0) }, { u: undefined }, [1, undefined], { z: -0 }, { p: new Point() }, new Map()];
    for (const v of plain) {
      const r = canonicalJsonOf(v);
      expect(r.plain).toBe(true);
      expect(JSON.parse(r.json)).toStrictEqual(v);
    }
    for (const v of reshaped) {
      const r = canonicalJsonOf(v);
      expect(r.plain).toBe(false);
      expect(r.json).toBe(canonicalJson(v));
      expect(JSON.parse(r.json)).not.toStrictEqual(v);
    }
    // A throw midway leaves no state behind.
    expect(() => canonicalJsonOf({ d: new Date(0), n: NaN })).toThrow(/non-finite/);
    expect(canonicalJsonOf({ a: 1 }).plain).toBe(true);
  });
  it('rejects values JSON cannot represent faithfully', () => {
    expect(() => canonicalJson({ n: NaN })).toThrow(/non-finite/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/circular/);
  });
});

describe('ledger chain', () => {
  const at = () => new Date('2026-11-24T10:00:00Z');
  function chain(n: number): LedgerEvent[] {
    const out: LedgerEvent[] = [];
    for (let i = 0; i < n; i++) out.push(chainEvent({ type: 't', actor: 'a', subject: `s${i}`, data: { i } }, out[i - 1] ?? null, at));
    return out;
  }
  it('starts at genesis and links each event to the previous hash', () => {
    const events = chain(3);
    expect(events[0]!.seq).toBe(1);
    expect(events[0]!.prevHash).toBe(GENESIS_HASH);
    expect(events[2]!.prevHash).toBe(events[1]!.hash);
    expect(verifyRun(events, null)).toMatchObject({ break: null, count: 3 });
  });
  it('names the first modified, missing or reordered event', () => {
    const modified = chain(4);
    modified[2] = { ...modified[2]!, data: { i: 99 } };
    expect(verifyRun(modified, null).break).toMatchObject({ seq: 3, reason: expect.stringMatching(/modified/) });

    const gap = chain(4);
    gap.splice(1, 1);
    expect(verifyRun(gap, null).break).toMatchObject({ seq: 2, reason: expect.stringMatching(/missing/) });

    const swapped = chain(4);
    [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!];
    expect(verifyRun(swapped, null).break?.seq).toBe(2);
  });
  it('detects a re-hashed event whose predecessor link no longer matches', () => {
    const events = chain(3);
    const forged = chainEvent({ type: 't', actor: 'mallory', subject: 's1', data: {} }, { seq: 1, hash: 'f'.repeat(64) }, at);
    events[1] = forged;
    expect(verifyRun(events, null).break).toMatchObject({ seq: 2, reason: expect.stringMatching(/prevHash/) });
  });
});

describe('GrantSetHash', () => {
  const g = (id: string, status: 'active' | 'disabled' = 'active') => ({ id, identityId: 'u1', accountStatus: status, accountType: 'human' as const, accountDisplayName: null });
  const hash = (...gs: ReturnType<typeof g>[]) => {
    const h = new GrantSetHash();
    for (const x of gs) h.add(x);
    return h.digest();
  };
  it('does not depend on order', () => {
    expect(hash(g('a'), g('b'), g('c'))).toBe(hash(g('c'), g('a'), g('b')));
  });
  it('changes with membership, with a fingerprint change and with multiplicity', () => {
    const base = hash(g('a'), g('b'));
    expect(hash(g('a'))).not.toBe(base);
    expect(hash(g('a'), g('b', 'disabled'))).not.toBe(base);
    expect(hash(g('a'), g('b'), g('b'))).not.toBe(base);
    expect(hash()).not.toBe(hash(g('a')));
  });
});
