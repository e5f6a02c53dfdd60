/**
 * The `iam-review` command line. `run(argv)` returns the exit code instead of exiting,
 * so tests drive it in-process:
 *   0 success, 1 failure, 2 invalid input or config (names file, line, key),
 *   3 findings at or above --fail-on, 4 audit ledger broken,
 *   5 a sync read a system only partially, 6 a sync quarantined a snapshot (neither applied;
 *   the worst outcome of all systems decides: 1, then 6, then 5).
 * The same list is printed by `--help` (EXIT_CODES_HELP) and written in the README.
 */
import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import type { App, AppOptions } from './app.js';
import { openApp } from './app.js';
import type { Env } from './config/env.js';
import { loadDotEnv, loadEnv } from './config/env.js';
import type { CliContext } from './cli/cli-context.js';
import { CliError, EXIT, EXIT_CODES_HELP } from './cli/cli-error.js';
import { resolveOperator } from './cli/cli-operator.js';
import { exitCodeOf } from './cli/exit-code-of.js';
import type { CliIo } from './cli/cli-io.js';
import { processIo, quietOnClosedPipes } from './cli/cli-io.js';
import { auditCommand } from './cli/audit-command.js';
import { campaignCommand } from './cli/campaign-command.js';
import { checkCommand } from './cli/check-command.js';
import { coverageCommand } from './cli/coverage-command.js';
import { demoCommand } from './cli/demo-command.js';
import { exportCommand } from './cli/export-command.js';
import { initCommand } from './cli/init-command.js';
import { decideCommand } from './cli/decide-command.js';
import { remediateCommand, remediationCommand } from './cli/remediation-command.js';
import { serveCommand } from './cli/serve-command.js';
import { snapshotCommand } from './cli/snapshot-command.js';
import { syncCommand } from './cli/sync-command.js';
import { validateCommand } from './cli/validate-command.js';

export interface RunOptions {
  io?: CliIo;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Opens the app; tests inject one with a fixed clock or a prepared store. */
  openApp?: (env: Env, opts: AppOptions) => Promise<App>;
}

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('iam-review')
    .description('Access reviews for MiCAR/DORA: connectors -> policies -> Slack reviews -> hash-chained audit ledger')
    .version(process.env.npm_package_version ?? '0.1.0')
    .option('--force', 'use a data folder first used with another config folder (the move is ledgered); `init`: overwrite its files')
    .showHelpAfterError()
    .addHelpText('after', '\n' + EXIT_CODES_HELP)
    .exitOverride();
  program.hook('preAction', () => {
    ctx.force = program.opts<{ force?: boolean }>().force === true;
  });
  program.configureOutput({ writeOut: (s) => ctx.io.out(s.trimEnd()), writeErr: (s) => ctx.io.err(s.trimEnd()) });
  for (const make of [initCommand, validateCommand, syncCommand, snapshotCommand, checkCommand, coverageCommand, campaignCommand, decideCommand, remediationCommand, remediateCommand, auditCommand, exportCommand, serveCommand, demoCommand]) {
    const cmd = make(ctx);
    cmd.exitOverride().configureOutput({ writeOut: (s) => ctx.io.out(s.trimEnd()), writeErr: (s) => ctx.io.err(s.trimEnd()) });
    program.addCommand(cmd);
  }
  return program;
}

export async function run(argv: string[], opts: RunOptions = {}): Promise<number> {
  const io = opts.io ?? processIo;
  if (!opts.env) loadDotEnv(opts.cwd);
  let env: Env | undefined;
  let app: App | undefined;
  const ctx: CliContext = {
    io,
    env: () => (env ??= loadEnv(opts.env ?? process.env, opts.cwd)),
    force: false,
    operator: (flag) => resolveOperator(flag, ctx.env().IAM_REVIEW_OPERATOR),
    app: async (o) => (app ??= await (opts.openApp ?? ((e, oo) => openApp(e, oo)))(ctx.env(), { adoptConfigDir: ctx.force, readOnly: o?.readOnly, ...(o?.now ? { now: o.now } : {}) })),
  };
  try {
    await buildProgram(ctx).parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    return reportError(err, io);
  } finally {
    await app?.close();
  }
}

function reportError(err: unknown, io: CliIo): number {
  if (err instanceof CommanderError) {
    // --help and --version end with code 0; a usage error with 1 by commander's default: ours is 2.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return EXIT.ok;
    return EXIT.invalidInput;
  }
  if (err instanceof CliError && err.reported) return err.exitCode;
  const code = exitCodeOf(err);
  io.err(`error: ${err instanceof Error ? err.message : String(err)}`);
  // An unexpected error (not bad input, not one a command raised on purpose): its stack helps.
  if (code === EXIT.failure && !(err instanceof CliError) && process.env.LOG_LEVEL === 'debug' && err instanceof Error && err.stack) io.err(err.stack);
  return code;
}

/** The process entry point (the package bin and `tsx src/cli.ts`): a closed stdout pipe ends output quietly. */
export async function main(argv: string[] = process.argv): Promise<number> {
  quietOnClosedPipes();
  return run(argv);
}

// Run when executed directly (`tsx src/cli.ts ...`); the package bin calls main() itself.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main();
}
