/**
 * `iam-review serve`: the long-running process (src/server/start-server.ts). SIGINT/SIGTERM
 * stop it cleanly: no new message is started, the scheduler and the Slack receiver stop, the
 * store closes.
 */
import { Command } from 'commander';
import { startServer } from '../server/start-server.js';
import type { CliContext } from './cli-context.js';

export function serveCommand(ctx: CliContext): Command {
  return new Command('serve')
    .description('run the scheduler (syncs, campaigns, reminders) and the Slack app (Socket Mode with SLACK_APP_TOKEN, else HTTP on PORT)')
    .action(async () => {
      const app = await ctx.app();
      const server = await startServer(app);
      ctx.io.err(server.summary);
      const signal = await new Promise<string>((resolve) => {
        const on = (sig: string) => {
          process.off('SIGINT', on);
          process.off('SIGTERM', on);
          resolve(sig);
        };
        process.on('SIGINT', on);
        process.on('SIGTERM', on);
      });
      app.log.info({ signal }, 'stopping');
      await server.stop();
      ctx.io.out(`Stopped (${signal}).`);
    });
}
