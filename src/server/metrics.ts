/**
 * /metrics in Prometheus text format (prom-client, one registry per server). Every series is
 * prefixed `iam_review_`; labels carry system ids, finding types, severities and states, never
 * a person (no email, name, account or grant id).
 *
 * Counters and the histogram count what this process did (scheduled syncs: recordSync). The
 * gauges describe the store, read on scrape and kept for at most REFRESH_MS, so scrapes from
 * several Prometheus servers cost one round of reads: the current snapshots (their counts, not
 * their grants), open findings, the items of open campaigns, remediations and the ledger head.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Store } from '../store/ports.js';
import type { SyncOutcome } from '../sync/sync-runner.js';

export const METRICS_PREFIX = 'iam_review_';
/** The store-derived gauges are read again after this long. */
export const REFRESH_MS = 15_000;

export interface Metrics {
  readonly contentType: string;
  /** The exposition text, the store's gauges read first when older than REFRESH_MS. */
  render(): Promise<string>;
  /** Counts a finished sync run (outcome: the snapshot's status, or `error` when the run threw). */
  recordSync(outcome: SyncOutcome): void;
}

export interface MetricsDeps {
  store: Store;
  now(): Date;
}

export function createMetrics(deps: MetricsDeps): Metrics {
  const registers = [new Registry()];
  const register = registers[0]!;
  collectDefaultMetrics({ register, prefix: METRICS_PREFIX });
  const syncRuns = new Counter({ name: `${METRICS_PREFIX}sync_runs_total`, help: 'Sync runs of this process by system and outcome (snapshot status, or error).', labelNames: ['system', 'outcome'], registers });
  const syncDuration = new Histogram({
    name: `${METRICS_PREFIX}sync_duration_seconds`,
    help: 'Duration of the sync runs of this process by system and outcome.',
    labelNames: ['system', 'outcome'],
    buckets: [1, 5, 15, 60, 300, 900, 1800, 3600],
    registers,
  });
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name: `${METRICS_PREFIX}${name}`, help, labelNames, registers });
  const grants = gauge('grants', 'Grants in the current snapshot of each system.', ['system']);
  const syncAge = gauge('last_successful_sync_age_seconds', 'Age of the current (last applied) snapshot of each system.', ['system']);
  const findings = gauge('open_findings', 'Open findings by type and severity.', ['type', 'severity']);
  const items = gauge('campaign_items', 'Items of open campaigns by state.', ['state']);
  const remediations = gauge('remediations', 'Remediations by state (state overdue: past due and not verified).', ['state']);
  const ledgerHead = gauge('ledger_head_seq', 'Sequence number of the newest ledger event (0: empty ledger).');
  const scrapeErrors = new Counter({ name: `${METRICS_PREFIX}metrics_store_read_errors_total`, help: 'Scrapes whose store reads failed (the gauges keep their last values).', registers });

  let readAt = -Infinity;
  const refresh = async (): Promise<void> => {
    const { store } = deps;
    const now = deps.now();
    const [current, open, campaigns, rems, head] = await Promise.all([store.snapshots.currentAll(), store.findings.open(), store.campaigns.list({ state: 'open' }), store.remediations.list(), store.ledger.head()]);
    const itemStates = new Map<string, number>();
    for (const c of campaigns) for (const i of await store.campaigns.items(c.id)) itemStates.set(i.state, (itemStates.get(i.state) ?? 0) + 1);
    grants.reset();
    syncAge.reset();
    for (const [system, s] of current) {
      grants.set({ system }, s.counts.grants);
      if (s.finishedAt) syncAge.set({ system }, Math.max(0, (now.getTime() - Date.parse(s.finishedAt)) / 1000));
    }
    setCounts(findings, open, (f) => ({ type: f.type, severity: f.severity }));
    items.reset();
    for (const [state, n] of itemStates) items.set({ state }, n);
    setCounts(remediations, rems, (r) => ({ state: r.state }));
    ledgerHead.set(head?.seq ?? 0);
  };

  return {
    contentType: register.contentType,
    async render() {
      const t = deps.now().getTime();
      if (t - readAt >= REFRESH_MS) {
        try {
          await refresh();
          readAt = t;
        } catch {
          scrapeErrors.inc();
        }
      }
      return register.metrics();
    },
    recordSync(o) {
      const labels = { system: o.systemId, outcome: o.ok ? o.result.snapshot.status : 'error' };
      syncRuns.inc(labels);
      if (o.ok && o.result.snapshot.durationMs !== null) syncDuration.observe(labels, o.result.snapshot.durationMs / 1000);
    },
  };
}

/** Sets a gauge to the number of rows per label set (labels absent from `rows` are dropped). */
function setCounts<T>(g: Gauge, rows: readonly T[], labelsOf: (row: T) => Record<string, string>): void {
  const counts = new Map<string, { labels: Record<string, string>; n: number }>();
  for (const row of rows) {
    const labels = labelsOf(row);
    const key = JSON.stringify(labels);
    const c = counts.get(key) ?? { labels, n: 0 };
    c.n++;
    counts.set(key, c);
  }
  g.reset();
  for (const { labels, n } of counts.values()) g.set(labels, n);
}
