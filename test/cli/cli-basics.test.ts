/**
 * The CLI as a user runs it, in-process through run(): help on every command, exit codes,
 * and `validate` on the shipped sample firm and on a broken policy.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { MINIMAL_FIRM, tempConfigDir } from '../helpers/temp-config.js';
import { captureIo } from '../helpers/capture-io.js';

const REPO = resolve(import.meta.dirname, '../..');
const argv = (...args: string[]) => ['node', 'iam-review', ...args];

async function cli(args: string[], env: Record<string, string> = {}) {
  const io = captureIo();
  const dataDir = mkdtempSync(join(tmpdir(), 'iam-cli-'));
  const code = await run(argv(...args), { io, env: { IAM_REVIEW_CONFIG_DIR: REPO, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env }, cwd: REPO });
  return { code, out: io.stdout(), err: io.stderr() };
}

describe('iam-review CLI', () => {
  it('has --help on every command and exits 0', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    const commands = [...top.out.matchAll(/^ {2}([a-z-]+)(?: |\[)/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['validate', 'sync', 'check', 'campaign', 'decide', 'demo']));
    for (const c of commands) {
      const r = await cli([c, '--help']);
      expect(r.code, c).toBe(0);
      expect(r.out, c).toMatch(/^Usage: iam-review /);
    }
  });

  it('exits 2 on a usage error', async () => {
    expect((await cli(['no-such-command'])).code).toBe(2);
    expect((await cli(['check', '--format', 'xml'])).code).toBe(2);
    expect((await cli(['decide', 'x', 'maybe', '--as', 'a@example.com'])).code).toBe(2);
  });

  it('validates the shipped sample firm', async () => {
    const r = await cli(['validate']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Config OK: /);
    expect(r.out).toMatch(/custody-wallet\s+wallet\s+critical\s+csv/);
    expect(r.out).not.toMatch(/Warnings/);
  });

  it('exits 2 naming file, line and key of an unknown key in a policy', async () => {
    const dir = tempConfigDir({
      ...MINIMAL_FIRM,
      'policies/trading.yaml': 'system: trading\nroles:\n  TRADER:\n    privileged: true\n    maxHolder: 3\n    allowedFor:\n      - anyone: true\n',
    });
    const r = await cli(['validate'], { IAM_REVIEW_CONFIG_DIR: dir });
    expect(r.code).toBe(2);
    expect(r.err).toContain('policies/trading.yaml:5:5: roles.TRADER.maxHolder: unknown key "maxHolder": did you mean "maxHolders"?');
    expect(r.out).toBe('');
  });

  it('exits 2 on a bad environment, naming every variable at once', async () => {
    const r = await cli(['validate'], { LOG_LEVEL: 'loud', PORT: 'x' });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/environment: LOG_LEVEL/);
    expect(r.err).toMatch(/environment: PORT/);
  });

  it('exits 2 for an unknown campaign', async () => {
    const r = await cli(['campaign', 'status', 'nope:2026-Q4']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no campaign "nope:2026-Q4"/);
  });

  it('exits 1 when a system fails to sync, and leaves its state unchanged', async () => {
    const dir = tempConfigDir(MINIMAL_FIRM); // its CSV files do not exist
    const r = await cli(['sync', '--system', 'trading'], { IAM_REVIEW_CONFIG_DIR: dir });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/trading\s+failed\*/);
    expect(r.err).toMatch(/failed to sync; their current state is unchanged/);
  });

  it('documents every environment variable it reads in .env.example', () => {
    const example = readFileSync(join(REPO, '.env.example'), 'utf8');
    const source = readFileSync(join(REPO, 'src/config/env.ts'), 'utf8');
    const names = [...source.matchAll(/^ {2}([A-Z_]+): /gm)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect(example, name).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
  });
});
