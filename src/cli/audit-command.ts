import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { auditVerify, auditVerifyLines } from '../audit/audit-verify.js';
import type { SignedCheckpoint } from '../audit/signed-checkpoint.js';
import { checkSignedCheckpoint, signCheckpoint } from '../audit/signed-checkpoint.js';
import type { SigningKey } from '../audit/signing-key.js';
import { loadSigningKey, readPublicKey, SigningKeyError } from '../audit/signing-key.js';
import { verifyExport } from '../audit/verify-export.js';
import type { PackVerification } from '../audit/verify-pack.js';
import { notAPackFolder, verifyPack } from '../audit/verify-pack.js';
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

/** `iam-review audit verify|head|log|verify-pack|verify-export|verify-checkpoint`: the hash-chained ledger and evidence packs, from the command line. */
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
    .option('--sign', 'print a checkpoint signed with IAM_REVIEW_SIGNING_KEY (JSON; check it with `audit verify-checkpoint`)')
    .action(async (opts: { json?: boolean; sign?: boolean }) => {
      const key = opts.sign ? signingKeyOrExit(ctx) : null;
      const app = await ctx.app({ readOnly: true });
      const head = await app.store.ledger.head();
      if (key) {
        if (!head) throw usageError('the ledger is empty: there is no head to sign');
        return ctx.io.out(JSON.stringify(signCheckpoint(key, head, app.now().toISOString())));
      }
      if (opts.json) return ctx.io.out(JSON.stringify(head));
      ctx.io.out(head ? `${head.seq}:${head.hash}` : 'The ledger is empty.');
    });

  cmd
    .command('verify-checkpoint <file>')
    .description('check a checkpoint printed by `audit head --sign` against the firm\'s public key (offline; exit 4 when it does not verify)')
    .requiredOption('--public-key <file>', 'the Ed25519 public key (PEM) the checkpoint must be signed with')
    .action(async (file: string, opts: { publicKey: string }) => {
      const publicKey = publicKeyOrExit(opts.publicKey);
      let checkpoint: SignedCheckpoint;
      try {
        checkpoint = JSON.parse(await readFile(resolve(file), 'utf8')) as SignedCheckpoint;
      } catch (error) {
        throw usageError(`cannot read the checkpoint ${file}: ${(error as Error).message}`);
      }
      const r = checkSignedCheckpoint(checkpoint, publicKey);
      if (!r.ok) throw new CliError(`checkpoint ${file} does not verify: ${r.problem}`, EXIT.ledgerBroken);
      ctx.io.out(`Checkpoint verified: seq ${r.seq} hash ${r.hash} at ${r.at}, signed with key ${r.keyId}. Check the ledger still holds it: iam-review audit verify --checkpoint ${r.seq}:${r.hash}`);
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
    .command('verify-pack <dir>')
    .description('check an evidence pack with no database (offline): manifest seal and signature, every file against manifest.json, events.csv re-chained (exit 4 on a mismatch, 2 when DIR is not a pack)')
    .option('--public-key <file>', 'the firm\'s Ed25519 public key (PEM): the manifest must be signed with it')
    .option('--json', 'print the result as JSON')
    .action(async (dir: string, opts: { publicKey?: string; json?: boolean }) => {
      const publicKey = opts.publicKey === undefined ? undefined : publicKeyOrExit(opts.publicKey);
      report(ctx, dir, await verifyPack(resolve(dir), { publicKey }), opts.json, ' offline');
    });

  cmd
    .command('verify-export <dir>')
    .description('check an evidence pack: what verify-pack checks, and the manifest against the ledger (exit 4 on a mismatch, 2 when DIR is not a pack or there is no database)')
    .option('--offline', 'check the folder alone, with no database: the same as `audit verify-pack`')
    .option('--public-key <file>', 'the firm\'s Ed25519 public key (PEM): the manifest must be signed with it')
    .option('--json', 'print the result as JSON')
    .action(async (dir: string, opts: { offline?: boolean; publicKey?: string; json?: boolean }) => {
      const publicKey = opts.publicKey === undefined ? undefined : publicKeyOrExit(opts.publicKey);
      const path = resolve(dir);
      if (opts.offline) return report(ctx, dir, await verifyPack(path, { publicKey }), opts.json, ' offline');
      // Not a pack: said before any database is looked for.
      const notAPack = await notAPackFolder(path);
      if (notAPack) throw usageError(notAPack);
      // Looked for before anything opens the store: a check must never create a database.
      const env = ctx.env();
      if (!env.MONGODB_URI && !existsSync(env.sqliteFile)) throw usageError(`no ledger at ${env.sqliteFile} (check IAM_REVIEW_DATA_DIR); to check the pack without the firm's database: iam-review audit verify-pack ${dir}`);
      const app = await ctx.app({ readOnly: true });
      report(ctx, dir, await verifyExport(path, app.store.ledger, { publicKey }), opts.json, '');
    });
  return cmd;
}

/**
 * Prints a pack's verification and ends with its exit code: 2 when DIR is not a pack, 4 when a
 * check failed. `how` follows "verified" in the last line (' offline' or nothing).
 */
function report(ctx: CliContext, dir: string, r: PackVerification, json: boolean | undefined, how: string): void {
  if (r.notAPack) throw usageError(`${r.notAPack}`);
  const signature = r.signedBy === null ? 'unknown (manifest unreadable)' : r.signedBy === 'unsigned' ? 'unsigned' : `signed, key id ${r.signedBy}`;
  if (json) ctx.io.out(JSON.stringify({ ok: r.ok, manifestSha256: r.manifestSha256, signature: r.signedBy, passed: r.passed, problems: r.problems }, null, 2));
  else {
    ctx.io.out([
      ...r.passed.map((l) => `ok    ${l}`), ...r.problems.map((l) => `FAIL  ${l}`),
      `Signature: ${signature}`,
      r.ok ? `Evidence pack verified${how}.` : `Evidence pack NOT verified: ${r.problems.length} problem(s).`,
    ].join('\n'));
  }
  if (!r.ok) throw new CliError(`evidence pack ${dir} failed verification: ${r.problems[0] ?? ''}`, EXIT.ledgerBroken);
}

function publicKeyOrExit(file: string) {
  try {
    return readPublicKey(resolve(file));
  } catch (error) {
    if (error instanceof SigningKeyError) throw usageError(error.message);
    throw error;
  }
}

function signingKeyOrExit(ctx: CliContext): SigningKey {
  let key: SigningKey | null;
  try {
    key = loadSigningKey(ctx.env().IAM_REVIEW_SIGNING_KEY);
  } catch (error) {
    if (error instanceof SigningKeyError) throw usageError(error.message);
    throw error;
  }
  if (!key) throw usageError('--sign needs IAM_REVIEW_SIGNING_KEY (an Ed25519 private key, PEM text or file: docs/evidence.md)');
  return key;
}
