/**
 * Loads and cross-checks the three config folders (connectors/, policies/, reviews/).
 * Every problem in every file is collected and reported at once, each naming file, line
 * and key path; warnings (suspicious but usable config) are returned alongside.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { z } from 'zod';
import type { ConfigProblem } from './config-error.js';
import { ConfigError } from './config-error.js';
import { BREAK_GLASS_REVIEW_ID } from '../domain/index.js';
import { globalPolicySchema, parseRoleRef, sodSchema, systemPolicySchema } from './policy-config.js';
import type { GlobalPolicy, SodRule, SystemPolicy } from './policy-config.js';
import { unknownKeyMessage } from './nearest-key.js';
import { PENDING_REMEDIATION_MODES } from './remediation-config.js';
import { botRolesSchema, reviewDefinitionSchema } from './review-config.js';
import type { BotRoles, ReviewDefinition } from './review-config.js';
import { knownKeysAt } from './schema-keys.js';
import { systemConfigSchema } from './system-config.js';
import type { SystemConfig } from './system-config.js';
import { keyPathOf, loadYamlFile } from './yaml-file.js';
import type { LoadedYaml } from './yaml-file.js';

export interface ConfigFileHash {
  file: string;
  sha256: string;
}

export interface LoadedConfig {
  configDir: string;
  systems: SystemConfig[];
  policies: SystemPolicy[];
  sodRules: SodRule[];
  global: GlobalPolicy;
  reviews: ReviewDefinition[];
  roles: BotRoles;
  files: ConfigFileHash[];
  warnings: string[];
}

/** Looks up a connector type's settings schema; undefined for an unknown type. */
export type SettingsSchemaLookup = (type: string) => z.ZodType | undefined;

export const SPECIAL_POLICY_FILES = ['separation-of-duties.yaml', 'global.yaml'] as const;
export const ROLES_FILE = 'roles.yaml';

export interface LoadConfigOptions {
  /**
   * Follow symbolic links in the config folders that point outside the config root
   * (IAM_REVIEW_CONFIG_EXTERNAL_LINKS). Off by default: a link out of the reviewed repository
   * would bring in policy that no pull request showed.
   */
  allowExternalLinks?: boolean;
}

export function loadConfig(configDir: string, settingsSchemaFor: SettingsSchemaLookup, opts: LoadConfigOptions = {}): LoadedConfig {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const files: ConfigFileHash[] = [];
  const rel = (p: string) => relative(configDir, p) || p;

  function load<S extends z.ZodType>(path: string, schema: S): LoadedYaml<z.infer<S>> | null {
    const link = linkProblem(path, realpathSync(configDir), opts.allowExternalLinks === true);
    if (link) {
      problems.push({ file: rel(path), line: null, column: null, keyPath: '', message: link });
      return null;
    }
    const result = loadYamlFile(path, rel(path), schema);
    if (!result.ok) {
      problems.push(...result.problems);
      return null;
    }
    files.push({ file: result.loaded.file, sha256: createHash('sha256').update(result.loaded.text).digest('hex') });
    return result.loaded;
  }

  for (const folder of ['connectors', 'policies', 'reviews']) {
    if (!existsSync(join(configDir, folder)) || !statSync(join(configDir, folder)).isDirectory()) {
      problems.push({ file: folder + '/', line: null, column: null, keyPath: '', message: `folder missing under ${configDir} (set IAM_REVIEW_CONFIG_DIR to the folder holding connectors/, policies/ and reviews/)` });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  // connectors/: one file per system.
  const systems: SystemConfig[] = [];
  const systemAt = new Map<string, string>();
  for (const path of configFiles(join(configDir, 'connectors'))) {
    const loaded = load(path, systemConfigSchema);
    if (!loaded) continue;
    const { connector, ...rest } = loaded.value;
    const { type, ...settings } = connector;
    const schema = settingsSchemaFor(type);
    if (!schema) {
      problems.push({ file: loaded.file, ...loaded.locate(['connector', 'type']), keyPath: 'connector.type', message: `unknown connector type "${type}"` });
      continue;
    }
    const parsed = schema.safeParse(settings);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
        for (const p of keys) {
          const path = ['connector', ...p];
          const message = issue.code === 'unrecognized_keys' ? unknownKeyMessage(String(p[p.length - 1]), knownKeysAt(schema, issue.path)) : issue.message;
          problems.push({ file: loaded.file, ...loaded.locate(path), keyPath: keyPathOf(path), message });
        }
      }
      continue;
    }
    if (systemAt.has(rest.id)) {
      problems.push({ file: loaded.file, ...loaded.locate(['id']), keyPath: 'id', message: `duplicate system id "${rest.id}" (also in ${systemAt.get(rest.id)})` });
      continue;
    }
    systemAt.set(rest.id, loaded.file);
    systems.push({ ...rest, connector: { type, settings: parsed.data }, file: loaded.file });
  }

  // policies/: global, separation of duties, then one file per system.
  const policyDir = join(configDir, 'policies');
  const globalPath = join(policyDir, 'global.yaml');
  const global = present(globalPath) ? load(globalPath, globalPolicySchema)?.value : globalPolicySchema.parse({});
  const sodPath = join(policyDir, 'separation-of-duties.yaml');
  const sod = present(sodPath) ? load(sodPath, sodSchema) : null;

  const policies: SystemPolicy[] = [];
  const policyAt = new Map<string, string>();
  for (const path of configFiles(policyDir)) {
    if ((SPECIAL_POLICY_FILES as readonly string[]).includes(path.slice(policyDir.length + 1))) continue;
    const loaded = load(path, systemPolicySchema);
    if (!loaded) continue;
    const p = loaded.value;
    if (!systemAt.has(p.system)) {
      problems.push({ file: loaded.file, ...loaded.locate(['system']), keyPath: 'system', message: `policy for unknown system "${p.system}" (no file in connectors/ has this id)` });
      continue;
    }
    if (policyAt.has(p.system)) {
      problems.push({ file: loaded.file, ...loaded.locate(['system']), keyPath: 'system', message: `second policy for system "${p.system}" (also in ${policyAt.get(p.system)})` });
      continue;
    }
    policyAt.set(p.system, loaded.file);
    policies.push({ ...p, file: loaded.file });
  }

  const sodRules: SodRule[] = [];
  if (sod) {
    const seen = new Set<string>();
    sod.value.rules.forEach((rule, i) => {
      if (seen.has(rule.id)) {
        problems.push({ file: sod.file, ...sod.locate(['rules', i, 'id']), keyPath: `rules[${i}].id`, message: `duplicate rule id "${rule.id}"` });
        return;
      }
      seen.add(rule.id);
      rule.roles.forEach((ref, j) => {
        const { systemId, role } = parseRoleRef(ref);
        if (!systemAt.has(systemId)) {
          problems.push({ file: sod.file, ...sod.locate(['rules', i, 'roles', j]), keyPath: `rules[${i}].roles[${j}]`, message: `unknown system "${systemId}" in "${ref}"` });
          return;
        }
        const policy = policies.find((p) => p.system === systemId);
        if (policy && !(role in policy.roles)) {
          warnings.push(`${sod.file}: rule ${rule.id}: role "${role}" is not listed in the policy of ${systemId} (${policy.file}); the rule still applies if a snapshot shows it`);
        }
      });
      sodRules.push(rule);
    });
  }

  // reviews/: the bot's roles, then one file per review definition.
  const reviewDir = join(configDir, 'reviews');
  const rolesPath = join(reviewDir, ROLES_FILE);
  let roles: BotRoles | undefined;
  if (present(rolesPath)) roles = load(rolesPath, botRolesSchema)?.value;
  else problems.push({ file: rel(rolesPath), line: null, column: null, keyPath: '', message: 'missing: it names the security team, the auditors and the fallback reviewer' });

  const reviews: ReviewDefinition[] = [];
  const reviewAt = new Map<string, string>();
  for (const path of configFiles(reviewDir)) {
    if (path.endsWith('/' + ROLES_FILE)) continue;
    const loaded = load(path, reviewDefinitionSchema);
    if (!loaded) continue;
    const r = loaded.value;
    if (reviewAt.has(r.id)) {
      problems.push({ file: loaded.file, ...loaded.locate(['id']), keyPath: 'id', message: `duplicate review id "${r.id}" (also in ${reviewAt.get(r.id)})` });
      continue;
    }
    if (r.id === BREAK_GLASS_REVIEW_ID) {
      problems.push({ file: loaded.file, ...loaded.locate(['id']), keyPath: 'id', message: `review id "${r.id}" is reserved for the built-in break-glass reviews (roles with breakGlass in policies/): choose another id` });
      continue;
    }
    (r.scope.systems ?? []).forEach((s, i) => {
      if (!systemAt.has(s)) problems.push({ file: loaded.file, ...loaded.locate(['scope', 'systems', i]), keyPath: `scope.systems[${i}]`, message: `unknown system "${s}"` });
    });
    reviewAt.set(r.id, loaded.file);
    reviews.push({ ...r, file: loaded.file });
  }

  if (problems.length > 0 || !global || !roles) throw new ConfigError(problems);
  warnings.push(...cadenceWarnings(systems, policies, reviews, global), ...remediationModeWarnings(systems));
  return { configDir, systems, policies, sodRules, global, reviews, roles, files, warnings };
}

/**
 * `.yaml`/`.yml` files directly in a folder, sorted (sub-folders such as sample-data/ are not
 * config; dot-files are skipped, as are Kubernetes ConfigMap's `..data` folders). Symbolic links
 * are kept: load() checks where they point.
 */
function configFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => !d.name.startsWith('.') && /\.ya?ml$/i.test(d.name) && (d.isFile() || d.isSymbolicLink()))
    .map((d) => join(dir, d.name))
    .sort();
}

/** Whether a path exists as a file or a link (a dangling link is there, and reported by load()). */
function present(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Symbolic links are followed, as a ConfigMap or git-sync checkout is made of them. A link that
 * dangles, points at something other than a file, or leaves the config root (`root`, resolved)
 * without `allowExternal` is a problem: never silently skipped, never read.
 */
function linkProblem(path: string, root: string, allowExternal: boolean): string | null {
  if (!lstatSync(path).isSymbolicLink()) return null;
  let target: string;
  try {
    target = realpathSync(path);
  } catch {
    return 'symbolic link to a file that does not exist';
  }
  const inside = relative(root, target);
  if (!allowExternal && (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside))) {
    return `symbolic link points outside the config root (to ${target}); set IAM_REVIEW_CONFIG_EXTERNAL_LINKS=true to allow it`;
  }
  if (!statSync(target).isFile()) return `symbolic link to something that is not a file (${target})`;
  return null;
}

/** Months between campaigns of a review definition, from its period kind. */
function reviewEveryMonths(r: ReviewDefinition): number {
  return { month: 1, quarter: 3, 'half-year': 6, year: 12 }[r.period];
}

/**
 * DORA RTS Art. 21: access rights reviewed at least every 12 months, and at least every 6
 * months for systems supporting critical or important functions (cadence from global.yaml).
 * Warns for every system no review covers at its required cadence.
 */
/** A remediation mode this version cannot dispatch yet: its removals are tracked and verified, but nobody is asked. */
export function remediationModeWarnings(systems: readonly SystemConfig[]): string[] {
  return systems
    .filter((s) => s.remediation && PENDING_REMEDIATION_MODES.includes(s.remediation.mode))
    .map((s) => `${s.file}: remediation.mode "${s.remediation!.mode}" is not available in this version: removals of ${s.id} are tracked and verified by sync, and listed by \`remediation list\`, as in manual mode`);
}

export function cadenceWarnings(systems: SystemConfig[], policies: SystemPolicy[], reviews: ReviewDefinition[], global: GlobalPolicy): string[] {
  const out: string[] = [];
  for (const s of systems) {
    if (s.kind === 'directory' && !policies.some((p) => p.system === s.id)) continue; // an identity source with no roles to review
    const required = global.reviewCadenceMonths[s.criticality];
    const covering = reviews.filter((r) => coversSystem(r, s) && !r.scope.privilegedOnly);
    const best = Math.min(...covering.map(reviewEveryMonths), Infinity);
    if (best > required) {
      out.push(
        covering.length === 0
          ? `system ${s.id} (${s.criticality}) is covered by no review of all its access: it must be reviewed at least every ${required} months`
          : `system ${s.id} (${s.criticality}) is reviewed every ${best} months at best: it must be reviewed at least every ${required} months`,
      );
    }
  }
  return out;
}

export function coversSystem(r: ReviewDefinition, s: Pick<SystemConfig, 'id' | 'criticality' | 'kind'>): boolean {
  const { systems, criticality, kinds } = r.scope;
  return Boolean(systems?.includes(s.id) || criticality?.includes(s.criticality) || kinds?.includes(s.kind));
}
