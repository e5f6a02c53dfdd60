/**
 * The payload key of a one-time mark (DeliveryExpected.unmarked), checked before an adapter
 * puts it in a JSON path (SQLite) or a field path (MongoDB): a plain identifier, so a key can
 * never reach into another field or read as an operator.
 */
export function markKey(key: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`delivery payload mark must be a plain identifier, not ${JSON.stringify(key)}`);
  return key;
}
