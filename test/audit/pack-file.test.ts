/**
 * PackFile: the bytes on disk are the bytes hashed, and close() returns only after the file is
 * closed (it is fsynced first: an export is ledgered only once its files are durable).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { open } from 'node:fs/promises';
import { PackFile, safeFileName, sha256File, syncFolder } from '../../src/audit/pack-file.js';
import type { OpenFolder } from '../../src/audit/pack-file.js';

const root = mkdtempSync(join(tmpdir(), 'iam-pack-file-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Open descriptors of this process that point at `path` (Linux: /proc/self/fd). */
function openDescriptorsOf(path: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false; // closed since the listing
    }
  }).length;
}

describe('PackFile', () => {
  it('writes UTF-8 text, reports its SHA-256 and size, and has closed the file when close() returns', async () => {
    const dir = mkdtempSync(join(root, 'p-'));
    const file = new PackFile(dir, 'decisions.csv');
    const parts = ['a,b\n', 'ü,𝄞\n', 'x'.repeat(200_000) + '\n'];
    for (const p of parts) await file.write(p);
    const info = await file.close();
    const bytes = readFileSync(join(dir, 'decisions.csv'));
    expect(bytes.toString('utf8')).toBe(parts.join(''));
    expect(info).toEqual({ name: 'decisions.csv', bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    expect(await sha256File(join(dir, 'decisions.csv'))).toEqual({ sha256: info.sha256, bytes: info.bytes });
    if (process.platform === 'linux') expect(openDescriptorsOf(join(dir, 'decisions.csv'))).toBe(0);
  });

  it('close() rejects when the file cannot be written, instead of reporting a hash for nothing', async () => {
    const file = new PackFile(join(root, 'no-such-folder'), 'decisions.csv');
    await file.write('a\n').catch(() => undefined);
    await expect(file.close()).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('syncFolder', () => {
  /** Opens folders for real and records what syncFolder does with each handle, in order. */
  function watchedOpener(): { calls: string[]; openFolder: OpenFolder } {
    const calls: string[] = [];
    const openFolder: OpenFolder = async (dir) => {
      const fh = await open(dir, 'r');
      calls.push(`open ${dir}`);
      return {
        sync: async () => {
          calls.push('sync');
          await fh.sync();
        },
        close: async () => {
          calls.push('close');
          await fh.close();
        },
      };
    };
    return { calls, openFolder };
  }

  it('fsyncs an existing folder, then closes it', async () => {
    const { calls, openFolder } = watchedOpener();
    await expect(syncFolder(root, openFolder)).resolves.toBeUndefined();
    expect(calls).toEqual([`open ${root}`, 'sync', 'close']);
  });

  it('fails on a missing folder', async () => {
    const { calls, openFolder } = watchedOpener();
    await expect(syncFolder(join(root, 'missing'), openFolder)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(calls).toEqual([]);
    await expect(syncFolder(join(root, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('skips a platform that cannot fsync a folder, and passes any other fsync error on; the folder is closed either way', async () => {
    const failing = (code: string) => {
      const calls: string[] = [];
      const openFolder: OpenFolder = async () => ({
        sync: async () => {
          calls.push('sync');
          throw Object.assign(new Error(`fsync: ${code}`), { code });
        },
        close: async () => void calls.push('close'),
      });
      return { calls, openFolder };
    };
    const windows = failing('EISDIR');
    await expect(syncFolder(root, windows.openFolder)).resolves.toBeUndefined();
    expect(windows.calls).toEqual(['sync', 'close']);
    const disk = failing('EIO');
    await expect(syncFolder(root, disk.openFolder)).rejects.toMatchObject({ code: 'EIO' });
    expect(disk.calls).toEqual(['sync', 'close']);
  });
});

describe('safeFileName', () => {
  it('keeps letters, digits, dot, underscore and dash, and replaces anything else', () => {
    expect(safeFileName('quarterly-critical:2026-Q4')).toBe('quarterly-critical_2026-Q4');
    expect(safeFileName('../../etc/passwd')).toBe('.._.._etc_passwd');
    expect(safeFileName('a b\u00e9')).toBe('a_b_');
  });
});
