/**
 * Reconciling 1M review items with the ledger (issue 12): a closed campaign of 1M items, 90%
 * decided, with their events (one item.assigned per item, one decision.recorded per decision,
 * as the engine writes them), then `audit verify` as the CLI runs it: the hash chain with the
 * reconciliation sharing its read of the ledger, then the rows (items with their decisions,
 * through the store's paged reader).
 * Baseline, same run: the hash chain verification alone (verifyLedger) over the same ledger.
 * Target: <= 2x (wall time; CPU time, user + system, is reported beside it); peak RSS <= 700 MB. Each figure is the fastest of RUNS runs, alternated, in a process of its own
 * (peak RSS is the verification's). Seeding, in another process, writes rows with plain SQL and
 * events through the ledger port (a fixture, not the path measured).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { LedgerReconciler } from '../src/audit/reconcile-ledger.js';
import { verifyLedger } from '../src/audit/verify-ledger.js';
import type { LedgerEventInput } from '../src/domain/index.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { peakRssMb, result } from './bench-result.js';
import type { BenchResult } from './bench-result.js';

const CAMPAIGN = 'quarterly-critical:2026-Q4';
const SYSTEMS = ['custody-wallet', 'trading', 'kms', 'exchange'];
const ROLES = ['VIEWER', 'TRADER', 'SIGNER', 'APPROVER', 'ADMIN'];
const BATCH = 10_000;
const RUNS = 2;
const T0 = Date.parse('2026-10-01T09:00:00.000Z');
/** Peak RSS of the measuring process (462 MB measured at 1M items; 1.35-1.68 GB while the replay kept JS objects per item). */
const RSS_LIMIT_MB = 700;

function grantOf(i: number): string {
  return `g_${(Math.imul(i, 2654435761) >>> 0).toString(16).padStart(8, '0')}${i.toString(16).padStart(24, '0')}`;
}

const itemOf = (i: number) => `${CAMPAIGN}/${grantOf(i)}`;
const decided = (i: number) => i % 10 !== 0;
const revoked = (i: number) => i % 9 === 0;

function assigned(i: number): LedgerEventInput {
  return {
    type: 'item.assigned', actor: 'scheduler', subject: itemOf(i), at: new Date(T0 + i).toISOString(),
    data: { campaignId: CAMPAIGN, grantId: grantOf(i), systemId: SYSTEMS[i % SYSTEMS.length], accountId: `acc-${i}`, role: ROLES[i % ROLES.length], reviewerId: `E${i % 200}`, reviewerSource: 'manager', findings: [] },
  };
}

function decision(i: number): LedgerEventInput {
  const outcome = revoked(i) ? 'revoke' : 'approve';
  return {
    type: 'decision.recorded', actor: `person${i % 200}@firm.example`, subject: itemOf(i), at: new Date(T0 + 86_400_000 + i).toISOString(),
    data: { campaignId: CAMPAIGN, outcome, state: revoked(i) ? 'revoked' : 'approved', reviewerId: `E${i % 200}`, reviewerSlackId: null, channel: 'slack', justification: revoked(i) ? 'No longer needed for the role.' : null, findings: [], simulated: false },
  };
}

async function seed(file: string, n: number): Promise<void> {
  const store = openSqliteStore({ file });
  await store.campaigns.create({ id: CAMPAIGN, reviewId: 'quarterly-critical', period: '2026-Q4', name: 'Quarterly review', state: 'closed', openedAt: '2026-10-01T09:00:00.000Z', dueAt: '2026-10-15T09:00:00.000Z', closedAt: '2026-10-16T09:00:00.000Z', openedBy: 'scheduler' });
  for (let from = 0; from < n; from += BATCH) await store.ledger.append(Array.from({ length: Math.min(BATCH, n - from) }, (_, k) => assigned(from + k)));
  await store.ledger.append([{ type: 'campaign.opened', actor: 'scheduler', subject: CAMPAIGN, data: { reviewId: 'quarterly-critical', period: '2026-Q4', dueAt: '2026-10-15T09:00:00.000Z', items: n } }]);
  for (let from = 0; from < n; from += BATCH) {
    const batch: LedgerEventInput[] = [];
    for (let i = from; i < Math.min(n, from + BATCH); i++) if (decided(i)) batch.push(decision(i));
    await store.ledger.append(batch);
  }
  await store.ledger.append([{ type: 'campaign.closed', actor: 'scheduler', subject: CAMPAIGN, data: {} }]);
  await store.close();

  const db = new Database(file);
  const item = db.prepare(`INSERT INTO review_items (id, campaign_id, grant_id, system_id, account_id, role, scope, identity_id, reviewer_id, reviewer_source, state, findings, last_activity_at, decision_id, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, '', ?, ?, 'manager', ?, '[]', NULL, ?, '2026-10-10T00:00:00.000Z')`);
  const dec = db.prepare(`INSERT INTO decisions (id, item_id, campaign_id, outcome, reviewer_id, reviewer_email, reviewer_slack_id, channel, justification, decided_at, findings_at_decision, simulated)
    VALUES (?, ?, ?, ?, ?, ?, NULL, 'slack', ?, ?, '[]', 0)`);
  const rows = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const id = itemOf(i);
      const state = !decided(i) ? 'expired' : revoked(i) ? 'revoked' : 'approved';
      item.run(id, CAMPAIGN, grantOf(i), SYSTEMS[i % SYSTEMS.length]!, `acc-${i}`, ROLES[i % ROLES.length]!, `E${i % 2000}`, `E${i % 200}`, state, decided(i) ? id : null);
      if (decided(i)) dec.run(id, id, CAMPAIGN, revoked(i) ? 'revoke' : 'approve', `E${i % 200}`, `person${i % 200}@firm.example`, revoked(i) ? 'No longer needed for the role.' : null, new Date(T0 + 86_400_000 + i).toISOString());
    }
  });
  for (let from = 0; from < n; from += BATCH) rows(from, Math.min(n, from + BATCH));
  // The item.expired events of the undecided items, as closing writes them.
  db.close();
  const again = openSqliteStore({ file });
  for (let from = 0; from < n; from += BATCH) {
    const batch: LedgerEventInput[] = [];
    for (let i = from; i < Math.min(n, from + BATCH); i++) if (!decided(i)) batch.push({ type: 'item.expired', actor: 'scheduler', subject: itemOf(i), data: { campaignId: CAMPAIGN, reviewerId: `E${i % 200}` } });
    await again.ledger.append(batch);
  }
  await again.close();
}

interface Measured {
  chainMs: number;
  fullMs: number;
  /** CPU time (user + system, every thread of the process) of the same runs. */
  chainCpuMs: number;
  fullCpuMs: number;
  events: number;
  peakRssMb: number;
}

/** CPU time (user + system) of this process, all threads, in ms. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** The measured part, in its own process (its peak RSS is the verification's alone): RUNS runs of each, alternated. */
async function measure(file: string, n: number): Promise<Measured> {
  let chainMs = Infinity;
  let fullMs = Infinity;
  let chainCpuMs = Infinity;
  let fullCpuMs = Infinity;
  let events = 0;
  for (let run = 0; run < RUNS; run++) {
    const store = openSqliteStore({ file, readonly: true });
    try {
      let start = performance.now();
      let cpu = cpuMs();
      const chain = await verifyLedger(store.ledger);
      chainMs = Math.min(chainMs, performance.now() - start);
      chainCpuMs = Math.min(chainCpuMs, cpuMs() - cpu);
      if (!chain.ok) throw new Error(`chain broken: ${JSON.stringify(chain.break)}`);
      events = chain.checked;

      start = performance.now();
      cpu = cpuMs();
      const reconciler = new LedgerReconciler();
      const verified = await verifyLedger(store.ledger, { onEvents: (batch) => reconciler.storedEvents(batch) });
      const state = await reconciler.compare(store);
      fullMs = Math.min(fullMs, performance.now() - start);
      fullCpuMs = Math.min(fullCpuMs, cpuMs() - cpu);
      if (!verified.ok || !state.ok || state.checked.items !== n) throw new Error(`reconciliation failed: ${JSON.stringify({ break: verified.break, count: state.count, first: state.differences.slice(0, 3), checked: state.checked })}`);
    } finally {
      await store.close();
    }
  }
  return { chainMs, fullMs, chainCpuMs, fullCpuMs, events, peakRssMb: peakRssMb() };
}

function child(args: string[]): Promise<Measured | null> {
  return new Promise((resolve, reject) => {
    const c = fork(fileURLToPath(import.meta.url), args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let got: Measured | null = null;
    c.on('message', (m) => (got = m as Measured));
    c.on('error', reject);
    c.on('exit', (code) => (code === 0 ? resolve(got) : reject(new Error(`bench child ${args.join(' ')} exited ${code}`))));
  });
}

export async function benchReconcile(opts: { n?: number } = {}): Promise<BenchResult[]> {
  const n = opts.n ?? 1_000_000;
  const dir = mkdtempSync(join(tmpdir(), 'iam-bench-reconcile-'));
  try {
    const file = join(dir, 'reconcile.db');
    await child(['seed', file, String(n)]);
    const m = (await child(['measure', file, String(n)]))!;
    const r = result('reconcile', n, m.chainMs, m.fullMs, 2, {
      events: m.events,
      runs: RUNS,
      cpu_ref_ms: Math.round(m.chainCpuMs),
      cpu_case_ms: Math.round(m.fullCpuMs),
      cpu_ratio: Number((m.fullCpuMs / m.chainCpuMs).toFixed(2)),
      baseline: '`audit verify` alone: the hash chain verification over the same ledger',
    });
    r.peak_rss_mb = m.peakRssMb;
    r.rss_limit_mb = RSS_LIMIT_MB;
    r.pass = r.pass && m.peakRssMb <= RSS_LIMIT_MB;
    return [r];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// As a child process: `seed <file> <n>` or `measure <file> <n>`.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [mode, file, n] = process.argv.slice(2);
  if (mode === 'seed') await seed(file!, Number(n));
  else if (mode === 'measure') process.send!(await measure(file!, Number(n)));
  else throw new Error(`unknown mode ${mode}`);
}
