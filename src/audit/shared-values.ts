/**
 * Codes for values that repeat across many records (reviewers, systems, roles, event types,
 * states): each distinct value once, in a Map, where a lookup is a hash the string already
 * carries. The codes are StringTable's (0: undefined, 1: null, else the value's number + 2), so
 * a record field can hold either; values unique to a record (ids, accounts) belong in a
 * StringTable, off the JS heap.
 */
export class SharedValues {
  private readonly numbers = new Map<string, number>();
  private readonly list: string[] = [];

  codeOf(value: string | null | undefined): number {
    if (value === undefined) return 0;
    if (value === null) return 1;
    let n = this.numbers.get(value);
    if (n === undefined) {
      n = this.list.push(value) - 1;
      this.numbers.set(value, n);
    }
    return n + 2;
  }

  valueOf(code: number): string | null | undefined {
    return code === 0 ? undefined : code === 1 ? null : this.list[code - 2];
  }

  /** Whether `value` is the value of `code`. */
  holds(code: number, value: unknown): boolean {
    return this.valueOf(code) === value;
  }
}
