/**
 * `iam-review serve`: the long-running process (src/server/start-server.ts). SIGINT/SIGTERM
 * stop it cleanly: no new message or sync is started, a sync under way is stopped (stored as
 * failed: the current state stays as it was), the scheduler and the Slack receiver stop, the
 * store closes. A second signal exits at once.
 * stderr carries JSON log lines only (process warnings, a start failure and an uncaught error
 * included), the log stream a container or journald collects; the human lines (the start
 * summary, how it stopped) go to stdout.
 */
import { constants } from 'node:os';
import { Command } from 'commander';
import { logFatalErrors, logProcessWarnings } from '../logger.js';
import type { CliContext } from './cli-context.js';
import { CliError } from './cli-error.js';
import { exitCodeOf } from './exit-code-of.js';

export function serveCommand(ctx: CliContext): Command {
  return new Command('serve')
    .description('run the scheduler (syncs, campaigns, reminders) and the Slack app (Socket Mode with SLACK_APP_TOKEN, else HTTP on PORT)')
    .action(async () => {
      try {
        await serve(ctx);
      } catch (err) {
        throw reportedAsJson(ctx, err);
      }
    });
}

/**
 * A serve that cannot start or run (bad configuration, a port in use, an unreachable store):
 * one JSON line on stderr like every other (level 60, fatal), the plain reason on stdout, and
 * the exit code the CLI gives that error (2 for configuration, else 1).
 */
function reportedAsJson(ctx: CliContext, err: unknown): CliError {
  const message = err instanceof Error ? err.message : String(err);
  ctx.io.err(JSON.stringify({ level: 60, time: new Date().toISOString(), app: 'iam-review', err: { type: err instanceof Error ? err.name : typeof err, message }, msg: 'serve stopped' }));
  ctx.io.out(`error: ${message}`);
  return new CliError(message, exitCodeOf(err), true);
}

async function serve(ctx: CliContext): Promise<void> {
  // Imported here: the server (Bolt, express, prom-client) loads for `serve` only, not for every command.
  const { startServer } = await import('../server/start-server.js');
  const app = await ctx.app();
  const printWarnings = logProcessWarnings(app.log);
  const printFatal = logFatalErrors(app.log);
  // A second signal while stopping (a stop held by a connector that does not give up, an
  // operator who will not wait): exit at once. Whatever was in flight is left as the store
  // has it; the next start closes a run left running (stale runs) and resumes.
  const now = (sig: NodeJS.Signals) => {
    app.log.warn({ signal: sig }, 'second signal: exiting at once');
    ctx.io.out(`Second signal (${sig}): exiting at once, without waiting for the work in progress.`);
    process.exit(128 + (constants.signals[sig] ?? 15));
  };
  // Listening before the server starts: a signal during start-up (the start-up syncs begin
  // there) stops the server once it is up, instead of killing the process mid-write.
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      process.once('SIGINT', now);
      process.once('SIGTERM', now);
      app.log.info({ signal: sig }, 'stopping');
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
  const server = await startServer(app);
  ctx.io.out(server.summary);
  const signal = await signalled;
  await server.stop();
  process.off('SIGINT', now);
  process.off('SIGTERM', now);
  printWarnings();
  printFatal();
  ctx.io.out(`Stopped (${signal}).`);
}
