import { createHash } from 'node:crypto';
import type { LoadedConfig } from './load-config.js';

/**
 * The fingerprint of a configuration: one SHA-256 over every config file's path and SHA-256
 * (connectors/, policies/, reviews/), in path order, one `<path> <sha256>\n` line each. The
 * `config.loaded` event carries it with the file list; `campaign.opened` carries the one in
 * force when the campaign opened (its `configHash`), so a report can name the policies a
 * campaign ran under.
 */
export function configHash(config: Pick<LoadedConfig, 'files'>): string {
  const h = createHash('sha256');
  for (const f of [...config.files].sort((a, b) => a.file.localeCompare(b.file))) h.update(`${f.file} ${f.sha256}\n`);
  return h.digest('hex');
}
