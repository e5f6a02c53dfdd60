import { Command, Option } from 'commander';
import type { App } from '../app.js';
import { EVENT } from '../audit/event-types.js';
import type { Grant, LedgerEvent, Snapshot, SnapshotStatus } from '../domain/index.js';
import { SNAPSHOT_STATUSES } from '../domain/index.js';
import type { CliContext } from './cli-context.js';
import { usageError } from './cli-error.js';
import type { DiffCounts, GrantDiffLine, IdentityDiffLine } from './snapshot-diff.js';
import { diffGrants, diffIdentities } from './snapshot-diff.js';
import { quarantineCommands } from './sync-command.js';

/**
 * `iam-review snapshot list|show|diff`: read the stored snapshots (every sync stores one per
 * system, applied or not). Reads only: the store is opened read-only and nothing is ledgered.
 * `diff` is what an operator runs before `sync --accept-quarantined`: what the quarantined
 * snapshot would change in the current state.
 */
export function snapshotCommand(ctx: CliContext): Command {
  const cmd = new Command('snapshot').description('stored snapshots: list them, show one, diff one against the current state or another snapshot');
  const app = () => ctx.app({ readOnly: true });

  cmd
    .command('list')
    .description('list snapshots, newest first')
    .option('--system <id>', 'only this system')
    .addOption(new Option('--status <status>', 'only this status').choices([...SNAPSHOT_STATUSES]))
    .option('--limit <n>', 'at most this many', positiveInt, 50)
    .option('--json', 'print JSON')
    .action(async (opts: { system?: string; status?: SnapshotStatus; limit: number; json?: boolean }) => {
      const { store } = await app();
      const list = await store.snapshots.list({ systemId: opts.system, status: opts.status, limit: opts.limit });
      const current = new Set([...(await store.snapshots.currentAll()).values()].map((s) => s.id));
      if (opts.json) return ctx.io.out(JSON.stringify({ snapshots: list.map((s) => ({ ...s, current: current.has(s.id) })) }, null, 2));
      ctx.io.out(snapshotTable(list, current) + (list.length === opts.limit ? `\n(the newest ${opts.limit} shown: --limit N for more)` : ''));
    });

  cmd
    .command('show <id>')
    .description('one snapshot: status, counts, hash, why it was not applied, when and by whom')
    .option('--grants <n>', 'also list its first N grants (in grant id order)', nonNegativeInt, 0)
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { grants: number; json?: boolean }) => {
      const a = await app();
      const s = await requireSnapshot(a, id);
      const details = await snapshotDetails(a, s);
      const grants = opts.grants > 0 ? await firstGrants(a, s.id, opts.grants) : [];
      if (opts.json) return ctx.io.out(JSON.stringify({ ...details, ...(opts.grants > 0 ? { grants } : {}) }, null, 2));
      ctx.io.out(formatDetails(details, grants, opts.grants));
    });

  cmd
    .command('diff <id>')
    .description('grants added, removed and changed in a snapshot compared with its system\'s current state (or another snapshot)')
    .option('--against <current|id>', 'the snapshot to compare with: `current` (the system\'s current state) or a snapshot id', 'current')
    .option('--limit <n>', 'lines shown per kind (every line is counted)', positiveInt, 50)
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { against: string; limit: number; json?: boolean }) => {
      const a = await app();
      const to = await requireSnapshot(a, id);
      const from = opts.against === 'current' ? await a.store.snapshots.current(to.systemId) : await requireSnapshot(a, opts.against);
      if (from && from.systemId !== to.systemId) throw usageError(`snapshot "${from.id}" is of system ${from.systemId}, "${to.id}" of ${to.systemId}: only snapshots of one system can be compared`);
      for (const s of [to, from]) if (s && (await grantsPruned(a, s))) throw usageError(`the grants of snapshot "${s.id}" were pruned (only its counts, hash and recorded changes are kept): it cannot be compared`);
      const grants = await diffGrants(from ? a.store.snapshots.grants(from.id) : none(), a.store.snapshots.grants(to.id), opts.limit);
      const identities = diffIdentities(from ? await a.store.snapshots.identities(from.id) : [], await a.store.snapshots.identities(to.id), opts.limit);
      const result: DiffResult = { snapshot: to, against: from, grants: grants.counts, grantLines: grants.lines, identities: identities.counts, identityLines: identities.lines, limit: opts.limit };
      if (opts.json) return ctx.io.out(JSON.stringify(diffJson(result), null, 2));
      ctx.io.out(formatDiff(result));
    });

  // Subcommands report usage errors (a bad --status) like the top-level ones: through ctx.io, exit 2.
  for (const sub of cmd.commands) sub.exitOverride().configureOutput({ writeOut: (s) => ctx.io.out(s.trimEnd()), writeErr: (s) => ctx.io.err(s.trimEnd()) });
  return cmd;
}

/** What `snapshot show` tells: the record, plus what the ledger and the stored rows add. */
interface SnapshotDetails {
  snapshot: Snapshot;
  /** Whether it is its system's current state. */
  current: boolean;
  /** Who ran the sync that stored it and when it ended (its sync.* event), null while running. */
  syncedBy: string | null;
  syncedAt: string | null;
  /** When a quarantined snapshot was accepted (its sync.quarantine-accepted event); by whom is snapshot.acceptedBy. */
  acceptedAt: string | null;
  /** Grant rows still stored (superseded snapshots' rows are pruned; their counts and hash stay). */
  storedGrants: number;
  grantsPruned: boolean;
  /** For a quarantined snapshot: the commands to inspect and accept it. */
  inspect?: string;
  accept?: string;
}

interface DiffResult {
  snapshot: Snapshot;
  against: Snapshot | null;
  grants: DiffCounts;
  grantLines: GrantDiffLine[];
  identities: DiffCounts;
  identityLines: IdentityDiffLine[];
  limit: number;
}

async function requireSnapshot(app: App, id: string): Promise<Snapshot> {
  const s = await app.store.snapshots.get(id);
  if (!s) throw usageError(`no snapshot "${id}" (snapshot list shows them)`);
  return s;
}

async function grantsPruned(app: App, s: Snapshot): Promise<boolean> {
  return s.counts.grants > 0 && (await app.store.snapshots.countGrants(s.id)) === 0;
}

async function snapshotDetails(app: App, s: Snapshot): Promise<SnapshotDetails> {
  const current = (await app.store.snapshots.current(s.systemId))?.id === s.id;
  // The sync.* events of this system since the snapshot started: the one that finished it, and its acceptance.
  const events = await app.store.ledger.query({ type: 'sync.', subject: s.systemId, since: s.startedAt });
  const mine = (e: LedgerEvent) => e.data.snapshotId === s.id;
  const finished = events.find((e) => mine(e) && e.type !== EVENT.syncAccepted);
  const accepted = events.find((e) => mine(e) && e.type === EVENT.syncAccepted);
  const storedGrants = await app.store.snapshots.countGrants(s.id);
  return {
    snapshot: s,
    current,
    syncedBy: finished?.actor ?? null,
    syncedAt: finished?.at ?? null,
    acceptedAt: accepted?.at ?? null,
    storedGrants,
    grantsPruned: s.counts.grants > 0 && storedGrants === 0,
    ...(s.status === 'quarantined' ? quarantineCommands(s.id) : {}),
  };
}

async function firstGrants(app: App, snapshotId: string, n: number): Promise<Grant[]> {
  const out: Grant[] = [];
  for await (const batch of app.store.snapshots.grants(snapshotId, Math.min(n, 1000))) {
    out.push(...batch.slice(0, n - out.length));
    if (out.length >= n) break;
  }
  return out;
}

async function* none(): AsyncIterable<Grant[]> {}

function snapshotTable(list: readonly Snapshot[], current: ReadonlySet<string>): string {
  if (list.length === 0) return 'No snapshots.';
  const head = ['ID', 'SYSTEM', 'STATUS', 'GRANTS', '+ADDED', '-REMOVED', '~CHANGED', 'STARTED (UTC)'];
  const rows = list.map((s) => [s.id, s.systemId, s.status + (current.has(s.id) ? ' (current)' : ''), String(s.counts.grants), String(s.counts.added), String(s.counts.removed), String(s.counts.changed), utc(s.startedAt)]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

function formatDetails(d: SnapshotDetails, grants: readonly Grant[], asked: number): string {
  const s = d.snapshot;
  const c = s.counts;
  const state = d.current ? 'the current state of its system' : s.status === 'complete' ? 'superseded' : 'not applied';
  const lines = [
    `Snapshot ${s.id}`,
    `  System:    ${s.systemId}`,
    `  Status:    ${s.status} (${state})`,
    `  Started:   ${utc(s.startedAt)}`,
    `  Finished:  ${s.finishedAt ? `${utc(s.finishedAt)} (${((s.durationMs ?? 0) / 1000).toFixed(1)}s)` : 'not yet'}`,
    `  Synced by: ${d.syncedBy ?? 'unknown (no sync event in the ledger yet)'}`,
    ...(s.acceptedBy ? [`  Accepted:  by ${s.acceptedBy}${d.acceptedAt ? ` at ${utc(d.acceptedAt)}` : ''} (it was quarantined)`] : []),
    `  Counts:    ${c.identities} identities, ${c.accounts} accounts, ${c.grants} grants; against the previous state +${c.added} added, -${c.removed} removed, ~${c.changed} changed`,
    `  Previous:  ${s.previousSnapshotId ?? 'none (the first complete pull of this system)'}`,
    `  Hash:      ${s.contentHash ?? 'none'}`,
    `  Stored:    ${d.grantsPruned ? 'grant rows pruned (superseded; counts, hash and recorded changes are kept)' : `${d.storedGrants} grants`}`,
  ];
  if (s.problems.length > 0) lines.push(`  ${s.status === 'quarantined' ? 'Quarantined because' : 'Problems'}:`, ...s.problems.map((p) => `    - ${p}`));
  if (d.inspect && d.accept) lines.push('', `Inspect what it would change: ${d.inspect}`, `Apply it deliberately:        ${d.accept}`);
  if (asked > 0) {
    lines.push('', `Grants (first ${grants.length} of ${d.storedGrants}):`);
    for (const g of grants) lines.push(`  ${g.accountId}  ${roleOf(g)}  ${g.identityId ?? '(unowned)'}  ${g.accountStatus}`);
  }
  return lines.join('\n');
}

function formatDiff(r: DiffResult): string {
  const to = r.snapshot;
  const base = r.against ? `${r.against.id === to.id ? 'itself' : r.against.id} (${r.against.status}${r.against.acceptedBy ? ', accepted' : ''})` : `nothing (${to.systemId} has no current state)`;
  const lines = [`Snapshot ${to.id} (${to.systemId}, ${to.status}) against ${base}:`];
  const counts = (c: DiffCounts) => `+${c.added} added, -${c.removed} removed, ~${c.changed} changed`;
  lines.push(`  grants:     ${counts(r.grants)}`);
  const hasIdentities = r.identityLines.length > 0 || to.counts.identities > 0;
  if (hasIdentities) lines.push(`  identities: ${counts(r.identities)}`);
  if (r.grantLines.length > 0) lines.push('', 'Grants:');
  for (const l of r.grantLines) {
    const g = (l.after ?? l.before)!;
    const sign = { added: '+', removed: '-', changed: '~' }[l.kind];
    const what = l.kind === 'changed' ? `: ${l.fields.map((f) => `${f} ${show(l.before, f)} -> ${show(l.after, f)}`).join(', ')}` : `  ${g.identityId ?? '(unowned)'}  ${g.accountStatus}`;
    lines.push(`  ${sign} ${l.accountId}  ${roleOf(l)}${what}`);
  }
  if (r.identityLines.length > 0) lines.push('', 'Identities:');
  for (const l of r.identityLines) lines.push(`  ${{ added: '+', removed: '-', changed: '~' }[l.kind]} ${l.identityId}  ${l.displayName}${l.fields.length > 0 ? `: ${l.fields.join(', ')}` : ''}`);
  const cut = (['added', 'removed', 'changed'] as const).some((k) => r.grants[k] > r.limit || r.identities[k] > r.limit);
  if (cut) lines.push('', `(at most ${r.limit} lines of each kind shown: --limit N for more, --json for the record)`);
  if (to.status === 'quarantined') lines.push('', `Apply it deliberately: ${quarantineCommands(to.id).accept}`);
  return lines.join('\n');
}

/** The `--json` of `snapshot diff`: a public shape (scripts read it). */
function diffJson(r: DiffResult) {
  return {
    snapshot: { id: r.snapshot.id, systemId: r.snapshot.systemId, status: r.snapshot.status },
    against: r.against ? { id: r.against.id, status: r.against.status } : null,
    grants: { ...r.grants, lines: r.grantLines },
    identities: { ...r.identities, lines: r.identityLines },
    limit: r.limit,
  };
}

function show(g: Grant | null, field: string): string {
  const v = g ? (g as unknown as Record<string, unknown>)[field] : null;
  if (field === 'detail') return v == null ? '(none)' : '(detail)';
  return v == null || v === '' ? '(none)' : String(v);
}

function roleOf(g: { role: string; scope: string }): string {
  return g.role + (g.scope ? `@${g.scope}` : '');
}

function utc(iso: string): string {
  return iso.slice(0, 19).replace('T', ' ');
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw usageError(`expected a whole number of at least 1, got "${v}"`);
  return n;
}

function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw usageError(`expected a whole number, got "${v}"`);
  return n;
}
