import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';

export interface PackFileInfo {
  name: string;
  sha256: string;
  bytes: number;
}

/**
 * One file of an evidence pack, written as a stream: bytes pass through a SHA-256 on their
 * way to disk, so the manifest's hash costs no second read. `write` honours backpressure
 * (memory stays flat however many rows pass through). `close` returns once the file is
 * fsynced and closed: an export is ledgered only when its files would survive a crash.
 */
export class PackFile {
  private readonly input: Writable;
  private readonly done: Promise<void>;
  private readonly hash = createHash('sha256');
  private bytes = 0;

  constructor(
    dir: string,
    readonly name: string,
  ) {
    const tap = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        this.hash.update(chunk);
        this.bytes += chunk.length;
        cb(null, chunk);
      },
    });
    // flush: the stream fsyncs the descriptor before closing it; the pipeline settles after
    // the close (test/audit/pack-file.test.ts checks no descriptor is left open).
    const file = createWriteStream(join(dir, name), { flush: true });
    this.input = tap;
    this.done = pipeline(tap, file);
    // Errors surface through close(); keep them from being reported as unhandled meanwhile.
    this.done.catch(() => undefined);
  }

  /** Writes text (UTF-8), waiting when the stream is full. */
  async write(chunk: string): Promise<void> {
    if (!this.input.write(chunk)) await Promise.race([once(this.input, 'drain'), this.done]);
  }

  async close(): Promise<PackFileInfo> {
    this.input.end();
    await this.done;
    return { name: this.name, sha256: this.hash.digest('hex'), bytes: this.bytes };
  }
}

/** What syncFolder needs of an open folder: Node's FileHandle has both. */
export interface FolderHandle {
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** Opens a folder for syncFolder; tests pass one that watches the fsync. */
export type OpenFolder = (dir: string) => Promise<FolderHandle>;

const openFolderReadOnly: OpenFolder = (dir) => open(dir, 'r');

/**
 * Makes the folder's entries durable (the files' names, not only their bytes). Platforms that
 * cannot fsync a folder (Windows) are skipped: their file system commits names with the file.
 */
export async function syncFolder(dir: string, openFolder: OpenFolder = openFolderReadOnly): Promise<void> {
  const fh = await openFolder(dir);
  try {
    await fh.sync();
  } catch (err) {
    if (!['EISDIR', 'EPERM', 'EINVAL', 'EBADF'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    await fh.close();
  }
}

/** SHA-256 of a file, streamed. */
export async function sha256File(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** A campaign id or period as a file or folder name: anything but letters, digits, `.`, `_` and `-` becomes `_`. */
export function safeFileName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_');
}
