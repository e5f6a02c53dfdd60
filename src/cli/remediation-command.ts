import { Command, Option } from 'commander';
import type { Remediation, RemediationState } from '../domain/index.js';
import { REMEDIATION_STATES } from '../domain/index.js';
import { RemediationError } from '../remediation/remediation-error.js';
import type { SystemRequests } from '../remediation/request-removals.js';
import type { VerifyResult } from '../remediation/verify-remediations.js';
import type { CliContext } from './cli-context.js';
import { CliError, EXIT, usageError } from './cli-error.js';

/**
 * `iam-review remediation list|show|claim|verify`: the work list of removals after revoke
 * decisions, an owner's claim that one is done, and verification against the systems'
 * current snapshots (only a snapshot verifies; a claim never does).
 */
export function remediationCommand(ctx: CliContext): Command {
  const cmd = new Command('remediation').description('removals of revoked access: list them, show one, claim one done, verify them against the current snapshots');

  cmd
    .command('list')
    .description('list remediations (by due time)')
    .addOption(new Option('--state <state>', 'only this state').choices([...REMEDIATION_STATES]))
    .option('--system <id>', 'only this system')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (opts: { state?: RemediationState; system?: string; format: 'table' | 'json' }) => {
      const app = await ctx.app();
      const list = await app.remediation.list({ state: opts.state, systemId: opts.system });
      if (opts.format === 'json') return ctx.io.out(JSON.stringify({ remediations: list.map(remediationJson) }, null, 2));
      ctx.io.out(remediationTable(list));
    });

  cmd
    .command('show <id>')
    .description('one remediation with its whole record')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const app = await ctx.app();
      const r = await app.remediation.get(id);
      if (!r) throw usageError(`no remediation "${id}" (remediation list shows them)`);
      if (opts.json) return ctx.io.out(JSON.stringify(r, null, 2));
      ctx.io.out(remediationDetails(r));
    });

  cmd
    .command('claim <id>')
    .description('say the grant is removed (attributed and ledgered; only a later snapshot verifies it)')
    .requiredOption('--as <email>', 'who removed it: the system owner or a security-team member')
    .option('--note <text>', 'what was done (ticket number, console change)')
    .option('--operator <email>', 'who enters the claim on their behalf, for the ledger (default: IAM_REVIEW_OPERATOR, else the OS user@host)')
    .action(async (id: string, opts: { as: string; note?: string; operator?: string }) => {
      const operator = ctx.operator(opts.operator);
      const app = await ctx.app();
      await app.recordConfig(app.loadConfig(), operator);
      const r = await app.remediation.claim(id, opts.as, opts.note ?? null, operator).catch(asCliError);
      ctx.io.out(`Claimed: ${r.id} (${r.systemId}:${r.accountId}:${r.role}) by ${r.claimedBy}. It is verified when a complete sync of ${r.systemId} no longer shows the grant.`);
    });

  cmd
    .command('verify')
    .description("check remediations against each system's current (complete, applied) snapshot: verified where the grant is gone, reappeared where it is back")
    .option('--system <id>', 'only this system')
    .option('--json', 'print JSON')
    .option('--as <email>', 'who runs it, for the ledger (default: IAM_REVIEW_OPERATOR, else the OS user@host)')
    .action(async (opts: { system?: string; json?: boolean; as?: string }) => {
      const operator = ctx.operator(opts.as);
      const app = await ctx.app();
      const results = await app.remediation.verifyCurrent(opts.system, operator);
      if (opts.json) return ctx.io.out(JSON.stringify(results, null, 2));
      ctx.io.out(formatVerify(results));
    });

  // Subcommands report usage errors (a bad --state) like the top-level ones: through ctx.io, exit 2.
  for (const sub of cmd.commands) sub.exitOverride().configureOutput({ writeOut: (s) => ctx.io.out(s.trimEnd()), writeErr: (s) => ctx.io.err(s.trimEnd()) });
  return cmd;
}

/**
 * `iam-review remediate [--system ID] [--dry-run|--apply]`: asks for the removals due a
 * request, each through its system's `remediation.mode` (a ticket, an automatic removal, a
 * message to the owner). A dry run (the default) prints the plan and sends nothing.
 */
export function remediateCommand(ctx: CliContext): Command {
  return new Command('remediate')
    .description("ask for the removals due a request, each through its system's remediation.mode (prints the plan unless --apply)")
    .option('--system <id>', 'only this system')
    .option('--dry-run', 'print what would be requested and send nothing (the default)')
    .option('--apply', 'send the requests and record them')
    .option('--json', 'print JSON')
    .option('--as <email>', 'who runs it, for the ledger (default: IAM_REVIEW_OPERATOR, else the OS user@host)')
    .action(async (opts: { system?: string; dryRun?: boolean; apply?: boolean; json?: boolean; as?: string }) => {
      if (opts.apply && opts.dryRun) throw usageError('--dry-run and --apply exclude each other');
      const operator = ctx.operator(opts.as);
      const app = await ctx.app();
      const known = app.loadConfig().systems.map((s) => s.id);
      if (opts.system !== undefined && !known.includes(opts.system)) throw usageError(`unknown system "${opts.system}" (known: ${known.join(', ')})`);
      if (opts.apply) await app.recordConfig(app.loadConfig(), operator);
      const results = await app.remediation.requestRemovals({ systemId: opts.system, dryRun: !opts.apply, actor: operator });
      if (opts.json) return ctx.io.out(JSON.stringify(results.map((r) => ({ ...r, due: r.due.map(remediationJson) })), null, 2));
      ctx.io.out(formatRequests(results, !opts.apply));
    });
}

/** The `--format json` row: a public shape (scripts read it). */
export function remediationJson(r: Remediation) {
  return {
    id: r.id,
    itemId: r.itemId,
    system: r.systemId,
    accountId: r.accountId,
    role: r.role,
    scope: r.scope,
    state: r.state,
    dueAt: r.dueAt,
    requestedAt: r.requestedAt,
    verifiedAt: r.verifiedAt,
    snapshotId: r.verifiedSnapshotId,
    reason: r.reason,
  };
}

function remediationTable(list: readonly Remediation[]): string {
  if (list.length === 0) return 'No remediations.';
  const rows = list.map((r) => [r.id, r.systemId, r.accountId, r.role + (r.scope ? `@${r.scope}` : ''), r.state, r.dueAt.slice(0, 16).replace('T', ' '), r.verifiedSnapshotId ?? '']);
  const head = ['ID', 'SYSTEM', 'ACCOUNT', 'ROLE', 'STATE', 'DUE (UTC)', 'VERIFIED BY'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

function remediationDetails(r: Remediation): string {
  const fields: [string, string | null][] = [
    ['id', r.id],
    ['state', r.state],
    ['grant', `${r.systemId}:${r.accountId}:${r.role}${r.scope ? `@${r.scope}` : ''} (${r.grantId})`],
    ['reason', `${r.reason.kind} ${r.reason.ref}`],
    ['requested by', r.requestedBy],
    ['opened', r.openedAt],
    ['due', r.dueAt],
    ['requested', r.requestedAt],
    ['claimed', r.claimedAt && `${r.claimedAt} by ${r.claimedBy}${r.claimNote ? ` (${r.claimNote})` : ''}`],
    ['overdue since', r.overdueAt],
    ['verified', r.verifiedAt && `${r.verifiedAt} by snapshot ${r.verifiedSnapshotId} (sha256 ${r.verifiedSnapshotHash ?? 'none'})`],
    ['reappeared', r.reappearedAt && `${r.reappearedAt} in snapshot ${r.reappearedSnapshotId}`],
    ['failure', r.failure],
  ];
  return fields
    .filter(([, value]) => value !== null)
    .map(([key, value]) => `${key.padEnd(14)} ${value}`)
    .join('\n');
}

function formatVerify(results: readonly VerifyResult[]): string {
  if (results.length === 0) return 'No system has a current snapshot yet: nothing to verify against.';
  return results.map((r) => `${r.systemId.padEnd(25)} ${r.skipped ? `skipped: ${r.skipped}` : `${r.verified} verified, ${r.reappeared} reappeared (snapshot ${r.snapshotId})`}`).join('\n');
}

function formatRequests(results: readonly SystemRequests[], dryRun: boolean): string {
  const lines: string[] = [];
  for (const r of results) {
    if (r.due.length === 0) continue;
    const head = `${r.systemId} (${r.mode})`;
    if (r.unavailable) lines.push(`${head}: ${r.due.length} due a request, not sent: ${r.unavailable}; they stay on \`remediation list\``);
    else if (dryRun) lines.push(`${head}: would request ${r.due.length}:`, ...r.due.map((d) => `  ${d.id}  ${d.accountId}:${d.role}${d.scope ? `@${d.scope}` : ''}  due ${d.dueAt}`));
    else lines.push(`${head}: ${r.requested} requested, ${r.failed} failed, ${r.skipped} not sent${r.notSent.length > 0 ? ` (${r.notSent.join('; ')})` : ''}`);
  }
  if (lines.length === 0) return 'No removal is due a request.';
  return [...lines, ...(dryRun ? ['Dry run: nothing was sent. Run with --apply to send the requests.'] : [])].join('\n');
}

/** A refused remediation operation: exit 2 for an unknown id, 1 for the rest. */
function asCliError(err: unknown): never {
  if (err instanceof RemediationError) throw new CliError(err.message, err.kind === 'not-found' ? EXIT.invalidInput : EXIT.failure);
  throw err;
}
