/**
 * The `baton` connector type: the grants of any system a ConductorOne baton connector reads
 * (baton-okta, baton-aws, baton-github, ...), from the JSON the `baton` CLI prints for a
 * connector's sync file: `baton grants --file sync.c1z --output-format=json`.
 *
 * It reads that JSON, not the c1z file: a c1z is a header ("C1ZF\0" or "C1Z3\0") and a zstd
 * payload that is either a SQLite database of binary protobuf records or, since the v3 format,
 * a Pebble store with a manifest (baton-sdk pkg/dotc1z/format.go, proto/c1/c1z/v3); the CLI's
 * JSON is the stable, documented face of it.
 *
 * The first page reads and maps the whole output (the CLI prints one JSON document); later
 * pages hand out the mapped grants. A failed read (a command that fails, times out or prints
 * cut-off JSON; a missing or stale file) fails the pull; entries that cannot be mapped are
 * problems, so the snapshot is partial (see baton-mappers.ts).
 */
import path from 'node:path';
import { ConnectorError } from '../connector.js';
import type { Connector, ConnectorContext, ConnectorType, GrantRecord, Page } from '../connector.js';
import { runBatonCommand } from './baton-command.js';
import { readBatonFile } from './baton-file.js';
import { mapBatonGrants } from './baton-mappers.js';
import { parseGrantList } from './baton-output.js';
import { batonSettingsSchema } from './baton-settings.js';
import type { BatonSettings } from './baton-settings.js';

export const BATON_PAGE_SIZE = 5000;

/** Variables every command gets, when iam-review has them: enough to find and run a program. */
const BASE_ENV = ['PATH', 'HOME', 'TMPDIR', 'LANG'] as const;

export const batonConnectorType: ConnectorType<BatonSettings> = {
  type: 'baton',
  settingsSchema: batonSettingsSchema,
  secretSettings: [],
  create(settings, ctx): Connector {
    const where = settings.path ?? `command \`${settings.command!.join(' ')}\``;
    let mapped: { items: GrantRecord[]; problems: string[] } | null = null;
    return {
      async listGrants(token, runCtx): Promise<Page<GrantRecord>> {
        let offset: number;
        if (token === null) {
          mapped = null;
          const text = await readOutput(settings, runCtx);
          mapped = mapBatonGrants(parseGrantList(text, where), { role: settings.role, unscopedResourceTypes: settings.unscopedResourceTypes, where });
          runCtx.log.debug('baton: grants read', { systemId: runCtx.systemId, grants: mapped.items.length, problems: mapped.problems.length });
          offset = 0;
        } else {
          const m = /^baton:(\d+)$/.exec(token);
          offset = m ? Number(m[1]) : -1;
          if (mapped === null || offset <= 0 || offset >= mapped.items.length) {
            throw new ConnectorError(`baton: page token ${JSON.stringify(token)} does not continue the current read; a baton sync must restart from the first page`);
          }
        }
        const end = offset + BATON_PAGE_SIZE;
        const page: Page<GrantRecord> = { items: mapped.items.slice(offset, end), nextToken: end < mapped.items.length ? `baton:${end}` : null };
        // Problems are reported once, with the first page.
        if (offset === 0 && mapped.problems.length > 0) page.problems = mapped.problems;
        return page;
      },
      close: async () => {
        mapped = null;
      },
    };

    async function readOutput(s: BatonSettings, runCtx: ConnectorContext): Promise<string> {
      if (s.path !== undefined) {
        return readBatonFile({ displayPath: s.path, absolutePath: path.resolve(ctx.configDir, s.path), maxAgeHours: s.maxAgeHours, now: runCtx.now() });
      }
      return runBatonCommand({
        argv: s.command!,
        cwd: ctx.configDir,
        env: commandEnv(s, runCtx),
        timeoutMs: s.timeoutSeconds * 1000,
        maxBytes: s.maxOutputMegabytes * 1_048_576,
        signal: runCtx.signal,
      });
    }
  },
};

/** The command's environment: the base variables iam-review has, and every `passEnv` one (which must be set). */
function commandEnv(s: BatonSettings, ctx: ConnectorContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of BASE_ENV) {
    const value = ctx.env(name);
    if (value !== undefined) env[name] = value;
  }
  for (const name of s.passEnv) {
    const value = ctx.env(name);
    if (value === undefined || value === '') throw new ConnectorError(`baton passEnv: environment variable ${name} is not set`);
    env[name] = value;
  }
  return env;
}
