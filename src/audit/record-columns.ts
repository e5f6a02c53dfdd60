/**
 * Fixed-size numeric records (one per tracked item, remediation or string), numbered 0, 1, 2...
 * in the order they were added, kept off the JS heap: each record has `seqs` float64 fields
 * (ledger seqs: exact up to 2^53) and `codes` uint32 fields (states, flags, StringTable
 * numbers), all 0 when added. Stored in chunks of 65,536 records, so growing never copies
 * what is there and never holds two copies at once.
 */
const SHIFT = 16;
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;

export class RecordColumns {
  private readonly seqChunks: Float64Array[] = [];
  private readonly codeChunks: Uint32Array[] = [];
  size = 0;

  constructor(
    private readonly seqs: number,
    private readonly codes: number,
  ) {}

  /** A new record, every field 0: its number. */
  add(): number {
    const n = this.size++;
    if ((n & MASK) === 0) {
      if (this.seqs > 0) this.seqChunks.push(new Float64Array(CHUNK * this.seqs));
      if (this.codes > 0) this.codeChunks.push(new Uint32Array(CHUNK * this.codes));
    }
    return n;
  }

  seq(n: number, field: number): number {
    return this.seqChunks[n >>> SHIFT]![(n & MASK) * this.seqs + field]!;
  }

  setSeq(n: number, field: number, value: number): void {
    this.seqChunks[n >>> SHIFT]![(n & MASK) * this.seqs + field] = value;
  }

  code(n: number, field: number): number {
    return this.codeChunks[n >>> SHIFT]![(n & MASK) * this.codes + field]!;
  }

  setCode(n: number, field: number, value: number): void {
    this.codeChunks[n >>> SHIFT]![(n & MASK) * this.codes + field] = value;
  }
}
