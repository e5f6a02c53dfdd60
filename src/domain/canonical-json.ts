/**
 * Canonical JSON (RFC 8785 style for the values this project stores): object keys sorted
 * by UTF-16 code units, no whitespace, `undefined` members dropped, non-finite numbers
 * rejected. Two equal values always serialise to the same bytes, which the ledger hashes.
 * Written as one recursive pass with string concatenation: the ledger serialises every event.
 */
const MAX_DEPTH = 200;

export function canonicalJson(value: unknown): string {
  return serialize(value, 0);
}

function serialize(value: unknown, depth: number): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number ${value}`);
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
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const v: unknown = value[i];
      out += v === undefined ? 'null' : serialize(v, depth + 1);
    }
    return out + ']';
  }
  const rec = value as Record<string, unknown>;
  const keys = Object.keys(rec);
  if (keys.length > 1) keys.sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = rec[k];
    if (v === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(k) + ':' + serialize(v, depth + 1);
    first = false;
  }
  return out + '}';
}
