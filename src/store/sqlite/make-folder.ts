import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Creates a folder and its missing parents, one level at a time. Node's recursive mkdir loops
 * for good where a parent exists but refuses children with ENOENT (/proc, /sys): this fails
 * instead, naming the folder and the reason.
 */
export function makeFolder(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    let isFolder: boolean;
    try {
      isFolder = statSync(d).isDirectory();
    } catch (error) {
      // ENOTDIR: a file further up; the walk finds and names it.
      if (!['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
      if (dirname(d) === d) break;
      missing.push(d);
      continue;
    }
    if (!isFolder) throw new Error(`cannot create the data folder ${dir}: ${d} is not a folder`);
    break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      throw new Error(`cannot create the data folder ${dir}: mkdir ${d} failed (${code ?? (error as Error).message})`, { cause: error });
    }
  }
}
