/**
 * Sync of a 1M-grant CSV system into the SQLite store, diffed against a previous 1M-grant
 * snapshot with 1% added, 1% removed and 1% changed grants (issue 3).
 * Baseline: parsing the same CSV with csv-parse alone. Targets: <= 4x, peak RSS <= 1.5 GB.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { parse } from 'csv-parse';
import { AuditLog } from '../src/audit/audit-log.js';
import type { SystemConfig } from '../src/config/system-config.js';
import { csvConnectorType } from '../src/connectors/csv/csv-connector.js';
import { ConnectorRegistry, registered } from '../src/connectors/registry.js';
import { EMPTY_COUNTS } from '../src/domain/index.js';
import type { Identity } from '../src/domain/index.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { syncSystem } from '../src/sync/sync-system.js';
import { result } from './bench-result.js';
import type { BenchResult } from './bench-result.js';

const ROLES = ['VIEWER', 'TRADER', 'SIGNER', 'APPROVER', 'EDITOR', 'ADMIN', 'AUDITOR', 'OPERATOR'];

async function writeCsv(file: string, n: number, variant: 'previous' | 'next'): Promise<void> {
  const out = createWriteStream(file);
  out.write('account_id,identity,role,scope,status,last_activity_at,display_name,account_type\n');
  let buf = '';
  const onePct = Math.floor(n / 100);
  for (let i = 0; i < n; i++) {
    // next: the first 1% removed, the next 1% changed (disabled), 1% added at the end.
    if (variant === 'next' && i < onePct) continue;
    const status = variant === 'next' && i < 2 * onePct ? 'disabled' : 'active';
    buf += `acc-${i},user${i % 20000}@example.com,${ROLES[i % ROLES.length]},desk-${i % 50},${status},2026-10-${String((i % 28) + 1).padStart(2, '0')},Account ${i},human\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  if (variant === 'next') for (let i = n; i < n + onePct; i++) buf += `acc-${i},user${i % 20000}@example.com,VIEWER,,active,,Account ${i},human\n`;
  out.end(buf);
  await once(out, 'finish');
}

async function parseOnly(file: string): Promise<number> {
  let rows = 0;
  for await (const _ of createReadStream(file).pipe(parse({ from_line: 2 }))) rows++;
  return rows;
}

export async function benchSync(opts: { n?: number } = {}): Promise<BenchResult> {
  const n = opts.n ?? 1_000_000;
  const dir = mkdtempSync(join(tmpdir(), 'iam-bench-sync-'));
  try {
    await writeCsv(join(dir, 'previous.csv'), n, 'previous');
    await writeCsv(join(dir, 'next.csv'), n, 'next');
    const store = openSqliteStore({ file: join(dir, 'bench.db') });
    const identities: Identity[] = Array.from({ length: 20000 }, (_, i) => ({
      id: `E${i}`, email: `user${i}@example.com`, displayName: `User ${i}`, department: 'Ops', jobTitle: null, managerId: null,
      groups: [], aliases: [], status: 'active', employmentType: 'employee', contractEnd: null, lastSignInAt: null, sourceSystemId: 'hr',
    }));
    await store.snapshots.create({ id: 'hr@1', systemId: 'hr', status: 'running', startedAt: new Date().toISOString(), finishedAt: null, durationMs: null, counts: { ...EMPTY_COUNTS }, problems: [], contentHash: null, previousSnapshotId: null, acceptedBy: null });
    await store.snapshots.appendIdentities('hr@1', identities);
    await store.snapshots.finish('hr@1', { status: 'complete', finishedAt: new Date().toISOString(), durationMs: 0, counts: { ...EMPTY_COUNTS, identities: identities.length }, problems: [], contentHash: null, previousSnapshotId: null }, () => []);
    await store.snapshots.promote('hr@1', null, () => []);

    const deps = {
      store,
      audit: new AuditLog(store.ledger),
      connectors: new ConnectorRegistry([registered(csvConnectorType)]),
      configDir: dir,
      env: () => undefined,
      log: { debug() {}, info() {}, warn() {} },
      now: () => new Date(),
      maxRemovalShare: 0.1,
    };
    const system = (file: string): SystemConfig => ({ id: 'trading', name: 'Trading', kind: 'trading', criticality: 'critical', owner: 'o@example.com', connector: { type: 'csv', settings: { path: file } }, file: 'bench' });

    const t0 = performance.now();
    const first = await syncSystem(system('previous.csv'), deps);
    const firstMs = performance.now() - t0;
    if (first.snapshot.status !== 'complete') throw new Error(`first sync ${first.snapshot.status}: ${first.snapshot.problems.join('; ')}`);

    const p0 = performance.now();
    const parsed = await parseOnly(join(dir, 'next.csv'));
    const refMs = performance.now() - p0;

    const s0 = performance.now();
    const second = await syncSystem(system('next.csv'), deps);
    const caseMs = performance.now() - s0;
    const c = second.snapshot.counts;
    if (second.snapshot.status !== 'complete' || c.grants !== parsed) throw new Error(`second sync ${second.snapshot.status} with ${c.grants} grants (parsed ${parsed}): ${second.snapshot.problems.join('; ')}`);
    await store.close();
    const r = result('sync', n, refMs, caseMs, 4, { first_sync_ms: Math.round(firstMs), added: c.added, removed: c.removed, changed: c.changed });
    return { ...r, pass: r.pass && r.peak_rss_mb <= 1536, rss_target_mb: 1536 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
