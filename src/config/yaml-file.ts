/**
 * Reads one YAML config file and validates it against a strict zod schema, turning every
 * problem into a ConfigProblem that names the file, the line and the key path.
 *
 * Guards: files over 1 MB are refused before parsing; alias expansion is capped (an
 * "alias bomb" fails fast instead of eating memory); duplicate keys are errors. An unknown
 * key is named with the nearest known one when it looks like a typo; of several YAML syntax
 * errors only the first is reported.
 */
import { readFileSync, statSync } from 'node:fs';
import { isMap, isPair, isScalar, LineCounter, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import type { ConfigProblem } from './config-error.js';
import { unknownKeyMessage } from './nearest-key.js';
import { knownKeysAt } from './schema-keys.js';

export const MAX_CONFIG_BYTES = 1024 * 1024;
const MAX_ALIAS_COUNT = 100;

export interface LoadedYaml<T> {
  file: string;
  /** Raw text, for hashing into the ledger. */
  text: string;
  value: T;
  /** Locates a key path in the file (1-based line and column), for later cross-file checks. */
  locate(path: readonly PropertyKey[]): { line: number | null; column: number | null };
}

export type YamlResult<T> = { ok: true; loaded: LoadedYaml<T> } | { ok: false; problems: ConfigProblem[] };

/** `displayName` is how the file is named in messages (relative to the config dir). */
export function loadYamlFile<S extends z.ZodType>(path: string, displayName: string, schema: S): YamlResult<z.infer<S>> {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    return fail(displayName, `cannot read file: ${(err as Error).message}`);
  }
  if (size > MAX_CONFIG_BYTES) {
    return fail(displayName, `file is ${size} bytes, over the ${MAX_CONFIG_BYTES}-byte limit for config files`);
  }
  const text = readFileSync(path, 'utf8');
  return parseYamlText(text, displayName, schema);
}

export function parseYamlText<S extends z.ZodType>(text: string, displayName: string, schema: S): YamlResult<z.infer<S>> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const pos = (offset: number | undefined) => {
    if (offset === undefined) return { line: null, column: null };
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  // Only the first syntax error: the parser's later ones mostly follow from it (an unclosed
  // quote or a bad indent misreads the rest of the file), so they mislead more than they help.
  const syntax = doc.errors.reduce<(typeof doc.errors)[number] | undefined>((first, e) => (first === undefined || e.pos[0] < first.pos[0] ? e : first), undefined);
  if (syntax) {
    const more = doc.errors.length > 1 ? ' (fix this one first: the parser could not read the rest of the file reliably)' : '';
    return { ok: false, problems: [{ file: displayName, ...pos(syntax.pos[0]), keyPath: '', message: `YAML syntax: ${firstLine(syntax.message)}${more}` }] };
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    return fail(displayName, `YAML: ${firstLine((err as Error).message)} (alias expansion is limited to protect the loader)`);
  }
  const locate = (path: readonly PropertyKey[]) => pos(nodeOffset(doc, path));
  const parsed = schema.safeParse(raw ?? {});
  if (!parsed.success) {
    const problems: ConfigProblem[] = [];
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          const path = [...issue.path, key];
          problems.push({ file: displayName, ...pos(keyOffset(doc, issue.path, key)), keyPath: keyPathOf(path), message: unknownKeyMessage(key, knownKeysAt(schema, issue.path)) });
        }
        continue;
      }
      const missing = issue.code === 'invalid_type' && isMissingKey(raw, issue.path);
      problems.push({ file: displayName, ...locate(issue.path), keyPath: keyPathOf(issue.path), message: missing ? `missing required key "${String(issue.path.at(-1))}" (${issue.expected})` : issue.message });
    }
    return { ok: false, problems };
  }
  return { ok: true, loaded: { file: displayName, text, value: parsed.data as z.infer<S>, locate } };
}

/** Whether `path` names a key its parent object (in the parsed YAML) does not have: a required key left out. */
function isMissingKey(raw: unknown, path: readonly PropertyKey[]): boolean {
  if (path.length === 0) return false;
  let parent: unknown = raw;
  for (const part of path.slice(0, -1)) {
    if (parent === null || typeof parent !== 'object') return false;
    parent = (parent as Record<PropertyKey, unknown>)[part];
  }
  return parent !== null && typeof parent === 'object' && !Array.isArray(parent) && !Object.hasOwn(parent, path.at(-1)!);
}

export function keyPathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function fail(file: string, message: string): YamlResult<never> {
  return { ok: false, problems: [{ file, line: null, column: null, keyPath: '', message }] };
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

/** Offset of the node at `path`, or of its nearest existing ancestor (a missing key points at its parent). */
function nodeOffset(doc: Document, path: readonly PropertyKey[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true) as YamlNode | undefined;
    if (node && typeof node === 'object' && 'range' in node && node.range) return node.range[0];
  }
  return doc.contents?.range?.[0];
}

/** Offset of a key (not its value) inside the mapping at `path`. */
function keyOffset(doc: Document, path: readonly PropertyKey[], key: string): number | undefined {
  const parent = path.length === 0 ? doc.contents : (doc.getIn(path as unknown[], true) as unknown);
  if (isMap(parent)) {
    for (const item of parent.items) {
      if (isPair(item) && isScalar(item.key) && String(item.key.value) === key) return item.key.range?.[0];
    }
  }
  return nodeOffset(doc, path);
}
