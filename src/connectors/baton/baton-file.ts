/**
 * Reads the output of a scheduled `baton grants --output-format=json > FILE` run. A file
 * older than `maxAgeHours` (the job stopped) or missing fails the pull; a file cut off by an
 * interrupted write fails when parsed (see parseGrantList). Write it atomically (to a temporary
 * name, then rename) so a pull never reads it half-written.
 */
import { readFile, stat } from 'node:fs/promises';
import { ConnectorError } from '../connector.js';

export interface BatonFileOptions {
  /** As configured, for messages. */
  displayPath: string;
  absolutePath: string;
  maxAgeHours: number | undefined;
  now: Date;
}

export async function readBatonFile(opts: BatonFileOptions): Promise<string> {
  const { displayPath, absolutePath } = opts;
  try {
    if (opts.maxAgeHours !== undefined) {
      const { mtime } = await stat(absolutePath);
      const ageHours = (opts.now.getTime() - mtime.getTime()) / 3_600_000;
      if (ageHours > opts.maxAgeHours) {
        throw new ConnectorError(
          `${displayPath}: last written ${mtime.toISOString()} (${ageHours.toFixed(1)} h ago), older than maxAgeHours ${opts.maxAgeHours}: the scheduled baton run that writes it has stopped`,
        );
      }
    }
    return await readFile(absolutePath, 'utf8');
  } catch (err) {
    if (err instanceof ConnectorError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConnectorError(`${displayPath}: cannot read ${absolutePath} (${code})`, { cause: err });
  }
}
