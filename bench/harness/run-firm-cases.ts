/**
 * The firm cases at one size: generates a firm under a temporary folder, then runs the real
 * CLI (bin/iam-review.js on dist/) once per command, in the issue's order, each in its own
 * measured process: sync-initial, sync-delta (the 1% churn day), check --format json,
 * campaign open (every grant), export (default formats, on the ledger these commands wrote),
 * audit verify. Commands before the last selected case that are not selected still run (as
 * setup, unreported). Each selected case's floors run in their own processes on the same data.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { generateFirm, useDay } from '../firm/generate-firm.js';
import type { Measurement } from './measure-child.js';
import { measureChild } from './measure-child.js';
import { FIRM_CASES, TARGETS } from './targets.js';
import type { FirmCase } from './targets.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = [join(ROOT, 'bin/iam-review.js')];
// tsx by URL: the CLI runs with the firm's folder as its working directory, where tsx does not resolve.
const CLI_FROM_SOURCE = ['--import', import.meta.resolve('tsx'), join(ROOT, 'bench/harness/cli-from-source.ts')];
const FLOOR = join(ROOT, 'bench/floors/run-floor.ts');

export interface FloorLine {
  kind: 'floor';
  floor: string;
  grants: number;
  cpu_ms: number;
  wall_ms: number;
  peak_rss_mb: number;
  rows: number;
  [k: string]: unknown;
}

export interface CaseLine {
  kind: 'case';
  case: string;
  grants: number;
  wall_ms: number;
  cpu_ms: number;
  peak_rss_mb: number;
  floor: string;
  floor_cpu_ms: number;
  ratio: number;
  target: number;
  rss_limit_mb: number | null;
  us_per_grant: number;
  pass: boolean;
  [k: string]: unknown;
}

export interface FirmRunOptions {
  grants: number;
  identities: number;
  seed: number;
  cases: readonly FirmCase[];
  keep: boolean;
  /** Run the CLI from src/ under tsx instead of bin/iam-review.js on dist/. */
  fromSource?: boolean;
  emit: (line: FloorLine | CaseLine | Record<string, unknown>) => void;
}

/** Runs the selected firm cases at one size; returns false when a command failed. */
export async function runFirmCases(opts: FirmRunOptions): Promise<boolean> {
  const work = mkdtempSync(join(tmpdir(), `iam-bench-${opts.grants}-`));
  const firmDir = join(work, 'firm');
  const dataDir = join(work, 'data');
  const db = join(dataDir, 'iam-review.db');
  const env = { ...process.env, IAM_REVIEW_CONFIG_DIR: firmDir, IAM_REVIEW_DATA_DIR: dataDir, IAM_REVIEW_OPERATOR: 'bench@example.com', IAM_REVIEW_TIMEZONE: 'UTC' };
  const log = (name: string): { stdoutFile: string; stderrFile: string } => ({ stdoutFile: join(work, `${name}.out`), stderrFile: join(work, `${name}.err`) });
  const floorCpu = new Map<string, number>();
  try {
    const g0 = process.cpuUsage();
    const firm = await generateFirm({ out: firmDir, grants: opts.grants, identities: opts.identities, seed: opts.seed, churn: 0.01 });
    const gen = process.cpuUsage(g0);
    opts.emit({ kind: 'firm', grants: firm.grants, grants_day1: firm.grantsDay1, identities: firm.identities, systems: firm.systems.length, generate_cpu_ms: Math.round((gen.user + gen.system) / 1000), dir: opts.keep ? work : undefined });
    const exports = (day: string): string[] => ['hr', ...firm.systems].map((s) => join(firmDir, 'connectors/exports', day, `${s}.csv`));

    const floor = (name: string, args: Record<string, unknown>): void => {
      if (floorCpu.has(name)) return;
      const m = measureChild(['--import', 'tsx', FLOOR, name.replace(/-day1$/, ''), JSON.stringify(args)], { env, ...log(`floor-${name}`), cwd: ROOT });
      if (m.exit !== 0) throw new Error(`floor ${name} exited ${m.exit}: see ${log(`floor-${name}`).stderrFile}`);
      const line = JSON.parse(readLast(log(`floor-${name}`).stdoutFile)) as { cpu_ms: number; wall_ms: number; rows: number };
      floorCpu.set(name, line.cpu_ms);
      opts.emit({ ...line, kind: 'floor', floor: name, grants: firm.grants, peak_rss_mb: m.peak_rss_mb });
    };
    const cli = (name: string, args: readonly string[]): Measurement => {
      const m = measureChild([...(opts.fromSource ? CLI_FROM_SOURCE : CLI), ...args], { env, ...log(name), cwd: work });
      if (m.exit !== 0) throw new Error(`${name}: iam-review ${args.join(' ')} exited ${m.exit}: ${readFileSync(log(name).stderrFile, 'utf8').slice(-1500)}`);
      return m;
    };
    const last = Math.max(...opts.cases.map((c) => FIRM_CASES.indexOf(c)));
    const selected = new Set(opts.cases);
    const report = (name: FirmCase, m: Measurement, extra: Record<string, unknown> = {}): void => {
      const t = TARGETS[name];
      const floorMs = t.floors.reduce((a, f) => a + (floorCpu.get(f) ?? NaN), 0);
      const ratio = Number((m.cpu_ms / floorMs).toFixed(2));
      const rss = t.rssMb(firm.grants) ?? null;
      const pass = ratio <= t.ratio && (rss === null || m.peak_rss_mb <= rss);
      opts.emit({
        kind: 'case', case: name, grants: firm.grants, wall_ms: m.wall_ms, cpu_ms: m.cpu_ms, peak_rss_mb: m.peak_rss_mb,
        floor: t.floors.join(' + '), floor_cpu_ms: floorMs, ratio, target: t.ratio, rss_limit_mb: rss === null ? null : Math.round(rss),
        us_per_grant: Number(((m.cpu_ms * 1000) / firm.grants).toFixed(2)), pass, ...extra,
      });
    };
    const step = (name: FirmCase, run: () => Measurement, floors: () => void, extra: () => Record<string, unknown> = () => ({})): boolean => {
      const index = FIRM_CASES.indexOf(name);
      if (index > last) return false;
      const m = run();
      if (selected.has(name)) {
        floors();
        report(name, m, extra());
      }
      return true;
    };

    cli('validate', ['validate']);
    // Not a floor of any ratio: what every measured command pays before its work (node, the CLI's modules).
    const startup = cli('cli-startup', ['--version']);
    opts.emit({ kind: 'floor', floor: 'cli-startup', note: 'iam-review --version: in every case, in no ratio', grants: firm.grants, cpu_ms: startup.cpu_ms, wall_ms: startup.wall_ms, peak_rss_mb: startup.peak_rss_mb, rows: 0 });
    step('sync-initial', () => cli('sync-initial', ['sync', '--json']), () => {
      floor('csv-parse', { files: exports('') });
      floor('sqlite-insert', { files: exports('').slice(1), db: join(work, 'floor.db'), realDb: db });
    });
    useDay(firmDir, 1);
    const syncDelta = step('sync-delta', () => cli('sync-delta', ['sync', '--json']), () => {
      floor('csv-parse-day1', { files: exports('') });
      floor('sqlite-insert', { files: exports('').slice(1), db: join(work, 'floor.db'), realDb: db });
      floor('sqlite-scan', { db: join(work, 'floor.db') });
    }, () => ({ ...deltaCounts(log('sync-delta').stdoutFile), db_mb: Math.round(statSync(db).size / 2 ** 20) }));
    if (!syncDelta) return true;
    const needFloorDb = (): void => {
      floor('sqlite-insert', { files: exports('').slice(1), db: join(work, 'floor.db'), realDb: db });
      floor('sqlite-scan', { db: join(work, 'floor.db') });
    };
    step('check', () => cli('check', ['check', '--format', 'json']), () => {
      needFloorDb();
      floor('check-eval', { configDir: firmDir, realDb: db });
    }, () => ({ findings: findingsOf(log('check').stdoutFile) }));
    const year = String(new Date().getUTCFullYear());
    const campaignId = `${firm.reviewId}:${year}`;
    const seqBefore = ledgerHead(db);
    step('campaign-open', () => cli('campaign-open', ['campaign', 'open', firm.reviewId, '--period', year]), () => {
      floor('campaign-insert', { realDb: db, campaignId, fromSeq: seqBefore, toSeq: ledgerHead(db), db: join(work, 'floor-items.db') });
    });
    const pack = join(work, 'pack');
    step('export', () => cli('export', ['export', '--campaign', campaignId, '--out', pack]), () => {
      floor('export-io', { realDb: db, campaignId, fromSeq: seqBefore, bytes: folderBytes(pack), out: join(work, 'floor-export.bin') });
    }, () => ({ export_mb: Number((folderBytes(pack) / 2 ** 20).toFixed(1)) }));
    step('audit-verify', () => cli('audit-verify', ['audit', 'verify']), () => floor('sha256-chain', { realDb: db }), () => ({ events: ledgerHead(db) }));
    return true;
  } catch (e) {
    opts.emit({ kind: 'error', grants: opts.grants, error: (e as Error).message.slice(0, 2000), pass: false });
    return false;
  } finally {
    if (!opts.keep) rmSync(work, { recursive: true, force: true });
  }
}

function readLast(file: string): string {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

function deltaCounts(syncJson: string): Record<string, number> {
  const out = { added: 0, removed: 0, changed: 0 };
  for (const s of JSON.parse(readFileSync(syncJson, 'utf8')) as { snapshot: { counts: typeof out } }[]) {
    out.added += s.snapshot.counts.added;
    out.removed += s.snapshot.counts.removed;
    out.changed += s.snapshot.counts.changed;
  }
  return out;
}

function findingsOf(checkJson: string): number {
  return (JSON.parse(readFileSync(checkJson, 'utf8')) as { findings: unknown[] }).findings.length;
}

function ledgerHead(db: string): number {
  const d = new Database(db, { readonly: true });
  const seq = d.prepare('SELECT max(seq) FROM ledger_events').pluck().get() as number | null;
  d.close();
  return seq ?? 0;
}

function folderBytes(dir: string): number {
  return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}
