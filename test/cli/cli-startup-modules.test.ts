/**
 * What a command loads before it runs: commands that talk to neither Slack, Microsoft Graph nor
 * an HTTP server must not load their SDKs (Bolt alone costs ~0.3-0.45 s of CPU at every start).
 * Each command runs as a real process (`node --import tsx src/cli.ts`); a preloaded hook records
 * every module the process loads (see HOOK), and the test reads the packages they belong to.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import type { CliIo } from '../../src/cli/cli-io.js';
import { MINIMAL_FIRM, tempConfigDir } from '../helpers/temp-config.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'src/cli.ts');

/** The SDKs only `serve`, Slack deliveries and the entra-id connector need. */
const HEAVY = ['@slack/bolt', '@slack/web-api', '@slack/socket-mode', '@slack/oauth', 'express', 'prom-client', '@microsoft/microsoft-graph-client', '@azure/msal-node', 'undici'];

/**
 * Preloaded with --import: appends to $LOADED_PACKAGES_FILE every module that ESM resolves (a
 * module hook: ESM-only packages such as @azure/msal-node) and, at exit, every file in the
 * CommonJS cache (what CommonJS packages require among themselves).
 */
const RESOLVE_HOOK = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.LOADED_PACKAGES_FILE, resolved.url + '\\n');
  return resolved;
}`;
const HOOK = `data:text/javascript,${encodeURIComponent(`
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(RESOLVE_HOOK)}));
const cache = createRequire(process.execPath).cache;
process.on('exit', () => appendFileSync(process.env.LOADED_PACKAGES_FILE, Object.keys(cache).join('\\n') + '\\n'));
`)}`;

/** The package a module file belongs to ('@scope/name' or 'name'), or null outside node_modules. */
function packageOf(fileOrUrl: string): string | null {
  const at = fileOrUrl.lastIndexOf('node_modules/');
  if (at < 0) return null;
  const [first, second] = fileOrUrl.slice(at + 'node_modules/'.length).split('/');
  return first!.startsWith('@') ? `${first}/${second}` : first!;
}

const tmp = mkdtempSync(join(tmpdir(), 'iam-startup-'));
let runs = 0;

/** Runs `node --import tsx <hook> args` to its end; returns its exit code, output and the packages it loaded. */
async function loaded(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string; packages: string[] }> {
  const file = join(tmp, `loaded-${++runs}.txt`);
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', HOOK, ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent', ...env, LOADED_PACKAGES_FILE: file }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(existsSync(file), out).toBe(true);
  const packages = new Set(readFileSync(file, 'utf8').split('\n').map(packageOf).filter((p) => p !== null));
  return { code, out, packages: [...packages].sort() };
}

describe('what a command loads', () => {
  let firm: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // The minimal firm plus an entra-id system: its settings are validated (entra-id-settings.ts),
    // its Graph client is never built by these commands.
    const configDir = tempConfigDir({
      ...MINIMAL_FIRM,
      'connectors/sample-data/hr.csv': 'id,email,display_name,department,job_title,manager,status,employment_type,contract_end,groups\nE1,alice@example.com,Alice,Trading,Trader,,active,employee,,\nE3,,Carol,Trading,Trader,alice@example.com,terminated,employee,,\n',
      'connectors/sample-data/trading.csv': 'account_id,identity,role,scope,status,last_activity_at,display_name,account_type\nalice,alice@example.com,TRADER,spot,active,2026-11-23T10:00:00Z,Alice,human\ncarol,E3,VIEWER,,active,2026-11-20T10:00:00Z,Carol,human\n',
      'connectors/entra-roles.yaml': readFileSync(join(ROOT, 'connectors/examples/entra-id-directory-roles.yaml.example'), 'utf8'),
    });
    firm = { IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: join(tmp, 'data'), IAM_REVIEW_OPERATOR: 'ops@example.com' };
    const lines: string[] = [];
    const io: CliIo = { out: (s) => void lines.push(s), err: (s) => void lines.push(s), isTty: false };
    for (const system of ['hr', 'trading']) expect(await run(['node', 'iam-review', 'sync', '--system', system], { io, env: { ...firm, LOG_LEVEL: 'silent' } }), lines.join('\n')).toBe(0);
  }, 60_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('sees a package loaded by import() (the detector works)', async () => {
    const r = await loaded(['--input-type=module', '-e', HEAVY.map((p) => `await import('${p}');`).join(' ')]);
    expect(r.code).toBe(0);
    expect(HEAVY.filter((p) => !r.packages.includes(p))).toEqual([]);
  }, 60_000);

  it('--version loads no Slack, Graph or HTTP server SDK', async () => {
    const r = await loaded([CLI, '--version']);
    expect(r.code).toBe(0);
    expect(r.packages.filter((p) => HEAVY.includes(p))).toEqual([]);
    expect(r.packages).toContain('commander');
  }, 60_000);

  it('check and validate (with an entra-id system configured) load no Slack, Graph or HTTP server SDK', async () => {
    const check = await loaded([CLI, 'check'], firm);
    expect(check.out).toMatch(/finding|Finding|no findings/i);
    expect(check.code === 0 || check.code === 3, check.out).toBe(true);
    expect(check.packages.filter((p) => HEAVY.includes(p))).toEqual([]);
    expect(check.packages).toContain('better-sqlite3');

    const validate = await loaded([CLI, 'validate'], firm);
    expect(validate.code, validate.out).toBe(0);
    expect(validate.packages.filter((p) => HEAVY.includes(p))).toEqual([]);
  }, 120_000);
});
