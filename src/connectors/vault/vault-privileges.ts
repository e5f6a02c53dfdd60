/**
 * Which capabilities of a Vault policy count as privileged, and how they read to a reviewer
 * ("can sign with transit key hot-wallet-eth"). Pure: policy rules in, sentences out.
 *
 * A privileged rule names a path pattern (Vault's own glob syntax: `+` is one path segment, a
 * trailing `*` any suffix) and the capabilities that make it privileged. A policy stanza is
 * privileged under a rule when its path and the rule's path can name the same request path and
 * it grants one of those capabilities. The result is per policy and conservative: a `deny`
 * stanza elsewhere (or in another policy) is not subtracted.
 */
import type { PolicyPathRule } from './vault-policy.js';

export interface PrivilegedRule {
  path: string;
  capabilities: string[];
  /** `{path}` is the policy's path, `{rest}` what follows the rule path's literal prefix. */
  label: string;
}

const WRITE = ['create', 'update', 'patch', 'delete'];

/** The defaults (docs/connectors.md lists them): key use and management, sys/, identity/, sudo. */
export const DEFAULT_PRIVILEGED_RULES: readonly PrivilegedRule[] = [
  { path: 'transit/sign/*', capabilities: ['create', 'update'], label: 'can sign with transit key {rest}' },
  { path: 'transit/keys/*', capabilities: WRITE, label: 'can change or delete transit key {rest}' },
  { path: 'transit/export/*', capabilities: ['read'], label: 'can export transit key {rest}' },
  { path: 'transit/backup/*', capabilities: ['read'], label: 'can back up transit key {rest}' },
  { path: 'sys/*', capabilities: [...WRITE, 'sudo'], label: 'can administer {path}' },
  { path: 'identity/*', capabilities: WRITE, label: 'can change identities at {path}' },
  { path: '*', capabilities: ['sudo'], label: 'sudo on {path}' },
];

/** The rule for writes to a kv path named in the connector settings (`secretPaths`). */
export function secretWriteRule(path: string): PrivilegedRule {
  return { path, capabilities: WRITE, label: 'can write secrets at {path}' };
}

/** The built-in `root` policy: every capability everywhere (it has no readable body). */
export const ROOT_POLICY_PRIVILEGES = ['root policy: every capability on every path'];

/** The reviewer-facing sentences for one policy's privileged stanzas, deduplicated and sorted. */
export function privilegesOf(rules: readonly PolicyPathRule[], privileged: readonly PrivilegedRule[]): string[] {
  const found = new Set<string>();
  for (const stanza of rules) {
    if (stanza.capabilities.includes('deny')) continue;
    for (const rule of privileged) {
      if (!rule.capabilities.some((c) => stanza.capabilities.includes(c))) continue;
      if (!pathsOverlap(stanza.path, rule.path)) continue;
      found.add(rule.label.replaceAll('{path}', stanza.path).replaceAll('{rest}', rest(stanza.path, rule.path)));
    }
  }
  return [...found].sort();
}

/** What the policy path names below the rule's literal prefix (`transit/sign/` + `hot-wallet-eth`). */
function rest(policyPath: string, rulePath: string): string {
  const cut = rulePath.search(/[+*]/);
  const prefix = cut < 0 ? rulePath : rulePath.slice(0, cut);
  if (policyPath.startsWith(prefix) && policyPath.length > prefix.length) return policyPath.slice(prefix.length);
  return `* (through ${policyPath})`;
}

/**
 * True when some request path matches both patterns. Segments are compared left to right; a
 * segment ending in `*` (only allowed last) matches any segment starting with its prefix and
 * everything after it; `+` matches any one segment.
 */
export function pathsOverlap(a: string, b: string): boolean {
  const sa = a.split('/');
  const sb = b.split('/');
  for (let i = 0; ; i++) {
    const x = sa[i];
    const y = sb[i];
    if (x === undefined || y === undefined) return x === y;
    const xStar = x.endsWith('*') && i === sa.length - 1;
    const yStar = y.endsWith('*') && i === sb.length - 1;
    if (xStar || yStar) {
      const px = xStar ? x.slice(0, -1) : x;
      const py = yStar ? y.slice(0, -1) : y;
      if (x === '+' || y === '+') return true;
      if (xStar && yStar) return px.startsWith(py) || py.startsWith(px);
      return xStar ? py.startsWith(px) : px.startsWith(py);
    }
    if (x !== '+' && y !== '+' && x !== y) return false;
  }
}
