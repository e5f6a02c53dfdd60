/**
 * The `_id` of a document keyed by several values (snapshot + grant, key + time): their JSON
 * array. Injective whatever the parts contain (no separator can collide), and derived, so
 * writing the same thing twice addresses the same document.
 */
export function compositeId(...parts: readonly string[]): string {
  return JSON.stringify(parts);
}
