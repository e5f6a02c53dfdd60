import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The running iam-review's name and version, from its package.json (found by walking up
 * from this module, so it works from src/ under tsx and from dist/ alike). Written into
 * evidence manifests so an auditor knows which tool produced a pack.
 */
export function toolVersion(): { name: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'iam-review') return { name: pkg.name, version: pkg.version ?? '0.0.0' };
    }
    const parent = dirname(dir);
    if (parent === dir) return { name: 'iam-review', version: 'unknown' };
    dir = parent;
  }
}
