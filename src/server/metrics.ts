/**
 * /metrics in Prometheus text format (prom-client, one registry per server). Every series is
 * prefixed `iam_review_`; labels carry system ids, finding types, severities and states, never
 * a person (no email, name, account or grant id).
 *
 * Counters and the histogram count what this process did (scheduled syncs: recordSync; Slack
 * Web API requests: recordSlackCall). The gauges describe the store, read on scrape and kept
 * for at most REFRESH_MS, so scrapes from several Prometheus servers cost one round of reads:
 * the current snapshots (their counts, not their grants) and the store's count methods
 * (snapshots by status, open findings, items of open campaigns, remediations: counted by the
 * store, never by loading the rows), and the ledger head.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SlackCallOutcome } from '../slack/slack-api-calls.js';
import type { Counts, Store } from '../store/ports.js';
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
  /** Counts one Slack Web API request (one attempt: a 429 and its retry are two). */
  recordSlackCall(method: string, outcome: SlackCallOutcome): void;
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
  const slackCalls = new Counter({
    name: `${METRICS_PREFIX}slack_api_calls_total`,
    help: 'Slack Web API requests of this process by method and outcome (ok, error: ok=false, rate_limited: HTTP 429, http_error, network_error); a retried request counts once per attempt.',
    labelNames: ['method', 'outcome'],
    registers,
  });
  const grants = gauge('grants', 'Grants in the current snapshot of each system.', ['system']);
  const syncAge = gauge('last_successful_sync_age_seconds', 'Age of the current (last applied) snapshot of each system.', ['system']);
  const snapshots = gauge('snapshots', 'Snapshots by system and status (complete, quarantined, failed, ...).', ['system', 'status']);
  const findings = gauge('open_findings', 'Open findings by type and severity.', ['type', 'severity']);
  const items = gauge('campaign_items', 'Items of open campaigns by state.', ['state']);
  const remediations = gauge('remediations', 'Remediations by state (state overdue: past due and not verified).', ['state']);
  const ledgerHead = gauge('ledger_head_seq', 'Sequence number of the newest ledger event (0: empty ledger).');
  const scrapeErrors = new Counter({ name: `${METRICS_PREFIX}metrics_store_read_errors_total`, help: 'Scrapes whose store reads failed (the gauges keep their last values).', registers });

  let readAt = -Infinity;
  const refresh = async (): Promise<void> => {
    const { store } = deps;
    const now = deps.now();
    const [current, statuses, open, itemStates, rems, head] = await Promise.all([
      store.snapshots.currentAll(),
      store.snapshots.countByStatus(),
      store.findings.countOpen(),
      store.campaigns.countItemsByState({ campaignState: 'open' }),
      store.remediations.countByState(),
      store.ledger.head(),
    ]);
    grants.reset();
    syncAge.reset();
    for (const [system, s] of current) {
      grants.set({ system }, s.counts.grants);
      if (s.finishedAt) syncAge.set({ system }, Math.max(0, (now.getTime() - Date.parse(s.finishedAt)) / 1000));
    }
    setCounts(snapshots, statuses, (r) => ({ system: r.systemId, status: r.status }));
    setCounts(findings, open, (r) => ({ type: r.type, severity: r.severity }));
    setCounts(items, itemStates, (r) => ({ state: r.state }));
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
    recordSlackCall(method, outcome) {
      slackCalls.inc({ method, outcome });
    },
  };
}

/** Sets a gauge to the store's counts, one series per row (series of earlier reads that have no row now are dropped). */
function setCounts<V extends Record<string, string>>(g: Gauge, rows: Counts<V>, labelsOf: (row: V) => Record<string, string>): void {
  g.reset();
  for (const row of rows) g.set(labelsOf(row), row.count);
}
