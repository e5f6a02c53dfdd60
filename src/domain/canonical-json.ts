/**
 * Canonical JSON: RFC 8785 (JCS) exactly for JSON data (I-JSON values): object keys sorted by
 * UTF-16 code units, no whitespace, numbers as ECMAScript's Number.prototype.toString writes
 * them (-0 as 0), strings as JSON.stringify escapes them, non-finite numbers rejected
 * (test/domain/canonical-json.test.ts runs the RFC's test vectors). Beyond JCS, for values that
 * are not I-JSON: a lone surrogate is escaped as \udXXX, `undefined` members are dropped (as
 * array elements: null), a Date is its ISO string (docs/evidence.md). Two equal values always
 * serialise to the same bytes, which the ledger hashes.
 * Written as one recursive pass with string concatenation: the ledger serialises every event.
 */
const MAX_DEPTH = 200;

/** Strings JSON.stringify copies as they are: no quote, backslash, control character or surrogate. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON must escape
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/**
 * JSON.stringify of a string, without its escaping pass for the plain strings events carry
 * (ids, emails, timestamps): a regex test is about twice as fast. Anything else goes to
 * JSON.stringify, so the output is always identical to it.
 */
export function quoteJsonString(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : JSON.stringify(s);
}

/**
 * Quoted object keys: events reuse a few dozen key names, and a lookup is cheaper than
 * JSON.stringify per key. Bounded, so odd data cannot grow it without limit.
 */
const quotedKeys = new Map<string, string>();
const QUOTED_KEYS_MAX = 4096;

function quoteKey(k: string): string {
  let q = quotedKeys.get(k);
  if (q === undefined) {
    q = quoteJsonString(k);
    if (quotedKeys.size < QUOTED_KEYS_MAX) quotedKeys.set(k, q);
  }
  return q;
}

/** Sorts by UTF-16 code units like Array.prototype.sort(), in place; insertion sort wins for the few keys events have. */
function sortKeys(keys: string[]): void {
  if (keys.length > 16) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
}

export function canonicalJson(value: unknown): string {
  return serialize(value, 0);
}

/** Set by serialize when JSON.parse of its output would not give the value back as it is. */
let reshaped = false;

/**
 * canonicalJson, and whether the value is plain JSON data: JSON.parse of the output deep-equals
 * the value itself (no Date, undefined member or element, -0, or instance of a class). A plain
 * value can stand for its parsed output, which saves a parse per ledger event.
 */
export function canonicalJsonOf(value: unknown): { json: string; plain: boolean } {
  reshaped = false;
  const json = serialize(value, 0);
  return { json, plain: !reshaped };
}

function serialize(value: unknown, depth: number): string {
  switch (typeof value) {
    case 'string':
      return quoteJsonString(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number ${value}`);
      if (value === 0 && 1 / value < 0) reshaped = true; // -0 is written as 0
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    case 'bigint':
      throw new TypeError('canonicalJson: bigint is not JSON');
    default:
      throw new TypeError(`canonicalJson: cannot serialise a ${typeof value}`);
  }
  if (value === null) return 'null';
  // A structure this deep is a cycle (or an attack); real events are a few levels deep.
  if (depth > MAX_DEPTH) throw new TypeError('canonicalJson: circular or too deeply nested structure');
  if (value instanceof Date) {
    reshaped = true;
    return JSON.stringify(value.toISOString());
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const v: unknown = value[i];
      if (v === undefined) reshaped = true;
      out += v === undefined ? 'null' : serialize(v, depth + 1);
    }
    return out + ']';
  }
  const rec = value as Record<string, unknown>;
  const proto: unknown = Object.getPrototypeOf(rec);
  if (proto !== Object.prototype && proto !== null) reshaped = true;
  const keys = Object.keys(rec);
  sortKeys(keys);
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = rec[k];
    if (v === undefined) {
      reshaped = true;
      continue;
    }
    out += (first ? '' : ',') + quoteKey(k) + ':' + serialize(v, depth + 1);
    first = false;
  }
  return out + '}';
}
