/**
 * What a real `iam-review serve` process writes to stderr, the stream a container runtime or
 * journald collects as its log: JSON objects only, one per line, each with an ISO-8601 `time`,
 * and never a secret from the environment. The process runs in HTTP mode against the fake Slack
 * at LOG_LEVEL=debug, so Bolt's and the WebClient's own log lines are among them; an unsigned
 * POST to /slack/events makes Bolt log its refusal; a preloaded module emits a process warning
 * (as a dependency would) when SIGTERM arrives, which Node would otherwise print as plain text.
 * No timing: the test waits for the lines the process writes, and for its exit.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../fakes/fake-slack.js';
import { MINIMAL_FIRM, TRADING_DESK_HR, tempConfigDir } from '../helpers/temp-config.js';
import { get } from '../server/http-get.js';

const REPO = resolve(import.meta.dirname, '../..');
const TRADING_CSV = ['account_id,identity,role,scope,status,last_activity_at,display_name,account_type', 'alice,alice@example.com,TRADER,spot,active,2026-11-23T17:31:00Z,Alice,human', ''].join('\n');
const SIGNING_SECRET = 'f0e1d2c3b4a5968778695a4b3c2d1e0f';
const BOT_TOKEN = 'xoxb-1234-5678-serve-logs-secret';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('serve: stderr is a JSON log', () => {
  let fake: FakeSlack | null = null;
  afterEach(async () => {
    await fake?.stop();
    fake = null;
  });

  it('every stderr line is one JSON object with an ISO-8601 time (Bolt, WebClient and process warnings included); no secret appears', async () => {
    fake = await FakeSlack.start({ token: BOT_TOKEN });
    const dir = mkdtempSync(join(tmpdir(), 'iam-serve-logs-'));
    const preload = join(dir, 'warn-on-sigterm.cjs');
    writeFileSync(preload, "process.on('SIGTERM', () => process.emitWarning('a dependency warns', { type: 'DeprecationWarning', code: 'DEP_IAM_TEST' }));\n");
    const configDir = tempConfigDir({ ...MINIMAL_FIRM, 'connectors/sample-data/hr.csv': TRADING_DESK_HR, 'connectors/sample-data/trading.csv': TRADING_CSV });
    const child = spawn(process.execPath, ['--require', preload, join(REPO, 'bin/iam-review.js'), 'serve'], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        IAM_REVIEW_CONFIG_DIR: configDir,
        IAM_REVIEW_DATA_DIR: join(dir, 'data'),
        LOG_LEVEL: 'debug',
        PORT: '0',
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: fake.apiUrl,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const waiters: { pattern: RegExp; done: () => void }[] = [];
    child.stdout!.on('data', (d: Buffer) => void (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      for (const w of waiters.splice(0)) (w.pattern.test(stderr) ? w.done : () => waiters.push(w))();
    });
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    const logged = (pattern: RegExp) => new Promise<void>((done) => (pattern.test(stderr) ? done() : waiters.push({ pattern, done })));
    try {
      await logged(/"msg":"serve started"/);
      await logged(/"systemId":"trading"[^\n]*"msg":"initial sync done"/);
      const port = Number(/"healthPort":(\d+)/.exec(stderr)![1]);
      expect((await get(port, '/metrics')).status).toBe(200);
      expect((await get(port, '/readyz')).status).toBe(200);
      // Unsigned: Bolt refuses it (401) and logs why, through our logger.
      expect((await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', body: '{}' })).status).toBe(401);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }

    const lines = stderr.split('\n').filter((l) => l !== '');
    const records = lines.map((line) => {
      let r: Record<string, unknown> | null = null;
      try {
        r = JSON.parse(line) as Record<string, unknown>;
      } catch {
        // reported below, with the line
      }
      expect({ line, json: r !== null && typeof r === 'object' && !Array.isArray(r) }).toEqual({ line, json: true });
      expect({ line, time: r!.time }).toEqual({ line, time: expect.stringMatching(ISO) });
      expect(new Date(r!.time as string).toISOString()).toBe(r!.time);
      return r!;
    });
    // Bolt's and the WebClient's lines, the refused request and the warning are among them.
    expect(records.filter((r) => r.component === 'slack').length).toBeGreaterThan(3);
    expect(records.some((r) => r.component === 'slack' && r.level === 40 && /signature/i.test(String(r.msg)))).toBe(true);
    expect(records.filter((r) => r.msg === 'process warning')).toEqual([expect.objectContaining({ level: 40, warning: { name: 'DeprecationWarning', code: 'DEP_IAM_TEST', message: 'a dependency warns' } })]);
    expect(stderr).not.toContain(SIGNING_SECRET);
    expect(stderr).not.toContain(BOT_TOKEN);
    // The human lines are on stdout.
    expect(stdout).toMatch(/^iam-review serve: .*\/healthz, \/readyz, \/metrics on port \d+\.\nStopped \(SIGTERM\)\.\n$/);
  });

  it('a serve that cannot start (a configuration error, a port in use) says so as one JSON line on stderr, the reason on stdout, with the exit code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iam-serve-fail-'));
    const broken = tempConfigDir({ ...MINIMAL_FIRM, 'policies/trading.yaml': 'system: trading\nroles:\n  TRADER:\n    alowedFor: []\n' });
    const busy = await new Promise<Server>((done) => {
      const srv = createServer();
      srv.listen(0, '127.0.0.1', () => done(srv));
    });
    const port = String((busy.address() as AddressInfo).port);
    const configDir = tempConfigDir({ ...MINIMAL_FIRM, 'connectors/sample-data/hr.csv': TRADING_DESK_HR, 'connectors/sample-data/trading.csv': TRADING_CSV });
    try {
      for (const [env, code, reason] of [
        [{ IAM_REVIEW_CONFIG_DIR: broken }, 2, /policies\/trading\.yaml:4:5: roles\.TRADER\.alowedFor: unknown key "alowedFor": did you mean "allowedFor"\?/],
        [{ IAM_REVIEW_CONFIG_DIR: configDir, HEALTH_PORT: port }, 1, /EADDRINUSE/],
      ] as const) {
        const child = spawn(process.execPath, [join(REPO, 'bin/iam-review.js'), 'serve'], {
          env: { PATH: process.env.PATH, HOME: process.env.HOME, IAM_REVIEW_DATA_DIR: join(dir, `data-${code}`), LOG_LEVEL: 'info', ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout!.on('data', (d: Buffer) => void (stdout += d.toString()));
        child.stderr!.on('data', (d: Buffer) => void (stderr += d.toString()));
        const exit = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
        expect(exit).toBe(code);
        const records = stderr.split('\n').filter((l) => l !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
        expect(records.every((r) => typeof r.time === 'string' && ISO.test(r.time))).toBe(true);
        expect(records.at(-1)).toMatchObject({ level: 60, msg: 'serve stopped', err: { message: expect.stringMatching(reason) } });
        expect(stdout).toMatch(new RegExp(`^error: [\\s\\S]*${reason.source}`, 'm'));
      }
    } finally {
      await new Promise((done) => busy.close(done));
    }
  });

  it('an uncaught error while serving (a dependency throws) is one fatal JSON line on stderr, then exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iam-serve-crash-'));
    const preload = join(dir, 'throw-on-sigterm.cjs');
    // Thrown from a listener registered before serve's own: nothing of serve's stop runs first.
    writeFileSync(preload, "process.on('SIGTERM', () => { throw new Error('a dependency crashed'); });\n");
    const configDir = tempConfigDir({ ...MINIMAL_FIRM, 'connectors/sample-data/hr.csv': TRADING_DESK_HR, 'connectors/sample-data/trading.csv': TRADING_CSV });
    const child = spawn(process.execPath, ['--require', preload, join(REPO, 'bin/iam-review.js'), 'serve'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'info', HEALTH_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      // Started (the summary is printed once the server is up): now the dependency crashes.
      if (/iam-review serve: /.test(stdout) && child.signalCode === null && !child.killed) child.kill('SIGTERM');
    });
    child.stderr!.on('data', (d: Buffer) => void (stderr += d.toString()));
    const exit = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
    expect(exit).toBe(1);
    const records = stderr.split('\n').filter((l) => l !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.every((r) => typeof r.time === 'string' && ISO.test(r.time))).toBe(true);
    expect(records).toContainEqual(expect.objectContaining({ level: 60, msg: 'uncaught error: exiting', origin: 'uncaughtException', err: expect.objectContaining({ message: 'a dependency crashed' }) }));
  });
});
