/**
 * One-pass diff of a pull against the current state: the previous state is loaded once,
 * the pull streams through once (carrying each grant's first-seen time forward), and the
 * previous grants never pulled are the removals. It also counts the pull's distinct accounts.
 *
 * Grants are matched by (account, role, scope), the system being the same for a whole diff:
 * what the grant id is derived from (grantId), without hashing it. An unchanged pulled grant
 * costs a lookup and a field-by-field comparison: no id, no fingerprint, no Grant object.
 *
 * A million grants are held without a million objects. The previous state is kept as the
 * store reads it (GrantRows: a few large texts and each field's length) and its fields are
 * compared in place: a field is sliced out only for a grant that changed, was removed or is
 * stored again. Keys, fingerprints and accounts of the pull are kept in large strings with
 * typed-array offsets (StringList, StringTable), and every key is found through an
 * open-addressing hash index. A Map of a million strings costs several times the memory, and
 * every garbage collection walks all of its entries.
 */
import type { Grant, GrantChange } from '../domain/index.js';
import { grantDetailText, grantFingerprint, grantId } from '../domain/index.js';
import type { GrantRows } from '../store/grant-rows.js';
import {
  GRANT_ROW_FIELDS,
  grantRowsOf,
  ROW_ACCOUNT,
  ROW_ACCOUNT_STATUS,
  ROW_ACCOUNT_TYPE,
  ROW_DETAIL,
  ROW_DISPLAY_NAME,
  ROW_FIRST_SEEN,
  ROW_IDENTITY_ID,
  ROW_IDENTITY_REF,
  ROW_LAST_ACTIVITY,
  ROW_ROLE,
  ROW_SCOPE,
} from '../store/grant-rows.js';

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

const W = GRANT_ROW_FIELDS;
/** grantFingerprint's separator, and grantId's. */
const SEP = '\u001f';
const SEP_CODE = 0x1f;

export class GrantDiff {
  /**
   * The previous grants, slot by slot in load order: the texts of their rows (GrantRows.texts,
   * kept as they came), and per slot its text, where its row starts there and its W field
   * lengths (-1 for null).
   */
  private readonly texts: string[] = [];
  private rowText = new Int32Array(1024);
  private rowStart = new Int32Array(1024);
  private fieldLengths = new Int32Array(1024 * W);
  private prevCount = 0;
  /** Where the fields of slot `locatedSlot` start (W + 1 entries, the last one where its row ends): see locate(). */
  private readonly starts = new Int32Array(W + 1);
  private locatedSlot = -1;
  /** The keys (see keyOf) of the grants the pull added, slot prevCount + i at i. */
  private readonly newKeys = new StringList();
  /**
   * The index of every key: slot + 1 per bucket (0: empty), open addressing with linear
   * probing, at most half full; each slot's key hash (hashKey) in `hashes`.
   */
  private hashes = new Int32Array(1024);
  private buckets = new Int32Array(2048);
  /** The empty bucket where find() stopped: where a key it did not find goes. */
  private freeBucket = 0;
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
  /** The account last counted: an export lists an account's grants together. */
  private lastAccount: string | null = null;

  /** Loads a batch of the current state's grants (unique within a snapshot; a repeat is ignored). */
  addPrevious(grants: readonly Grant[]): void {
    this.addPreviousRows(grantRowsOf(grants));
  }

  /** addPrevious() for a batch as the store reads it: its texts are kept, not copied. */
  addPreviousRows(rows: GrantRows): void {
    if (this.newKeys.size > 0) throw new Error('GrantDiff: the previous state is loaded before the pull is classified');
    const { lengths, rowsPerText } = rows;
    let textIndex = -1;
    let at = 0;
    for (let r = 0; r < rows.count; r++) {
      if (r % rowsPerText === 0) {
        textIndex = this.texts.push(rows.texts[r / rowsPerText]!) - 1;
        at = 0;
      }
      const slot = this.prevCount;
      this.reservePrevious(slot + 1);
      this.rowText[slot] = textIndex;
      this.rowStart[slot] = at;
      for (let f = 0, i = r * W; f < W; f++, i++) {
        const n = lengths[i]!;
        this.fieldLengths[slot * W + f] = n;
        if (n > 0) at += n;
      }
      const h = this.hashOfSlot(slot);
      if (this.findSlot(h, slot) >= 0) continue;
      this.place(h, slot);
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
    const h = hashKey(r.accountId, r.role, r.scope);
    const slot = this.find(h, r.accountId, r.role, r.scope);
    if (slot < 0) {
      const added = this.prevCount + this.newKeys.push(keyOf(r));
      this.reserve(added + 1);
      this.place(h, added);
      const fingerprint = fingerprintOf(r, identityId);
      this.markPulled(added);
      this.keepFingerprint(added, fingerprint);
      this.countAccount(r.accountId);
      return { result: 'added', before: null, after: fingerprint, firstSeenAt: now };
    }
    if (this.pulled[slot] === 1) {
      const first = slot < this.fingerprintOf.length ? this.fingerprintOf[slot]! - 1 : -1;
      return (first < 0 ? this.samePrevious(slot, r, identityId) : this.fingerprints.equals(first, fingerprintOf(r, identityId))) ? DUPLICATE : CONFLICT;
    }
    this.markPulled(slot);
    this.countAccount(r.accountId);
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
      const accountId = this.field(slot, ROW_ACCOUNT) ?? '';
      const role = this.field(slot, ROW_ROLE) ?? '';
      const scope = this.field(slot, ROW_SCOPE) ?? '';
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
    this.locate(slot);
    return (
      this.textIs(slot, ROW_ACCOUNT_STATUS, g.accountStatus) &&
      this.textIs(slot, ROW_ACCOUNT_TYPE, g.accountType) &&
      this.textIs(slot, ROW_IDENTITY_ID, identityId ?? '') &&
      this.textIs(slot, ROW_DISPLAY_NAME, g.accountDisplayName ?? '') &&
      this.textIs(slot, ROW_DETAIL, grantDetailText(g.detail) ?? '')
    );
  }

  /** Whether the stored fields outside the fingerprint are the previous grant's (null is not ''). */
  private sameStored(slot: number, g: PulledFields, identityRef: string | null): boolean {
    this.locate(slot);
    return this.valueIs(slot, ROW_IDENTITY_REF, identityRef) && this.valueIs(slot, ROW_LAST_ACTIVITY, g.lastActivityAt);
  }

  /** grantFingerprint() of a previous grant (its stored detail is the canonical JSON grantFingerprint appends). */
  private previousFingerprint(slot: number): string {
    const base = [this.field(slot, ROW_IDENTITY_ID) ?? '', this.field(slot, ROW_ACCOUNT_STATUS), this.field(slot, ROW_ACCOUNT_TYPE), this.field(slot, ROW_DISPLAY_NAME) ?? ''].join(SEP);
    const detail = this.field(slot, ROW_DETAIL);
    return detail === null || detail === '' ? base : base + SEP + detail;
  }

  /** The first-seen time a previous grant pulled again keeps: its own, or `now` when it had none. */
  private firstSeenAtOf(slot: number, now: string): string {
    const firstSeenAt = this.field(slot, ROW_FIRST_SEEN);
    return firstSeenAt === null || firstSeenAt === '' ? now : firstSeenAt;
  }

  /** Fills `starts` for a previous slot. */
  private locate(slot: number): void {
    if (slot === this.locatedSlot) return;
    let at = this.rowStart[slot]!;
    for (let f = 0, i = slot * W; f < W; f++, i++) {
      this.starts[f] = at;
      const n = this.fieldLengths[i]!;
      if (n > 0) at += n;
    }
    this.starts[W] = at;
    this.locatedSlot = slot;
  }

  /** Field f of a previous slot, sliced out of its text (null for null). */
  private field(slot: number, f: number): string | null {
    const n = this.fieldLengths[slot * W + f]!;
    if (n < 0) return null;
    this.locate(slot);
    const start = this.starts[f]!;
    return this.texts[this.rowText[slot]!]!.slice(start, start + n);
  }

  /** Whether field f of the located slot is `s`, a null field reading as ''. */
  private textIs(slot: number, f: number, s: string): boolean {
    const n = this.fieldLengths[slot * W + f]!;
    if (n <= 0) return s.length === 0;
    return n === s.length && this.texts[this.rowText[slot]!]!.startsWith(s, this.starts[f]!);
  }

  /** Whether field f of the located slot is `s`, null only when `s` is. */
  private valueIs(slot: number, f: number, s: string | null): boolean {
    const n = this.fieldLengths[slot * W + f]!;
    if (n < 0 || s === null) return n < 0 && s === null;
    return this.textIs(slot, f, s);
  }

  /** hashKey() of a previous slot's key, over its text (no string built). */
  private hashOfSlot(slot: number): number {
    this.locatedSlot = -1;
    this.locate(slot);
    const text = this.texts[this.rowText[slot]!]!;
    let h = hashRange(FNV_OFFSET, text, this.starts[ROW_ACCOUNT]!, this.starts[ROW_ROLE]!);
    h = Math.imul(h ^ SEP_CODE, FNV_PRIME);
    h = hashRange(h, text, this.starts[ROW_ROLE]!, this.starts[ROW_SCOPE]!);
    h = Math.imul(h ^ SEP_CODE, FNV_PRIME);
    return hashRange(h, text, this.starts[ROW_SCOPE]!, this.starts[ROW_SCOPE + 1]!);
  }

  /** A slot's key (keyOf), as a string. */
  private keyOfSlot(slot: number): string {
    return slot < this.prevCount ? this.previousKey(slot) : this.newKeys.get(slot - this.prevCount);
  }

  /** The key of a previous slot (or of the one being loaded). */
  private previousKey(slot: number): string {
    return (this.field(slot, ROW_ACCOUNT) ?? '') + SEP + (this.field(slot, ROW_ROLE) ?? '') + SEP + (this.field(slot, ROW_SCOPE) ?? '');
  }

  /** Whether a slot's key is keyOf(account, role, scope): field by field when their lengths match, else as joined texts. */
  private keyIs(slot: number, account: string, role: string, scope: string): boolean {
    if (slot < this.prevCount) {
      this.locate(slot);
      const la = this.starts[ROW_ROLE]! - this.starts[ROW_ACCOUNT]!;
      const lr = this.starts[ROW_SCOPE]! - this.starts[ROW_ROLE]!;
      const ls = this.starts[ROW_SCOPE + 1]! - this.starts[ROW_SCOPE]!;
      if (la === account.length && lr === role.length && ls === scope.length) {
        const text = this.texts[this.rowText[slot]!]!;
        return text.startsWith(account, this.starts[ROW_ACCOUNT]!) && text.startsWith(role, this.starts[ROW_ROLE]!) && text.startsWith(scope, this.starts[ROW_SCOPE]!);
      }
      // Joined keys of other field lengths are equal only when a field holds the separator.
      if (la + lr + ls !== account.length + role.length + scope.length) return false;
    }
    return this.keyOfSlot(slot) === account + SEP + role + SEP + scope;
  }

  /** The slot holding key (account, role, scope) of hash h, or -1 (then freeBucket is where it goes). */
  private find(h: number, account: string, role: string, scope: string): number {
    const mask = this.buckets.length - 1;
    let b = h & mask;
    for (let e = this.buckets[b]!; e !== 0; e = this.buckets[b]!) {
      if (this.hashes[e - 1] === h && this.keyIs(e - 1, account, role, scope)) return e - 1;
      b = (b + 1) & mask;
    }
    this.freeBucket = b;
    return -1;
  }

  /** find() for the key of a previous slot being loaded (`probe`, not yet placed). */
  private findSlot(h: number, probe: number): number {
    const mask = this.buckets.length - 1;
    let b = h & mask;
    for (let e = this.buckets[b]!; e !== 0; e = this.buckets[b]!) {
      // Equal hashes are rare (a repeat, or a collision): the keys are then compared as strings.
      if (this.hashes[e - 1] === h && this.previousKey(e - 1) === this.previousKey(probe)) return e - 1;
      b = (b + 1) & mask;
    }
    this.freeBucket = b;
    return -1;
  }

  /** Puts `slot` (hash h) in the bucket find() stopped at, then grows the index when half full. */
  private place(h: number, slot: number): void {
    this.hashes[slot] = h;
    this.buckets[this.freeBucket] = slot + 1;
    if (2 * (slot + 1) > this.buckets.length) {
      const buckets = new Int32Array(2 * this.buckets.length);
      const mask = buckets.length - 1;
      for (let s = 0; s <= slot; s++) {
        let b = this.hashes[s]! & mask;
        while (buckets[b] !== 0) b = (b + 1) & mask;
        buckets[b] = s + 1;
      }
      this.buckets = buckets;
    }
  }

  /** Room for `slots` keys in the index. */
  private reserve(slots: number): void {
    if (slots > this.hashes.length) this.hashes = grown(this.hashes, slots);
  }

  /** Room for `slots` previous grants. */
  private reservePrevious(slots: number): void {
    this.reserve(slots);
    if (slots <= this.rowText.length) return;
    this.rowText = grown(this.rowText, slots);
    this.rowStart = grown(this.rowStart, slots);
    this.fieldLengths = grown(this.fieldLengths, slots * W);
  }

  private countAccount(accountId: string): void {
    if (accountId === this.lastAccount) return;
    this.accounts.insert(accountId);
    this.lastAccount = accountId;
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

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** hashOf(keyOf(...)) without the joined string. */
function hashKey(account: string, role: string, scope: string): number {
  let h = hashRange(FNV_OFFSET, account, 0, account.length);
  h = Math.imul(h ^ SEP_CODE, FNV_PRIME);
  h = hashRange(h, role, 0, role.length);
  h = Math.imul(h ^ SEP_CODE, FNV_PRIME);
  return hashRange(h, scope, 0, scope.length);
}

/** FNV-1a over text[from, to), continuing from h. */
function hashRange(h: number, text: string, from: number, to: number): number {
  for (let i = from; i < to; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return h;
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
  return hashRange(FNV_OFFSET, s, 0, s.length);
}

function grown<T extends Int32Array | Uint8Array>(a: T, atLeast: number): T {
  let size = a.length * 2;
  while (size < atLeast) size *= 2;
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}
