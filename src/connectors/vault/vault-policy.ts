/**
 * Vault ACL policy bodies (`GET sys/policies/acl/:name` → data.policy) turned into
 * capabilities per path. HCL is parsed by @cdktn/hcl2json (HashiCorp's HCL v2 parser compiled
 * to WebAssembly, the maintained continuation of @cdktf/hcl2json); Vault also accepts the same
 * document as JSON, which is read with JSON.parse. Nothing here matches policy text with
 * regular expressions.
 *
 * Vault's own parser is HCL v1: a few v1-only spellings (several arguments on one line inside
 * one block, quoted argument names) fail here. Such a policy is reported as a problem naming it,
 * never read as empty.
 */

/** One `path "<pattern>" { ... }` stanza, capabilities merged when a path repeats. */
export interface PolicyPathRule {
  path: string;
  capabilities: string[];
}

/**
 * Legacy `policy = "<level>"` stanzas as Vault expands them (vault/policy.go): read → read, list;
 * write → read, list, create, update, delete; sudo → those and sudo; deny → deny.
 */
const LEGACY_POLICY: Record<string, string[]> = {
  deny: ['deny'],
  read: ['read', 'list'],
  write: ['read', 'list', 'create', 'update', 'delete'],
  sudo: ['read', 'list', 'create', 'update', 'delete', 'sudo'],
};

type HclParse = (filename: string, contents: string) => Promise<Record<string, unknown>>;
let hclParse: Promise<HclParse> | null = null;

/**
 * The package's typings reference the DOM lib (`/// <reference lib="dom" />`), which would
 * change the global types of the whole program; naming it through a variable keeps them out.
 */
const HCL_PACKAGE: string = '@cdktn/hcl2json';

/** The parser loads a WebAssembly module: only when a policy is first parsed, once per process. */
function parser(): Promise<HclParse> {
  hclParse ??= (import(HCL_PACKAGE) as Promise<{ parse: HclParse }>).then((m) => m.parse);
  return hclParse;
}

/** Parses a policy document (HCL or JSON) into its path rules, sorted by path. Throws on bad syntax. */
export async function parsePolicy(name: string, body: string): Promise<PolicyPathRule[]> {
  const text = body.trim();
  if (text === '') return [];
  let doc: Record<string, unknown>;
  if (text.startsWith('{')) {
    doc = JSON.parse(text) as Record<string, unknown>;
  } else {
    const parse = await parser();
    doc = await parse(`${name}.hcl`, text);
  }
  return pathRules(doc.path);
}

/**
 * The `path` part of a parsed document: `{ "<pattern>": [ {stanza}, ... ] }` from HCL (one
 * entry per block), or `{ "<pattern>": {stanza} }` from JSON.
 */
function pathRules(paths: unknown): PolicyPathRule[] {
  if (paths === undefined || paths === null) return [];
  if (typeof paths !== 'object' || Array.isArray(paths)) throw new Error('"path" is not a set of path blocks');
  const rules: PolicyPathRule[] = [];
  for (const [path, value] of Object.entries(paths as Record<string, unknown>)) {
    const stanzas = Array.isArray(value) ? value : [value];
    const caps = new Set<string>();
    for (const stanza of stanzas) {
      if (typeof stanza !== 'object' || stanza === null) throw new Error(`path "${path}": not a block`);
      const { capabilities, policy } = stanza as { capabilities?: unknown; policy?: unknown };
      if (capabilities !== undefined) {
        if (!Array.isArray(capabilities) || !capabilities.every((c) => typeof c === 'string')) {
          throw new Error(`path "${path}": capabilities is not a list of strings`);
        }
        for (const c of capabilities) caps.add(c.toLowerCase());
      }
      if (policy !== undefined) {
        const expanded = typeof policy === 'string' ? LEGACY_POLICY[policy.toLowerCase()] : undefined;
        if (!expanded) throw new Error(`path "${path}": unknown policy level ${JSON.stringify(policy)}`);
        for (const c of expanded) caps.add(c);
      }
    }
    rules.push({ path, capabilities: [...caps].sort() });
  }
  return rules.sort((a, b) => a.path.localeCompare(b.path));
}
