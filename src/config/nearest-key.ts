/**
 * "Did you mean ...?" for an unknown config key: the known key closest to it by edit
 * distance, when close enough to be a likely typo (`maxHolder` -> `maxHolders`,
 * `alowedFor` -> `allowedFor`, `jobtitle` -> `jobTitle`), or one it is the start of
 * (`sla` -> `slaHours`). Null when nothing is close: a wrong guess is worse than none.
 */
export function nearestKey(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  const k = key.toLowerCase();
  for (const candidate of known) {
    if (candidate === key) continue;
    const c = candidate.toLowerCase();
    // A case slip counts less than any other edit; a prefix of 3+ characters is as good as one edit.
    const d = c === k ? 0.5 : k.length >= 3 && c.startsWith(k) ? 1 : levenshtein(k, c);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= maxDistance(key) ? best : null;
}

/** Edits allowed for a key of this length: 1 up to 5 characters, 2 up to 9, 3 from 10. */
function maxDistance(key: string): number {
  return Math.min(3, 1 + Math.floor(Math.max(0, key.length - 2) / 4));
}

/** Levenshtein distance (insertions, deletions, substitutions), two rows of memory. */
export function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** The message for an unknown key: `unknown key "maxHolder": did you mean "maxHolders"?` when one is close. */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const near = nearestKey(key, known);
  return near === null ? `unknown key "${key}"` : `unknown key "${key}": did you mean "${near}"?`;
}
