/**
 * Verifying 100k remediations against a 1M-grant snapshot (issue 13): 100k remediations of the
 * trading system awaiting removal (half `open`, half `requested`), and a complete, applied
 * snapshot of 1M grants that still holds 5% of their grants. Measured: the sync's afterApplied
 * verification as the app runs it (app.remediation.verifyApplied on the SQLite store), which
 * moves 95k remediations to `verified`, each with its ledger event.
 * Baseline, same run: reading the same snapshot's grant keys alone through the store's cheapest
 * read of a whole snapshot (scanGrants), keeping the ids. For scale, the result also gives the
 * ids read with plain SQL (one covering-index range scan, which no store port offers).
 * Target: CPU time (user + system, every thread) <= 1.5x; peak RSS of the verifying process
 * <= 600 MB. Wall times are reported beside it. Baseline and verification run RUNS times,
 * alternated, each in a process of its own; each figure is the fastest. A verification changes
 * what it verified, so each run verifies a fresh copy of the seeded store.
 * Seeding, in another process, writes the snapshot's grant rows with plain SQL and the rest
 * through the store's ports: the snapshot finished and promoted, the remediations opened and
 * half of them requested, with their events (a fixture, not the path measured).
 */
import { fork } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { openApp } from '../src/app.js';
import { AuditLog } from '../src/audit/audit-log.js';
import { EVENT } from '../src/audit/event-types.js';
import { loadEnv } from '../src/config/env.js';
import { EMPTY_COUNTS, grantId, remediationId } from '../src/domain/index.js';
import type { Grant, Remediation, Snapshot } from '../src/domain/index.js';
import { createLogger } from '../src/logger.js';
import { openedEvent, requestedEvent } from '../src/remediation/remediation-events.js';
import type { VerifyOutcome } from '../src/remediation/remediation-service.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { peakRssMb, result } from './bench-result.js';
import type { BenchResult } from './bench-result.js';

/** A system of the sample firm (the repository's own config folder): manual mode, no Slack here. */
const SYSTEM = 'trading';
const SNAPSHOT = 'trading@bench';
const ROLES = ['VIEWER', 'TRADER', 'SIGNER', 'APPROVER', 'EDITOR', 'ADMIN', 'AUDITOR', 'OPERATOR'];
const BATCH = 10_000;
const CPU_TARGET = 1.5;
const RSS_LIMIT_MB = 600;
const CONFIG_DIR = fileURLToPath(new URL('..', import.meta.url));
const OPENED_AT = '2026-10-01T09:00:00.000Z';
const VERIFIED_AT = '2026-10-09T09:00:00.000Z';
/** Runs of the baseline and of the verification, alternated; each figure is the fastest. */
const RUNS = 2;
const verifiedAt = Date.parse(VERIFIED_AT);

function grantAt(i: number): Grant {
  const accountId = `acc-${i}`;
  const role = ROLES[i % ROLES.length]!;
  const scope = `desk-${i % 50}`;
  return {
    id: grantId(SYSTEM, accountId, role, scope), systemId: SYSTEM, accountId, role, scope, identityId: `E${i % 20_000}`, identityRef: `user${i % 20_000}@example.com`,
    accountDisplayName: `Account ${i}`, accountType: 'human', accountStatus: 'active', lastActivityAt: '2026-10-01', firstSeenAt: OPENED_AT,
  };
}

/** Remediation k's grant: one of the snapshot's for every 20th (5% still present), else one the snapshot no longer holds. */
const stillPresent = (k: number) => k % 20 === 0;
function remediationAt(k: number, grantsInSnapshot: number): Remediation {
  const present = stillPresent(k);
  const g = present ? grantAt((k * 7919) % grantsInSnapshot) : { accountId: `left-${k}`, role: ROLES[k % ROLES.length]!, scope: `desk-${k % 50}` };
  const ref = `leaver-access:${SYSTEM}:${k}`;
  return {
    id: remediationId({ kind: 'finding', ref }), itemId: null, campaignId: null, grantId: grantId(SYSTEM, g.accountId, g.role, g.scope), systemId: SYSTEM,
    accountId: g.accountId, role: g.role, scope: g.scope, reason: { kind: 'finding', ref }, requestedBy: 'policy', openedAt: OPENED_AT, dueAt: '2026-10-08T09:00:00.000Z',
    state: 'open', requestedAt: null, claimedAt: null, claimedBy: null, claimNote: null, overdueAt: null, verifiedAt: null, verifiedSnapshotId: null,
    verifiedSnapshotHash: null, reappearedAt: null, reappearedSnapshotId: null, failure: null, updatedAt: OPENED_AT,
  };
}

async function seed(file: string, grants: number, remediations: number): Promise<void> {
  const running = { id: SNAPSHOT, systemId: SYSTEM, status: 'running' as const, startedAt: OPENED_AT, finishedAt: null, durationMs: null, counts: { ...EMPTY_COUNTS }, problems: [], contentHash: null, previousSnapshotId: null, acceptedBy: null };
  // The grants through the store's port, in pull order (random in id, as a sync writes them):
  // the rows are then exactly the store's (migration 12: one row per change, its delta's key).
  const created = openSqliteStore({ file });
  await created.snapshots.create(running);
  for (let from = 0; from < grants; from += 5_000) {
    await created.snapshots.appendGrants(SNAPSHOT, Array.from({ length: Math.min(5_000, grants - from) }, (_, k) => grantAt(from + k)));
  }
  await created.close();

  const store = openSqliteStore({ file });
  const audit = new AuditLog(store.ledger, () => new Date(OPENED_AT));
  try {
    const finish = { status: 'complete' as const, finishedAt: OPENED_AT, durationMs: 0, counts: { ...EMPTY_COUNTS, grants }, problems: [], contentHash: 'f'.repeat(64), previousSnapshotId: null };
    const events = (s: Snapshot) => [audit.event(EVENT.syncCompleted, 'sync', SYSTEM, { snapshotId: s.id, status: s.status, counts: s.counts, contentHash: s.contentHash })];
    if (!(await store.snapshots.finish(SNAPSHOT, finish, events, { promote: true }))) throw new Error('snapshot not finished');

    // The remediations through the store's ports, with their events, as the app opens and requests them.
    for (let from = 0; from < remediations; from += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, remediations - from) }, (_, k) => remediationAt(from + k, grants));
      await store.remediations.open(batch, (opened) => opened.map((r) => openedEvent(audit, 'policy', r, 168)));
      const requested = batch.filter((_, k) => (from + k) % 2 === 1).map((r) => r.id);
      await store.remediations.transitionMany(requested, ['open'], 'requested', { requestedAt: OPENED_AT, updatedAt: OPENED_AT }, (moves) => moves.map((m) => requestedEvent(audit, 'scheduler', m, { mode: 'manual' })));
    }
  } finally {
    await store.close();
  }
}

/** CPU time (user + system) of this process, all threads, in ms. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Timed {
  wallMs: number;
  cpuMs: number;
  peakRssMb: number;
}

async function timed(run: () => Promise<void>): Promise<Timed> {
  const start = performance.now();
  const cpu = cpuMs();
  await run();
  return { wallMs: performance.now() - start, cpuMs: cpuMs() - cpu, peakRssMb: peakRssMb() };
}

interface FloorMeasured {
  /** The store's cheapest read of the snapshot's grants (scanGrants), keeping their ids: the baseline. */
  scan: Timed;
  /** For scale: the grant ids alone, one covering-index range scan with plain SQL (no store port reads less). */
  index: Timed;
}

/** The baseline, in a process of its own: the snapshot's grant keys read through the store, then with plain SQL. */
async function measureFloor(dataDir: string, grants: number): Promise<FloorMeasured> {
  const file = join(dataDir, 'iam-review.db');
  const store = openSqliteStore({ file, readonly: true });
  // A few pages first: they start the store's read-ahead worker, which the floor then finds running.
  let warm = 0;
  for await (const _ of store.snapshots.scanGrants(SNAPSHOT)) if (++warm === 3) break;
  let keys = 0;
  const scan = await timed(async () => {
    const ids: string[] = [];
    for await (const page of store.snapshots.scanGrants(SNAPSHOT)) for (const g of page) ids.push(g.id);
    keys = ids.length;
  });
  await store.close();
  if (keys !== grants) throw new Error(`read ${keys} grant keys of ${grants}`);
  const db = new Database(file, { readonly: true });
  const index = await timed(async () => {
    // The system's rows (one applied snapshot: all visible), a range of the covering index grants_by_system (system_key, id, delta_key).
    const page = db
      .prepare<[string, string, number], string>('SELECT g.id FROM grants g WHERE g.system_key = (SELECT d.system_key FROM snapshots s JOIN grant_deltas d ON d.key = s.delta_key WHERE s.id = ?) AND g.id > ? ORDER BY g.id LIMIT ?')
      .pluck();
    const ids: string[] = [];
    for (let after = ''; ; ) {
      const rows = page.all(SNAPSHOT, after, 5_000);
      for (const id of rows) ids.push(id);
      if (rows.length < 5_000) break;
      after = rows[rows.length - 1]!;
    }
    keys = ids.length;
  });
  db.close();
  if (keys !== grants) throw new Error(`index scan read ${keys} grant keys of ${grants}`);
  return { scan, index };
}

/** The measured part, in a process of its own (its peak RSS is the verification's): the sync's afterApplied verification. */
async function measureVerify(dataDir: string, remediations: number): Promise<Timed & { verified: number }> {
  const env = loadEnv({ IAM_REVIEW_CONFIG_DIR: CONFIG_DIR, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const app = await openApp(env, { log: createLogger('silent'), now: () => new Date(verifiedAt) });
  try {
    const snapshot = await app.store.snapshots.get(SNAPSHOT);
    if (!snapshot) throw new Error('no snapshot');
    let outcome: VerifyOutcome | undefined;
    const t = await timed(async () => {
      [outcome] = await app.remediation.verifyApplied([{ snapshot, applied: true }], 'sync');
    });
    const expected = remediations - Math.ceil(remediations / 20);
    if (!outcome || outcome.skipped || outcome.verified !== expected || outcome.reappeared !== 0) throw new Error(`verification: ${JSON.stringify(outcome)} (expected ${expected} verified)`);
    return { ...t, verified: outcome.verified };
  } finally {
    await app.close();
  }
}

function child<T>(args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const prof = process.env.REMEDIATION_BENCH_PROF;
    const c = fork(fileURLToPath(import.meta.url), args, { execArgv: ['--import', 'tsx', ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let got: T | undefined;
    c.on('message', (m) => (got = m as T));
    c.on('error', reject);
    c.on('exit', (code) => (code === 0 ? resolve(got as T) : reject(new Error(`bench child ${args[0]} exited ${code}`))));
  });
}

/** `n` scales the snapshot (default 1M grants); the remediations are a tenth of it. */
export async function benchRemediation(opts: { n?: number } = {}): Promise<BenchResult[]> {
  const grants = opts.n ?? 1_000_000;
  const remediations = Math.floor(grants / 10);
  const dir = mkdtempSync(join(tmpdir(), 'iam-bench-remediation-'));
  try {
    const seeded = join(dir, 'seeded');
    const seedStart = performance.now();
    await child(['seed', seeded, String(grants), String(remediations)]);
    const seedMs = performance.now() - seedStart;
    const floors: FloorMeasured[] = [];
    const verifies: (Timed & { verified: number })[] = [];
    for (let run = 0; run < RUNS; run++) {
      floors.push(await child<FloorMeasured>(['floor', seeded, String(grants)]));
      // A verification changes what it verified: each run gets a fresh copy of the seeded store.
      const copy = join(dir, `run-${run}`);
      mkdirSync(copy);
      copyFileSync(join(seeded, 'iam-review.db'), join(copy, 'iam-review.db'));
      verifies.push(await child<Timed & { verified: number }>(['verify', copy, String(remediations)]));
      rmSync(copy, { recursive: true, force: true });
    }
    const min = (xs: number[]) => Math.min(...xs);
    const floorCpu = min(floors.map((f) => f.scan.cpuMs));
    const indexCpu = min(floors.map((f) => f.index.cpuMs));
    const verifyCpu = min(verifies.map((v) => v.cpuMs));
    const verifyWall = min(verifies.map((v) => v.wallMs));
    const floorWall = min(floors.map((f) => f.scan.wallMs));
    const r = result('remediation', remediations, floorCpu, verifyCpu, CPU_TARGET, {
      grants,
      verified: verifies[0]!.verified,
      runs: RUNS,
      cpu_runs_ms: verifies.map((v) => Math.round(v.cpuMs)),
      ref_cpu_runs_ms: floors.map((f) => Math.round(f.scan.cpuMs)),
      wall_ref_ms: Math.round(floorWall),
      wall_case_ms: Math.round(verifyWall),
      wall_ratio: Number((verifyWall / floorWall).toFixed(2)),
      us_per_verified: Number(((verifyCpu * 1000) / verifies[0]!.verified).toFixed(1)),
      ids_index_cpu_ms: Math.round(indexCpu),
      ratio_vs_ids_index: Number((verifyCpu / indexCpu).toFixed(2)),
      floor_peak_rss_mb: Math.max(...floors.map((f) => f.scan.peakRssMb)),
      seed_ms: Math.round(seedMs),
      baseline: "CPU time (user + system) of reading the snapshot's grant keys through the store's cheapest whole-snapshot read (scanGrants); ids_index: the ids alone by plain SQL, for scale",
    });
    const peak = Math.max(...verifies.map((v) => v.peakRssMb));
    r.peak_rss_mb = peak;
    r.rss_limit_mb = RSS_LIMIT_MB;
    r.pass = r.pass && peak <= RSS_LIMIT_MB;
    return [r];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// As a child process: `seed <dataDir> <grants> <remediations>`, `floor <dataDir> <grants>` or `verify <dataDir> <remediations>`.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [mode, dir, a, b] = process.argv.slice(2);
  if (mode === 'seed') {
    mkdirSync(dir!, { recursive: true });
    await seed(join(dir!, 'iam-review.db'), Number(a), Number(b));
  } else if (mode === 'floor') process.send!(await measureFloor(dir!, Number(a)));
  else if (mode === 'verify') process.send!(await measureVerify(dir!, Number(a)));
  else throw new Error(`unknown mode ${mode}`);
}
