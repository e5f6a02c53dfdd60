import { Command } from 'commander';
import type { SyncOutcome } from '../sync/sync-runner.js';
import { UnknownSystemError } from '../sync/sync-service.js';
import type { CliContext } from './cli-context.js';
import { CliError, EXIT, usageError } from './cli-error.js';
import { progressLine } from './progress-line.js';

/** `iam-review sync [--system ID] [--accept-quarantined SNAPSHOT] [--json]` */
export function syncCommand(ctx: CliContext): Command {
  return new Command('sync')
    .description('pull identities and grants from each system now; store a snapshot per system and apply the safe ones')
    .addHelpText('after', '\nExits 5 when a system was read only partially, 6 when a snapshot was quarantined (neither is applied;\nfailures exit 1 first). A quarantined snapshot is named with the commands to inspect and to accept it.')
    .option('--system <id>', 'sync only this system')
    .option('--accept-quarantined <snapshot-id>', 'apply a quarantined snapshot deliberately (recorded in the ledger)')
    .option('--as <email>', 'who runs it, for the ledger (default: IAM_REVIEW_OPERATOR, else the OS user@host)')
    .option('--json', 'print the outcome as JSON')
    .action(async (opts: { system?: string; acceptQuarantined?: string; as?: string; json?: boolean }) => {
      const operator = ctx.operator(opts.as);
      const app = await ctx.app();
      if (opts.acceptQuarantined) {
        await app.sync.acceptQuarantined(opts.acceptQuarantined, operator).catch((err: Error) => {
          throw usageError(err.message);
        });
        ctx.io.out(`Applied quarantined snapshot ${opts.acceptQuarantined} (accepted by ${operator}).`);
        return;
      }
      const outcomes = await runSync(ctx, operator, opts.system);
      if (opts.json) {
        ctx.io.out(JSON.stringify(outcomes.map((o) => (o.ok ? { systemId: o.systemId, applied: o.result.applied, snapshot: o.result.snapshot, ...(o.result.snapshot.status === 'quarantined' ? quarantineCommands(o.result.snapshot.id) : {}) } : o)), null, 2));
      } else {
        ctx.io.out(formatOutcomes(outcomes));
      }
      // The worst outcome decides: failed, then quarantined, then partial (each leaves that system's state unchanged).
      // Quarantined snapshots are named with the commands to inspect and accept them, whichever code wins.
      const hints = quarantineHints(outcomes);
      if (outcomes.some((o) => !o.ok || o.result.snapshot.status === 'failed')) {
        throw new CliError(['one or more systems failed to sync; their current state is unchanged', ...hints].join('\n'), EXIT.failure);
      }
      if (hints.length > 0) {
        throw new CliError(['one or more snapshots were quarantined and not applied; their current state is unchanged', ...hints].join('\n'), EXIT.syncQuarantined);
      }
      if (outcomes.some((o) => o.ok && o.result.snapshot.status === 'partial')) {
        throw new CliError('one or more systems were read only partially and not applied; their current state is unchanged', EXIT.syncPartial);
      }
    });
}

/** The commands to inspect and to accept a quarantined snapshot (in the message and in `--json`). */
export function quarantineCommands(snapshotId: string): { inspect: string; accept: string } {
  return { inspect: `iam-review snapshot diff ${snapshotId}`, accept: `iam-review sync --accept-quarantined ${snapshotId}` };
}

/** One block per quarantined snapshot: its system, why, and the two commands. */
function quarantineHints(outcomes: readonly SyncOutcome[]): string[] {
  return outcomes.flatMap((o) => {
    if (!o.ok || o.result.snapshot.status !== 'quarantined') return [];
    const s = o.result.snapshot;
    const commands = quarantineCommands(s.id);
    return [
      `  ${o.systemId}: snapshot ${s.id} quarantined: ${s.problems[0] ?? 'no reason recorded'}`,
      `    inspect: ${commands.inspect}`,
      `    accept:  ${commands.accept}`,
    ];
  });
}

/** Syncs every system (or one) with a progress line on a terminal. */
async function runSync(ctx: CliContext, operator: string, systemId?: string): Promise<SyncOutcome[]> {
  const app = await ctx.app();
  const progress = progressLine(ctx.io);
  try {
    return await app.sync.runConfigured(systemId, { actor: operator, onProgress: (p) => progress.update(`${p.systemId}: ${p.phase} ${p.records.toLocaleString('en')}`) });
  } catch (err) {
    if (err instanceof UnknownSystemError) throw usageError(err.message);
    throw err;
  } finally {
    progress.done();
  }
}

export function formatOutcomes(outcomes: readonly SyncOutcome[]): string {
  const lines = ['System                    Status        Identities   Grants  +Added  -Removed  ~Changed  Time'];
  const notes: string[] = [];
  for (const o of outcomes) {
    if (!o.ok) {
      lines.push(`${o.systemId.padEnd(25)} error`);
      notes.push(`  ${o.systemId}: ${o.error}`);
      continue;
    }
    const s = o.result.snapshot;
    const c = s.counts;
    lines.push(
      `${o.systemId.padEnd(25)} ${(s.status + (o.result.applied ? '' : '*')).padEnd(12)} ${String(c.identities).padStart(11)} ${String(c.grants).padStart(8)} ${String(c.added).padStart(7)} ${String(c.removed).padStart(9)} ${String(c.changed).padStart(9)}  ${((s.durationMs ?? 0) / 1000).toFixed(1)}s`,
    );
    if (!o.result.applied) notes.push(`  ${o.systemId}: ${s.status}, not applied (snapshot ${s.id}): ${s.problems.slice(0, 3).join('; ')}`);
  }
  if (notes.length > 0) lines.push('', '* not applied — the current state of these systems is unchanged:', ...notes);
  return lines.join('\n');
}
