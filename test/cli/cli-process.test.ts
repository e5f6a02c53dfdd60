/**
 * The CLI as a real process (`node --import tsx src/cli.ts`), for what only a process shows:
 * a reader that closes the pipe early (`iam-review audit log | head -1`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

describe('the CLI process', () => {
  it('ends quietly, with its own exit code, when the reader of stdout goes away (EPIPE)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'iam-epipe-'));
    const store = openSqliteStore({ file: join(dataDir, 'iam-review.db') });
    // Far more output than a pipe buffer holds, so writes are still pending when the reader leaves.
    for (let b = 0; b < 20; b++) {
      await store.ledger.append(Array.from({ length: 1_000 }, (_, i) => ({ type: 'sync.completed', actor: 'test', subject: `s${b}-${i}`, data: { n: i }, at: '2026-12-01T00:00:00.000Z' })));
    }
    await store.close();

    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'audit', 'log'], { env: { ...process.env, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const firstLine = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(d.toString().split('\n')[0]!));
      child.once('exit', (code) => reject(new Error(`exited ${code} before printing anything: ${stderr}`)));
    });
    child.stdout.destroy(); // `head -1` has what it wants and exits
    const code = child.exitCode ?? (await new Promise<number | null>((resolve) => child.on('exit', resolve)));

    expect(firstLine).toMatch(/^\s+1 {2}2026-12-01T00:00:00.000Z {2}sync\.completed/);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  }, 60_000);
});
