/**
 * Canonical JSON (RFC 8785 style for the values this project stores): object keys sorted
 * by UTF-16 code units, no whitespace, `undefined` members dropped, non-finite numbers
 * rejected. Two equal values always serialise to the same bytes, which the ledger hashes.
 */
export function canonicalJson(value: unknown): string {
  return serialize(value, new Set());
}

function serialize(value: unknown, seen: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number ${value}`);
      return JSON.stringify(value);
    case 'bigint':
      throw new TypeError('canonicalJson: bigint is not JSON');
    case 'object':
      break;
    default:
      throw new TypeError(`canonicalJson: cannot serialise a ${typeof value}`);
  }
  const obj = value as object;
  if (seen.has(obj)) throw new TypeError('canonicalJson: circular structure');
  if (obj instanceof Date) return JSON.stringify(obj.toISOString());
  seen.add(obj);
  let out: string;
  if (Array.isArray(obj)) {
    out = '[' + obj.map((v) => (v === undefined ? 'null' : serialize(v, seen))).join(',') + ']';
  } else {
    const rec = obj as Record<string, unknown>;
    const keys = Object.keys(rec).filter((k) => rec[k] !== undefined).sort();
    out = '{' + keys.map((k) => JSON.stringify(k) + ':' + serialize(rec[k], seen)).join(',') + '}';
  }
  seen.delete(obj);
  return out;
}
