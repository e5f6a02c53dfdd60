/**
 * The data folder is created level by level: nested folders appear, and a parent that refuses
 * children (/proc answers mkdir with ENOENT, where Node's recursive mkdir loops for good) is an
 * error naming the folder, through the real CLI too.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { makeFolder } from '../../src/store/sqlite/make-folder.js';
import { captureIo } from '../helpers/capture-io.js';

describe('makeFolder', () => {
  it('creates missing parents and accepts an existing folder', () => {
    const root = mkdtempSync(join(tmpdir(), 'iam-mk-'));
    makeFolder(join(root, 'a', 'b', 'c'));
    expect(existsSync(join(root, 'a', 'b', 'c'))).toBe(true);
    makeFolder(join(root, 'a', 'b', 'c'));
  });

  it('names a file in the way', () => {
    const root = mkdtempSync(join(tmpdir(), 'iam-mk-'));
    writeFileSync(join(root, 'f'), '');
    expect(() => makeFolder(join(root, 'f', 'data'))).toThrow(`cannot create the data folder ${join(root, 'f', 'data')}: ${join(root, 'f')} is not a folder`);
  });

  it.skipIf(!existsSync('/proc/self'))('fails at once under /proc, and so does the CLI', async () => {
    expect(() => makeFolder('/proc/iam-review-data/x')).toThrow('cannot create the data folder /proc/iam-review-data/x: mkdir /proc/iam-review-data failed (ENOENT)');
    const io = captureIo();
    expect(await run(['node', 'iam-review', 'campaign', 'list'], { io, env: { IAM_REVIEW_DATA_DIR: '/proc/iam-review-data', LOG_LEVEL: 'silent' } })).toBe(1);
    expect(io.stderr()).toBe('error: cannot create the data folder /proc/iam-review-data: mkdir /proc/iam-review-data failed (ENOENT)');
  });
});
