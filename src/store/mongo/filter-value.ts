/**
 * Guards for values that reach a query filter. Every value a caller passes is checked to be
 * a string (or an integer) here, so an object such as `{ "$ne": null }` is refused instead of
 * becoming a query operator; the connection's `sanitizeFilter` is the second guard. The
 * operators the adapter writes itself are marked with `operator()`, which exempts exactly
 * them from sanitizeFilter.
 */
import mongoose from 'mongoose';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** The value itself when it is a string; throws otherwise. */
export function asString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new TypeError(`${what} must be a string, got ${describe(value)}`);
  return value;
}

/** Every element checked with asString. */
export function asStrings(values: readonly unknown[], what: string): string[] {
  if (!Array.isArray(values)) throw new TypeError(`${what} must be an array of strings, got ${describe(values)}`);
  return values.map((value, n) => asString(value, `${what}[${n}]`));
}

/** A whole number at least `min` (a seq, a limit, a page size). */
export function asInteger(value: unknown, what: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${what} must be an integer >= ${min}, got ${typeof value === 'number' ? value : describe(value)}`);
  }
  return value;
}

/** Marks a query operator object the adapter built itself, so sanitizeFilter leaves it intact. */
export function operator<const T extends Record<`$${string}`, unknown>>(expression: T): T {
  return mongoose.trusted(expression);
}
