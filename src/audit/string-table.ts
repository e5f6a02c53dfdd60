/**
 * Strings kept off the JS heap, each stored once and named by a number (0, 1, 2... in the
 * order they were added): the reconciliation's memory for a million item ids and the values
 * their events carry. A JS string in a Map costs ~100 bytes and is traced by every garbage
 * collection; here a string costs its characters (one byte each when all are below U+0100,
 * else two) and ~24 bytes of bookkeeping, in buffers the collector does not trace.
 *
 * Layout: the characters in pages of 1 MiB (a longer string gets a page of its own; nothing is
 * ever copied as the table grows), each entry's page, offset, length, width and hash in a
 * RecordColumns, and an open-addressing hash index (linear probing, at most half full) of
 * entry numbers. Hashing reads the string's char codes in JS (no encoding call per lookup);
 * a candidate with the same hash and length is compared with the stored chars in place (one-byte
 * entries; two-byte ones are read back as a string). The hash is FNV-1a over the char codes with a random offset basis per table, so
 * the keys of one run cannot be chosen in advance to collide.
 */
import { randomInt } from 'node:crypto';
import { RecordColumns } from './record-columns.js';

const PAGE_BYTES = 1 << 20;
// An entry's fields (codes of its record).
const PAGE = 0;
const OFFSET = 1;
const LENGTH = 2;
/** 1: one byte per char (all below U+0100), 2: UTF-16 code units. */
const WIDTH = 3;
const HASH = 4;
const FIELDS = 5;

export class StringTable {
  private readonly pages: Buffer[] = [];
  /** Free bytes of the last page start here. */
  private used = PAGE_BYTES;
  private readonly entries = new RecordColumns(0, FIELDS);
  /** Entry number + 1 per slot, 0 for an empty slot. */
  private slots = new Uint32Array(1024);
  /** The hash's offset basis is this seed's (random unless a test gives one, to make collisions on purpose). */
  constructor(private readonly seed = randomInt(2 ** 32) >>> 0) {}

  // What the last indexOf() computed: intern() adds the string there when it was absent.
  private lastHash = 0;
  private lastWidth = 1;
  private freeSlot = 0;

  get size(): number {
    return this.entries.size;
  }

  /** The number of `s`: an existing entry's, or a new one. */
  intern(s: string): number {
    const found = this.indexOf(s);
    return found >= 0 ? found : this.add(s);
  }

  /** The number of `s`, or -1 when the table does not hold it. */
  indexOf(s: string): number {
    const hash = this.hashOf(s);
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot]! - 1;
      if (entry < 0) {
        this.freeSlot = slot;
        return -1;
      }
      if (this.entries.code(entry, HASH) === hash && this.equals(entry, s)) return entry;
    }
  }

  /** A value as a RecordColumns code: 0 for undefined (no event said), 1 for null, else its number + 2. */
  codeOf(value: string | null | undefined): number {
    return value === undefined ? 0 : value === null ? 1 : this.intern(value) + 2;
  }

  /** The value of a code from codeOf(). */
  valueOf(code: number): string | null | undefined {
    return code === 0 ? undefined : code === 1 ? null : this.get(code - 2);
  }

  /**
   * Whether `value` is the value of `code` (reads only: a string the table lacks is not added).
   * Each string is stored once, so this is the entry's own string compared with `value`: no hash, no probe.
   */
  holds(code: number, value: unknown): boolean {
    if (code === 0) return value === undefined;
    if (code === 1) return value === null;
    return typeof value === 'string' && code - 2 < this.entries.size && this.equals(code - 2, value);
  }

  /**
   * Whether entry `n` is `s` (so indexOf(s) is n: each string is stored once), without hashing
   * `s`: for a caller that can guess the entry, e.g. rows read in the order their ids were added.
   */
  is(n: number, s: string): boolean {
    return n >= 0 && n < this.entries.size && this.equals(n, s);
  }

  /** Whether entry `n` is `s`, compared where it is stored (no string made for a one-byte entry). */
  private equals(n: number, s: string): boolean {
    if (this.entries.code(n, LENGTH) !== s.length) return false;
    if (this.entries.code(n, WIDTH) !== 1) return this.get(n) === s;
    const page = this.pages[this.entries.code(n, PAGE)]!;
    const offset = this.entries.code(n, OFFSET);
    for (let i = 0; i < s.length; i++) if (page[offset + i] !== s.charCodeAt(i)) return false;
    return true;
  }

  /** The string of entry `n`. */
  get(n: number): string {
    if (n < 0 || n >= this.entries.size) throw new RangeError(`no string ${n} in a table of ${this.entries.size}`);
    const offset = this.entries.code(n, OFFSET);
    const width = this.entries.code(n, WIDTH);
    return this.pages[this.entries.code(n, PAGE)]!.toString(width === 1 ? 'latin1' : 'utf16le', offset, offset + this.entries.code(n, LENGTH) * width);
  }

  /** The hash of `s`; notes whether its chars fit one byte each. */
  private hashOf(s: string): number {
    let h = this.seed ^ 0x811c9dc5;
    let wide = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      wide |= c;
      h = Math.imul(h ^ c, 0x01000193);
    }
    this.lastWidth = wide > 0xff ? 2 : 1;
    this.lastHash = h >>> 0;
    return this.lastHash;
  }

  /** Adds `s`, which the indexOf() just before found absent (its hash, width and free slot). */
  private add(s: string): number {
    const width = this.lastWidth;
    const bytes = s.length * width;
    if (bytes > PAGE_BYTES - this.used) {
      this.pages.push(Buffer.allocUnsafe(Math.max(PAGE_BYTES, bytes)));
      this.used = 0;
    }
    const page = this.pages.length - 1;
    const offset = this.used;
    if (width === 1) {
      const into = this.pages[page]!;
      for (let i = 0; i < s.length; i++) into[offset + i] = s.charCodeAt(i);
    } else {
      this.pages[page]!.write(s, offset, bytes, 'utf16le');
    }
    this.used += bytes;
    const n = this.entries.add();
    this.entries.setCode(n, PAGE, page);
    this.entries.setCode(n, OFFSET, offset);
    this.entries.setCode(n, LENGTH, s.length);
    this.entries.setCode(n, WIDTH, width);
    this.entries.setCode(n, HASH, this.lastHash);
    this.slots[this.freeSlot] = n + 1;
    if (this.entries.size * 2 > this.slots.length) this.grow();
    return n;
  }

  private grow(): void {
    const slots = new Uint32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let n = 0; n < this.entries.size; n++) {
      let slot = this.entries.code(n, HASH) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = n + 1;
    }
    this.slots = slots;
  }
}
