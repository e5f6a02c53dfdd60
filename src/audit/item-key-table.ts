/**
 * Small per-item records keyed by a 64-bit hash of the item id (two 32-bit string hashes), in
 * an open-addressing table of typed arrays (16 bytes a slot), off the JS heap, and no id kept.
 * Sized once from the expected count of items (at most 75% full: ~21 bytes an item), so that
 * the table never doubles while the ledger is read (a doubling holds both tables: at 1M items
 * 2^20 + 2^21 slots of 20 bytes, 63 MB, against 21 MB sized once); more items than expected
 * still grow it.
 * Two ids with the same key share a record: the caller (ItemDigestLedger) sees that as an item
 * assigned twice and leaves the items to the exact reconciliation.
 *
 * Per record: state (STATE_*) and reassigned flag in one byte, stage, awaiting (the stage a
 * decision passed the item on from, 0: none), and two value codes: reviewer (32 bits) and
 * reviewer source (8 bits: the caller keeps its codes below 256).
 */
export const STATE_NONE = 0;
export const STATE_PENDING = 1;
export const STATE_APPROVED = 2;
export const STATE_REVOKED = 3;
export const STATE_EXPIRED = 4;

/** The fullest the table gets (records / slots) before it grows. */
const MAX_LOAD = 0.75;
/** The reassigned flag, in a record's `used` byte. */
const REASSIGNED = 0x80;
const MIN_CAPACITY = 1 << 12;

export class ItemKeyTable {
  private capacity: number;
  private h1: Uint32Array;
  private h2: Uint32Array;
  /** 0: empty slot; else 1 + STATE_*, with the REASSIGNED bit. */
  private used: Uint8Array;
  stage: Uint8Array;
  awaiting: Uint8Array;
  reviewer: Uint32Array;
  source: Uint8Array;
  size = 0;
  /** The last key hashed by find/insert (keyOf). */
  k1 = 0;
  k2 = 0;

  /** `expected`: how many records the table will hold (a hint: more still fit, by growing). */
  constructor(expected = 0) {
    const capacity = Math.max(MIN_CAPACITY, Math.ceil(expected / MAX_LOAD) + 1);
    this.capacity = capacity;
    this.h1 = new Uint32Array(capacity);
    this.h2 = new Uint32Array(capacity);
    this.used = new Uint8Array(capacity);
    this.stage = new Uint8Array(capacity);
    this.awaiting = new Uint8Array(capacity);
    this.reviewer = new Uint32Array(capacity);
    this.source = new Uint8Array(capacity);
  }

  /** Sets k1, k2 to the id's key. */
  keyOf(id: string): void {
    // FNV-1a and a multiply-xorshift hash, both over the UTF-16 code units.
    let a = 0x811c9dc5;
    let b = 0x9e3779b9;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x85ebca6b);
      b ^= b >>> 13;
    }
    b = Math.imul(b ^ (b >>> 16), 0xc2b2ae35);
    this.k1 = a >>> 0;
    this.k2 = (b ^ (b >>> 16)) >>> 0;
  }

  /** The slot of the id's record, or -1 (k1, k2 set to its key). */
  find(id: string): number {
    this.keyOf(id);
    return this.slotOf(this.k1, this.k2, false);
  }

  /** A new record for the key of the last find() (which returned -1): its slot. */
  insert(): number {
    if (this.size + 1 > this.capacity * MAX_LOAD) this.grow();
    const s = this.slotOf(this.k1, this.k2, true);
    this.h1[s] = this.k1;
    this.h2[s] = this.k2;
    this.used[s] = 1;
    this.size++;
    return s;
  }

  /** Slots allocated (records fit up to 75% of them before the table grows). */
  get slots(): number {
    return this.capacity;
  }

  state(s: number): number {
    return (this.used[s]! & ~REASSIGNED) - 1;
  }

  setState(s: number, state: number): void {
    this.used[s] = (this.used[s]! & REASSIGNED) | (state + 1);
  }

  reassigned(s: number): boolean {
    return (this.used[s]! & REASSIGNED) !== 0;
  }

  setReassigned(s: number, reassigned: boolean): void {
    this.used[s] = reassigned ? this.used[s]! | REASSIGNED : this.used[s]! & ~REASSIGNED;
  }

  /** Calls `f` with each record's slot and key. */
  forEach(f: (s: number, k1: number, k2: number) => void): void {
    for (let s = 0; s < this.capacity; s++) if (this.used[s] !== 0) f(s, this.h1[s]!, this.h2[s]!);
  }

  private slotOf(k1: number, k2: number, empty: boolean): number {
    const capacity = this.capacity;
    // The mixed key scaled to [0, capacity) (any capacity, not only powers of two), then linear probing.
    for (let s = Math.floor(((k1 ^ Math.imul(k2, 0x27d4eb2d)) >>> 0) * (capacity / 4294967296)); ; s = s + 1 === capacity ? 0 : s + 1) {
      if (this.used[s] === 0) return empty ? s : -1;
      if (!empty && this.h1[s] === k1 && this.h2[s] === k2) return s;
    }
  }

  private grow(): void {
    const old = { h1: this.h1, h2: this.h2, used: this.used, stage: this.stage, awaiting: this.awaiting, reviewer: this.reviewer, source: this.source };
    const n = old.used.length;
    this.capacity *= 2;
    this.h1 = new Uint32Array(this.capacity);
    this.h2 = new Uint32Array(this.capacity);
    this.used = new Uint8Array(this.capacity);
    this.stage = new Uint8Array(this.capacity);
    this.awaiting = new Uint8Array(this.capacity);
    this.reviewer = new Uint32Array(this.capacity);
    this.source = new Uint8Array(this.capacity);
    for (let o = 0; o < n; o++) {
      if (old.used[o] === 0) continue;
      const s = this.slotOf(old.h1[o]!, old.h2[o]!, true);
      this.h1[s] = old.h1[o]!;
      this.h2[s] = old.h2[o]!;
      this.used[s] = old.used[o]!;
      this.stage[s] = old.stage[o]!;
      this.awaiting[s] = old.awaiting[o]!;
      this.reviewer[s] = old.reviewer[o]!;
      this.source[s] = old.source[o]!;
    }
  }
}
