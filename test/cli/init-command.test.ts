/**
 * `iam-review init [DIR]` through run(): the starter configuration it writes passes
 * `validate` as written (no warnings) and syncs; it never overwrites a file without --force.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { EXIT } from '../../src/cli/cli-error.js';
import { STARTER_FILES } from '../../src/cli/init-command.js';
import { captureIo } from '../helpers/capture-io.js';

async function cli(args: string[], env: Record<string, string> = {}) {
  const io = captureIo();
  const code = await run(['node', 'iam-review', ...args], { io, env: { LOG_LEVEL: 'silent', IAM_REVIEW_DATA_DIR: mkdtempSync(join(tmpdir(), 'iam-init-data-')), ...env } });
  return { code, out: io.stdout(), err: io.stderr() };
}

describe('iam-review init', () => {
  it('writes a starter configuration that validate accepts as written and sync runs', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'iam-init-')), 'firm-config');
    const r = await cli(['init', dir]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toContain(`Wrote a starter configuration to ${dir}:`);
    for (const file of Object.keys(STARTER_FILES)) expect(readFileSync(join(dir, file), 'utf8')).toBe(STARTER_FILES[file]);
    // Commented: every YAML file says what it is for.
    for (const file of Object.keys(STARTER_FILES).filter((f) => f.endsWith('.yaml'))) expect(STARTER_FILES[file], file).toMatch(/^# /);

    const validate = await cli(['validate', '--json'], { IAM_REVIEW_CONFIG_DIR: dir });
    expect(validate.err).toBe('');
    expect(validate.code).toBe(EXIT.ok);
    const summary = JSON.parse(validate.out);
    expect(summary.systems.map((s: { id: string }) => s.id)).toEqual(['back-office', 'hr']);
    expect(summary.policies).toEqual([{ system: 'back-office', roles: 3 }]);
    expect(summary.sodRules).toBe(1);
    expect(summary.warnings).toEqual([]);

    const data = { IAM_REVIEW_CONFIG_DIR: dir, IAM_REVIEW_DATA_DIR: mkdtempSync(join(tmpdir(), 'iam-init-data-')) };
    const sync = await cli(['sync'], data);
    expect(sync.code).toBe(EXIT.ok);
    expect(sync.out).toMatch(/back-office\s+complete\s+0\s+3/);
    expect(sync.out).toMatch(/hr\s+complete\s+3\s+0/);

    // The loop a new user runs next: a campaign opens with every item assigned to someone other
    // than its subject, and its items can be decided.
    const open = await cli(['campaign', 'open', 'half-yearly'], data);
    expect([open.code, open.err]).toEqual([EXIT.ok, '']);
    expect(open.out).toMatch(/^Opened: half-yearly:\S+ .*, 3 items,/m);
  });

  it('refuses to overwrite an existing file (exit 2, nothing written) unless --force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iam-init-'));
    expect((await cli(['init', dir])).code).toBe(EXIT.ok);
    writeFileSync(join(dir, 'reviews/roles.yaml'), '# ours\n');
    writeFileSync(join(dir, 'policies/global.yaml'), '# ours too\n');
    const again = await cli(['init', dir]);
    expect(again.code).toBe(EXIT.invalidInput);
    expect(again.err).toContain(`not overwriting files that exist in ${dir}: connectors/hr.yaml`);
    expect(again.err).toContain('(--force overwrites them)');
    expect(readFileSync(join(dir, 'reviews/roles.yaml'), 'utf8')).toBe('# ours\n');

    const forced = await cli(['--force', 'init', dir]);
    expect(forced.code).toBe(EXIT.ok);
    expect(forced.out).toContain('reviews/roles.yaml (overwritten)');
    expect(readFileSync(join(dir, 'reviews/roles.yaml'), 'utf8')).toBe(STARTER_FILES['reviews/roles.yaml']);
    expect(readFileSync(join(dir, 'policies/global.yaml'), 'utf8')).toBe(STARTER_FILES['policies/global.yaml']);
  });

  it('refuses even one existing file, writing nothing else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iam-init-'));
    mkdirSync(join(dir, 'reviews'));
    writeFileSync(join(dir, 'reviews/half-yearly.yaml'), 'mine\n');
    const r = await cli(['init', dir]);
    expect(r.code).toBe(EXIT.invalidInput);
    expect(r.err).toContain(`not overwriting a file that exists in ${dir}: reviews/half-yearly.yaml (--force overwrites them)`);
    expect(readFileSync(join(dir, 'reviews/half-yearly.yaml'), 'utf8')).toBe('mine\n');
    expect(existsSync(join(dir, 'reviews/roles.yaml'))).toBe(false);
    expect(existsSync(join(dir, 'connectors'))).toBe(false);
    // --force after the command name works too.
    expect((await cli(['init', dir, '--force'])).code).toBe(EXIT.ok);
    expect(readFileSync(join(dir, 'reviews/half-yearly.yaml'), 'utf8')).toBe(STARTER_FILES['reviews/half-yearly.yaml']);
  });
});
