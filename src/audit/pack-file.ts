import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

export interface PackFileInfo {
  name: string;
  sha256: string;
  bytes: number;
}

/** Bytes a PackFile gathers before each write to disk. */
const BUFFER_BYTES = 1 << 20;

const utf8 = new TextEncoder();

/**
 * One file of an evidence pack: text is encoded (UTF-8) into one buffer of the file's own,
 * which is hashed (SHA-256) and written to disk each time it is full, so the manifest's hash
 * costs no second read, memory stays flat however many rows pass through, and writing makes
 * no garbage: a Buffer per write, kept alive by the write queue until a full collection,
 * held up to 40 MB of a 1M-item export's peak. Each write() of text is encoded on its own,
 * as Buffer.from(text) would (a surrogate pair split across two writes is two U+FFFD).
 * `close` returns once the file is fsynced and closed: an export is ledgered only when its
 * files would survive a crash. An error (the file cannot be opened or written) surfaces
 * through write() or close().
 */
export class PackFile {
  private readonly handle: Promise<FileHandle>;
  private readonly hash = createHash('sha256');
  private readonly buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;
  private bytes = 0;

  constructor(
    dir: string,
    readonly name: string,
  ) {
    this.handle = open(join(dir, name), 'w');
    // Errors surface through write() or close(); keep them from being reported as unhandled meanwhile.
    this.handle.catch(() => undefined);
  }

  /** Writes text (UTF-8); waits only when the buffer is full and goes to disk. */
  async write(text: string): Promise<void> {
    let rest = text;
    for (;;) {
      // Whole characters only: what does not fit is written after the buffer is emptied.
      const { read, written } = utf8.encodeInto(rest, this.buffer.subarray(this.used));
      this.used += written;
      if (read === rest.length) return;
      rest = rest.slice(read);
      await this.flush();
    }
  }

  /** The buffer's bytes hashed and written, then the buffer is empty. */
  private async flush(): Promise<void> {
    const fh = await this.handle;
    const bytes = this.buffer.subarray(0, this.used);
    this.hash.update(bytes);
    for (let offset = 0; offset < bytes.length; ) offset += (await fh.write(bytes, offset, bytes.length - offset)).bytesWritten;
    this.bytes += bytes.length;
    this.used = 0;
  }

  async close(): Promise<PackFileInfo> {
    const fh = await this.handle;
    try {
      await this.flush();
      await fh.sync();
    } finally {
      await fh.close();
    }
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
