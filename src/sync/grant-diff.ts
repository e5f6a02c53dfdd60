/**
 * One-pass diff of a pull against the current state: the previous state is loaded once,
 * the pull streams through once (carrying each grant's first-seen time forward), and the
 * previous grants never pulled are the removals. It also counts the pull's distinct accounts.
 *
 * Grants are matched by (account, role, scope), the system being the same for a whole diff:
 * what the grant id is derived from (grantId), without hashing it. An unchanged pulled grant
 * costs a lookup and a field-by-field comparison: no id, no fingerprint, no Grant object.
 *
 * A million grants are held without a million objects: ids, owners, display names,
 * accounts, roles and scopes are kept in a few large strings with typed-array offsets and
 * an open-addressing hash index (see StringList, StringTable). A Map of a million strings
 * costs several times the memory, and every garbage collection walks all of its entries.
 */
import type { Grant, GrantChange } from '../domain/index.js';
import { grantDetailText, grantFingerprint, grantId } from '../domain/index.js';

/** What the diff reads of a pulled grant: its fields as the connector reported them (a GrantRecord fits). */
export type PulledFields = Pick<Grant, 'accountId' | 'role' | 'scope' | 'accountDisplayName' | 'accountType' | 'accountStatus' | 'lastActivityAt' | 'detail'>;

/**
 * `duplicate`: the grant was already pulled with the same fingerprint; `conflict`: already
 * pulled with another owner, status, type or display name. Neither is stored again.
 */
export type ClassifyResult = 'added' | 'changed' | 'unchanged' | 'duplicate' | 'conflict';

export interface Classification {
  result: ClassifyResult;
  /** The previous fingerprint, for `changed`. */
  before: string | null;
  /** The pulled grant's fingerprint (grantFingerprint), for `added` and `changed`; null otherwise. */
  after: string | null;
  /**
   * For a grant the store must keep (added, changed, unchanged with `restore`): its first-seen
   * time, carried from the previous state (`now` when new, or when the previous had none).
   * Null otherwise: an unchanged grant is not stored again.
   */
  firstSeenAt: string | null;
  /**
   * For `unchanged`: a stored field outside the fingerprint (last activity, identity
   * reference) differs from the previous grant's, so the store must keep the new grant.
   */
  restore?: boolean;
}

const UNCHANGED: Classification = Object.freeze({ result: 'unchanged', before: null, after: null, firstSeenAt: null });
const DUPLICATE: Classification = Object.freeze({ result: 'duplicate', before: null, after: null, firstSeenAt: null });
const CONFLICT: Classification = Object.freeze({ result: 'conflict', before: null, after: null, firstSeenAt: null });

/**
 * Items per previous grant in `previous`, at FIELDS * slot + one of the offsets below: the
 * fingerprint's free-text parts (see grantFingerprint; status and type are kept as a code)
 * and what a removal reports.
 */
const FIELDS = 8;
const OWNER = 0;
const NAME = 1;
const ACCOUNT = 2;
const ROLE = 3;
const SCOPE = 4;
/** The detail's canonical JSON ('' for none): see grantDetailText. */
const DETAIL = 5;
/** Stored fields outside the fingerprint (NULL_MARK for null): a change makes the grant stored again. */
const IDENTITY_REF = 6;
const LAST_ACTIVITY = 7;
/** Null in IDENTITY_REF and LAST_ACTIVITY, told apart from an empty string. */
const NULL_MARK = '\u0000';
/** grantFingerprint's separator. */
const SEP = '\u001f';

export class GrantDiff {
  /** Grant key (see keyOf) -> slot: the previous grants first (slot = load order), then the new ones. */
  private readonly ids = new StringTable();
  private readonly previous = new StringList();
  private prevCount = 0;
  /**
   * First-seen times of the previous grants, as indexes into `times`: a few distinct values
   * (one per sync that added grants) shared by many grants, handed out without a copy.
   */
  private firstSeen = new Int32Array(1024);
  private readonly times: string[] = [];
  private readonly timeIndex = new Map<string, number>();
  private lastTime: string | null = null;
  private lastTimeIndex = -1;
  /** Per previous grant, the code of its (status, type): an index into `statusTypes`. */
  private statusType = new Int32Array(1024);
  private readonly statusTypes: string[] = [];
  private readonly statusTypeIndex = new Map<string, Map<string, number>>();
  /** 1 once the slot's grant was pulled. */
  private pulled = new Uint8Array(1024);
  /**
   * The pulled fingerprint of new grants and of changed ones (the others pulled their previous
   * one): per slot, 1 + its index in `fingerprints`, 0 for none. A Map of a million strings
   * (a sync's first pull) costs about twice as much.
   */
  private fingerprintOf = new Int32Array(1024);
  private readonly fingerprints = new StringList();
  private readonly accounts = new StringTable();

  /** Loads one batch of the current state's grants (unique within a snapshot; a repeat is ignored). */
  addPrevious(grants: readonly Grant[]): void {
    for (const g of grants) {
      const slot = this.ids.insert(keyOf(g));
      if (slot < 0) continue;
      if (slot >= this.firstSeen.length) {
        this.firstSeen = grown(this.firstSeen, slot + 1);
        this.statusType = grown(this.statusType, slot + 1);
      }
      this.firstSeen[slot] = this.timeOf(g.firstSeenAt ?? '');
      this.statusType[slot] = this.statusTypeOf(g);
      this.previous.push(g.identityId ?? '');
      this.previous.push(g.accountDisplayName ?? '');
      this.previous.push(g.accountId);
      this.previous.push(g.role);
      this.previous.push(g.scope);
      this.previous.push(grantDetailText(g.detail) ?? '');
      this.previous.push(g.identityRef ?? NULL_MARK);
      this.previous.push(g.lastActivityAt ?? NULL_MARK);
      this.prevCount++;
    }
  }

  get previousCount(): number {
    return this.prevCount;
  }

  /** Distinct accounts among the grants classified so far (duplicates included). */
  get accountCount(): number {
    return this.accounts.size;
  }

  /**
   * Classifies a pulled grant, owned by `identityId` and reported with `identityRef` (as they are
   * stored). Its fingerprint (grantFingerprint) is built only when the grant is added or changed
   * (then returned as `after`), or pulled twice: an unchanged grant is compared field by field.
   */
  classify(r: PulledFields, identityId: string | null, identityRef: string | null, now: string): Classification {
    const inserted = this.ids.insert(keyOf(r));
    if (inserted >= 0) {
      const fingerprint = fingerprintOf(r, identityId);
      this.markPulled(inserted);
      this.keepFingerprint(inserted, fingerprint);
      this.accounts.insert(r.accountId);
      return { result: 'added', before: null, after: fingerprint, firstSeenAt: now };
    }
    const slot = -inserted - 1;
    if (this.pulled[slot] === 1) {
      const first = slot < this.fingerprintOf.length ? this.fingerprintOf[slot]! - 1 : -1;
      return (first < 0 ? this.samePrevious(slot, r, identityId) : this.fingerprints.equals(first, fingerprintOf(r, identityId))) ? DUPLICATE : CONFLICT;
    }
    this.markPulled(slot);
    this.accounts.insert(r.accountId);
    if (this.samePrevious(slot, r, identityId)) {
      if (this.sameStored(slot, r, identityRef)) return UNCHANGED;
      return { result: 'unchanged', before: null, after: null, firstSeenAt: this.firstSeenAtOf(slot, now), restore: true };
    }
    const fingerprint = fingerprintOf(r, identityId);
    this.keepFingerprint(slot, fingerprint);
    return { result: 'changed', before: this.previousFingerprint(slot), after: fingerprint, firstSeenAt: this.firstSeenAtOf(slot, now) };
  }

  /**
   * The previous grants not seen in the pull, as `removed` changes (in load order), with their
   * grant ids derived from `systemId` (the system of every grant diffed). Call once, after the pull.
   */
  *removals(snapshotId: string, systemId: string): Generator<GrantChange> {
    for (let slot = 0; slot < this.prevCount; slot++) {
      if (this.pulled[slot] === 1) continue;
      const at = FIELDS * slot;
      const accountId = this.previous.get(at + ACCOUNT);
      const role = this.previous.get(at + ROLE);
      const scope = this.previous.get(at + SCOPE);
      yield {
        snapshotId,
        grantId: grantId(systemId, accountId, role, scope),
        kind: 'removed',
        systemId,
        accountId,
        role,
        scope,
        before: this.previousFingerprint(slot),
        after: null,
      };
    }
  }

  /** Whether a pulled grant has the previous grant's fingerprint, compared field by field (no string built). */
  private samePrevious(slot: number, g: PulledFields, identityId: string | null): boolean {
    const at = FIELDS * slot;
    return (
      this.statusType[slot] === this.statusTypeOf(g) &&
      this.previous.equals(at + OWNER, identityId ?? '') &&
      this.previous.equals(at + NAME, g.accountDisplayName ?? '') &&
      this.previous.equals(at + DETAIL, grantDetailText(g.detail) ?? '')
    );
  }

  /** Whether the stored fields outside the fingerprint are the previous grant's. */
  private sameStored(slot: number, g: PulledFields, identityRef: string | null): boolean {
    const at = FIELDS * slot;
    return this.previous.equals(at + IDENTITY_REF, identityRef ?? NULL_MARK) && this.previous.equals(at + LAST_ACTIVITY, g.lastActivityAt ?? NULL_MARK);
  }

  /** grantFingerprint() of a previous grant. */
  private previousFingerprint(slot: number): string {
    const at = FIELDS * slot;
    const base = [this.previous.get(at + OWNER), this.statusTypes[this.statusType[slot]!], this.previous.get(at + NAME)].join(SEP);
    const detail = this.previous.get(at + DETAIL);
    return detail === '' ? base : base + SEP + detail;
  }

  /** The first-seen time a previous grant pulled again keeps: its own, or `now` when it had none. */
  private firstSeenAtOf(slot: number, now: string): string {
    const firstSeenAt = this.times[this.firstSeen[slot]!]!;
    return firstSeenAt === '' ? now : firstSeenAt;
  }

  private statusTypeOf(g: Pick<Grant, 'accountStatus' | 'accountType'>): number {
    let byType = this.statusTypeIndex.get(g.accountStatus);
    if (byType === undefined) this.statusTypeIndex.set(g.accountStatus, (byType = new Map()));
    let i = byType.get(g.accountType);
    if (i === undefined) {
      i = this.statusTypes.push(g.accountStatus + SEP + g.accountType) - 1;
      byType.set(g.accountType, i);
    }
    return i;
  }

  private timeOf(time: string): number {
    // Grants stored together mostly share their first-seen time: the last one answers first.
    if (time === this.lastTime) return this.lastTimeIndex;
    let i = this.timeIndex.get(time);
    if (i === undefined) {
      i = this.times.push(time) - 1;
      this.timeIndex.set(time, i);
    }
    this.lastTime = time;
    this.lastTimeIndex = i;
    return i;
  }

  private keepFingerprint(slot: number, fingerprint: string): void {
    if (slot >= this.fingerprintOf.length) this.fingerprintOf = grown(this.fingerprintOf, slot + 1);
    this.fingerprintOf[slot] = this.fingerprints.push(fingerprint) + 1;
  }

  private markPulled(slot: number): void {
    if (slot >= this.pulled.length) this.pulled = grown(this.pulled, slot + 1);
    this.pulled[slot] = 1;
  }
}

/**
 * A grant's key within one system: its account, role and scope joined as grantId joins them
 * (two grants share a key exactly when they share an id).
 */
function keyOf(g: Pick<Grant, 'accountId' | 'role' | 'scope'>): string {
  return g.accountId + SEP + g.role + SEP + g.scope;
}

function fingerprintOf(r: PulledFields, identityId: string | null): string {
  return grantFingerprint({ identityId, accountStatus: r.accountStatus, accountType: r.accountType, accountDisplayName: r.accountDisplayName, detail: r.detail });
}

const CHUNK_BITS = 12;
const CHUNK = 1 << CHUNK_BITS;

/**
 * An append-only list of strings stored as one joined string per CHUNK items (plus the
 * items of the last, unfinished chunk) and where each item ends in its chunk: an item starts
 * where the one before it ends (at 0 for a chunk's first), so 4 bytes per item locate it.
 */
class StringList {
  private readonly chunks: string[] = [];
  /** The unfinished chunk's items, allocated once per chunk (growing by push costs more). */
  private open = new Array<string>(CHUNK);
  private openLength = 0;
  private ends = new Int32Array(CHUNK);
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(s: string): number {
    const i = this.count++;
    if (i === this.ends.length) this.ends = grown(this.ends, i + 1);
    this.openLength += s.length;
    this.ends[i] = this.openLength;
    this.open[i & (CHUNK - 1)] = s;
    if ((i & (CHUNK - 1)) === CHUNK - 1) {
      this.chunks.push(this.open.join(''));
      this.open = new Array<string>(CHUNK);
      this.openLength = 0;
    }
    return i;
  }

  get(i: number): string {
    const chunk = this.chunks[i >> CHUNK_BITS];
    if (chunk === undefined) return this.open[i & (CHUNK - 1)]!;
    return chunk.slice(this.start(i), this.ends[i]);
  }

  equals(i: number, s: string): boolean {
    const chunk = this.chunks[i >> CHUNK_BITS];
    if (chunk === undefined) return this.open[i & (CHUNK - 1)] === s;
    const start = this.start(i);
    return this.ends[i]! - start === s.length && chunk.startsWith(s, start);
  }

  /** Where item i starts in its (finished) chunk. */
  private start(i: number): number {
    return (i & (CHUNK - 1)) === 0 ? 0 : this.ends[i - 1]!;
  }
}

/** A set of strings (kept in a StringList) numbering each by insertion order: open addressing, linear probing. */
class StringTable {
  private readonly keys = new StringList();
  private hashes = new Int32Array(CHUNK);
  /** slot + 1 per bucket; 0 is empty. At most half full. */
  private buckets = new Int32Array(2 * CHUNK);

  get size(): number {
    return this.keys.size;
  }

  /** The new key's slot, or -(slot + 1) when the key was there already. */
  insert(key: string): number {
    const h = hashOf(key);
    const mask = this.buckets.length - 1;
    let b = h & mask;
    for (let e = this.buckets[b]!; e !== 0; e = this.buckets[b]!) {
      if (this.hashes[e - 1] === h && this.keys.equals(e - 1, key)) return -e;
      b = (b + 1) & mask;
    }
    const slot = this.keys.push(key);
    if (slot >= this.hashes.length) this.hashes = grown(this.hashes, slot + 1);
    this.hashes[slot] = h;
    this.buckets[b] = slot + 1;
    if (2 * this.keys.size > this.buckets.length) this.rehash();
    return slot;
  }

  private rehash(): void {
    const buckets = new Int32Array(2 * this.buckets.length);
    const mask = buckets.length - 1;
    for (let slot = 0; slot < this.keys.size; slot++) {
      let b = this.hashes[slot]! & mask;
      while (buckets[b] !== 0) b = (b + 1) & mask;
      buckets[b] = slot + 1;
    }
    this.buckets = buckets;
  }
}

/** FNV-1a over the UTF-16 code units. */
function hashOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

function grown<T extends Int32Array | Uint8Array>(a: T, atLeast: number): T {
  let size = a.length * 2;
  while (size < atLeast) size *= 2;
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}
