import { resolve } from 'node:path';
import { Command } from 'commander';
import { auditVerify, auditVerifyLines } from '../audit/audit-verify.js';
import { verifyExport } from '../audit/verify-export.js';
import { parseCheckpoint } from '../audit/verify-ledger.js';
import { ledgerLocation } from '../app.js';
import type { CliContext } from './cli-context.js';
import { CliError, EXIT, usageError } from './cli-error.js';

function positiveInt(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1) throw usageError(`${name} must be a positive integer, got "${value}"`);
    return Number(value);
  };
}

function isoTime(name: string) {
  return (value: string): string => {
    const t = Date.parse(value);
    if (Number.isNaN(t)) throw usageError(`${name} must be an ISO date or time, got "${value}"`);
    return new Date(t).toISOString();
  };
}

/** `iam-review audit verify|head|log|verify-export`: the hash-chained ledger, from the command line. */
export function auditCommand(ctx: CliContext): Command {
  const cmd = new Command('audit').description('the tamper-evident audit ledger: verify the chain, print its head, list events, check an evidence pack');

  cmd
    .command('verify')
    .description('recompute the hash chain, then reconcile the state tables with the ledger (exit 4 on a break or a difference)')
    .option('--from <seq>', 'start at this seq (the event before it is the anchor)', positiveInt('--from'))
    .option('--checkpoint <seq:hash>', 'a head printed earlier by `audit head`: it must still be in the chain (catches a truncated tail)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { from?: number; checkpoint?: string; json?: boolean }) => {
      const checkpoint = opts.checkpoint === undefined ? undefined : parseCheckpoint(opts.checkpoint);
      if (checkpoint === null) throw usageError(`--checkpoint must be SEQ:HASH as printed by \`audit head\`, got "${opts.checkpoint}"`);
      const app = await ctx.app({ readOnly: true });
      const v = await auditVerify(app.store, { from: opts.from, checkpoint });
      const r = v.chain;
      // Nothing to verify is not a pass: a new or mistyped data folder must not read as "intact".
      if (r.ok && r.checked === 0 && r.last === null) throw usageError(`no ledger at ${ledgerLocation(app.env)}: it has no events (check IAM_REVIEW_DATA_DIR)`);
      const state = v.state;
      if (opts.json) ctx.io.out(JSON.stringify(state ? { ...r, ok: state.ok, reconciliation: state } : r, null, 2));
      else ctx.io.out(auditVerifyLines(v).join('\n'));
      if (!r.ok) throw new CliError(`audit ledger broken at seq ${r.break!.seq}`, EXIT.ledgerBroken);
      if (state && !state.ok) throw new CliError(`state and ledger disagree: ${state.count} difference(s), the first: ${state.differences[0]!.message}`, EXIT.ledgerBroken);
    });

  cmd
    .command('head')
    .description('print the current seq and hash as SEQ:HASH: write it down or publish it as a checkpoint')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const head = await (await ctx.app({ readOnly: true })).store.ledger.head();
      if (opts.json) return ctx.io.out(JSON.stringify(head));
      ctx.io.out(head ? `${head.seq}:${head.hash}` : 'The ledger is empty.');
    });

  cmd
    .command('log')
    .description('list ledger events, oldest first')
    .option('--since <iso>', 'events at or after this time', isoTime('--since'))
    .option('--until <iso>', 'events before this time', isoTime('--until'))
    .option('--type <prefix>', "event type or prefix: 'decision.recorded', 'campaign.'")
    .option('--subject <id>', 'events about one subject (a campaign, item or system id)')
    .option('--limit <n>', 'at most this many events', positiveInt('--limit'))
    .option('--json', 'print JSON lines (one event per line)')
    .action(async (opts: { since?: string; until?: string; type?: string; subject?: string; limit?: number; json?: boolean }) => {
      const app = await ctx.app({ readOnly: true });
      const events = await app.store.ledger.query({ since: opts.since, until: opts.until, type: opts.type, subject: opts.subject, limit: opts.limit });
      if (opts.json) {
        for (const e of events) ctx.io.out(JSON.stringify(e));
        return;
      }
      if (events.length === 0) return ctx.io.out('No events.');
      for (const e of events) ctx.io.out(`${String(e.seq).padStart(7)}  ${e.at}  ${e.type.padEnd(22)} ${e.actor.padEnd(28)} ${e.subject}  ${JSON.stringify(e.data)}`);
    });

  cmd
    .command('verify-export <dir>')
    .description('check an evidence pack: its files against manifest.json, and the manifest against the ledger (exit 4 on a mismatch)')
    .option('--json', 'print the result as JSON')
    .action(async (dir: string, opts: { json?: boolean }) => {
      const app = await ctx.app({ readOnly: true });
      const r = await verifyExport(resolve(dir), app.store.ledger);
      if (opts.json) ctx.io.out(JSON.stringify({ ok: r.ok, manifestSha256: r.manifestSha256, passed: r.passed, problems: r.problems }, null, 2));
      else ctx.io.out([...r.passed.map((l) => `ok    ${l}`), ...r.problems.map((l) => `FAIL  ${l}`), r.ok ? 'Evidence pack verified.' : `Evidence pack NOT verified: ${r.problems.length} problem(s).`].join('\n'));
      if (!r.ok) throw new CliError(`evidence pack ${dir} failed verification`, EXIT.ledgerBroken);
    });
  return cmd;
}
