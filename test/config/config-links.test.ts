/**
 * Config folders made of symbolic links (a Kubernetes ConfigMap volume, a git-sync checkout)
 * load like plain files; a link that dangles or leaves the config root is an error naming the
 * file, never a silently smaller config. Through loadConfig and the real `validate` command.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { run } from '../../src/cli.js';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load-config.js';
import { captureIo } from '../helpers/capture-io.js';
import { MINIMAL_FIRM, tempConfigDir } from '../helpers/temp-config.js';

const pathSettings = z.strictObject({ path: z.string() });
const lookup = (type: string) => (type === 'csv' || type === 'csv-identities' ? pathSettings : undefined);

/**
 * The layout kubelet writes for a ConfigMap mounted on a folder: the real files in a timestamped
 * dot-folder, `..data` linking to it, and each key a link `name -> ..data/name`.
 */
function configMapFolder(folder: string, files: Record<string, string>): void {
  const stamp = join(folder, '..2026_12_06_05_00_00.123456789');
  mkdirSync(stamp, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(stamp, name), text);
  symlinkSync('..2026_12_06_05_00_00.123456789', join(folder, '..data'));
  for (const name of Object.keys(files)) symlinkSync(join('..data', name), join(folder, name));
}

/** MINIMAL_FIRM with its policies/ as a ConfigMap volume. */
function firmWithLinkedPolicies(): string {
  const plain = Object.fromEntries(Object.entries(MINIMAL_FIRM).filter(([p]) => !p.startsWith('policies/')));
  const dir = tempConfigDir(plain);
  const policies = Object.fromEntries(Object.entries(MINIMAL_FIRM).filter(([p]) => p.startsWith('policies/')).map(([p, t]) => [p.slice('policies/'.length), t]));
  configMapFolder(join(dir, 'policies'), policies);
  return dir;
}

function problemsOf(dir: string, opts = {}) {
  try {
    loadConfig(dir, lookup, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('symbolic links in the config folders', () => {
  it('loads a ConfigMap-style folder of links like plain files (same files, same hashes)', () => {
    const plain = loadConfig(tempConfigDir(MINIMAL_FIRM), lookup);
    const linked = loadConfig(firmWithLinkedPolicies(), lookup);
    expect(linked.policies.map((p) => p.system)).toEqual(['trading']);
    expect(linked.global.dormantAfterDays).toBe(90);
    expect(linked.files).toEqual(plain.files);
  });

  it('loads a config root that is itself a link (git-sync: root -> rev-abc)', () => {
    const real = tempConfigDir(MINIMAL_FIRM);
    const parent = mkdtempSync(join(tmpdir(), 'iam-git-sync-'));
    symlinkSync(real, join(parent, 'current'));
    expect(loadConfig(join(parent, 'current'), lookup).policies).toHaveLength(1);
  });

  it('refuses a link that points outside the config root, naming the file; allowed on request', () => {
    const dir = tempConfigDir(Object.fromEntries(Object.entries(MINIMAL_FIRM).filter(([p]) => p !== 'policies/trading.yaml')));
    const outside = mkdtempSync(join(tmpdir(), 'iam-outside-'));
    writeFileSync(join(outside, 'trading.yaml'), MINIMAL_FIRM['policies/trading.yaml']!);
    symlinkSync(join(outside, 'trading.yaml'), join(dir, 'policies', 'trading.yaml'));
    expect(problemsOf(dir)).toEqual([expect.objectContaining({ file: 'policies/trading.yaml', message: expect.stringMatching(/outside the config root/) })]);
    expect(loadConfig(dir, lookup, { allowExternalLinks: true }).policies).toHaveLength(1);
  });

  it('reports a dangling link, also for global.yaml (never silently the defaults)', () => {
    const dir = firmWithLinkedPolicies();
    // kubelet swaps ..data atomically; a half-updated volume can leave a key dangling.
    renameSync(join(dir, 'policies', '..2026_12_06_05_00_00.123456789', 'global.yaml'), join(dir, 'policies', 'moved.txt'));
    expect(problemsOf(dir)).toEqual([expect.objectContaining({ file: 'policies/global.yaml', message: 'symbolic link to a file that does not exist' })]);
  });

  it('`validate` counts the linked policies and exits 2 on a link outside the root', async () => {
    const dir = firmWithLinkedPolicies();
    const io = captureIo();
    expect(await run(['node', 'iam-review', 'validate', '--json'], { io, env: { IAM_REVIEW_CONFIG_DIR: dir, LOG_LEVEL: 'silent' } })).toBe(0);
    expect(JSON.parse(io.stdout()).policies).toEqual([{ system: 'trading', roles: 2 }]);

    rmSync(join(dir, 'policies', 'trading.yaml'));
    symlinkSync('/etc/hostname', join(dir, 'policies', 'trading.yaml'));
    const bad = captureIo();
    expect(await run(['node', 'iam-review', 'validate'], { io: bad, env: { IAM_REVIEW_CONFIG_DIR: dir, LOG_LEVEL: 'silent' } })).toBe(2);
    expect(bad.stderr()).toMatch(/policies\/trading\.yaml: symbolic link points outside the config root/);
  });
});
