/**
 * The I/O behind /readyz: each check reads what it needs and reports a CheckResult; readiness()
 * (pure) decides. Checks: `config` (the config folders load), `store` (reachable: its ledger
 * head and current snapshots read back; a store opens only once migrated), `system:<id>` per
 * configured system (its current snapshot younger than its limit, stale-after.ts), and `slack`
 * when the Bolt app runs (auth.test, at most once per SLACK_AUTH_TTL_MS). Every check gives up
 * after CHECK_TIMEOUT_MS, so a hung store fails the probe instead of hanging it.
 */
import type { LoadedConfig } from '../config/load-config.js';
import type { Store } from '../store/ports.js';
import type { CheckResult, FreshnessLimit, Readiness } from './readiness.js';
import { freshnessChecks, readiness } from './readiness.js';
import { freshnessLimit } from './stale-after.js';

export const CHECK_TIMEOUT_MS = 5_000;
/** auth.test is asked at most this often (probes come every few seconds; the answer rarely changes). */
export const SLACK_AUTH_TTL_MS = 60_000;

export interface ReadinessDeps {
  store: Store;
  loadConfig(): LoadedConfig;
  timeZone: string;
  now(): Date;
  /** Slack's auth.test with the bot token (throws when it fails), or null when Slack is not configured. */
  slackAuthTest: (() => Promise<void>) | null;
}

export type ReadinessProbe = () => Promise<Readiness>;

export function readinessProbe(deps: ReadinessDeps): ReadinessProbe {
  const limitsFor = cachedLimits(deps.timeZone);
  const slack = deps.slackAuthTest ? cachedSlackCheck(deps.slackAuthTest, deps.now) : null;
  return async () => {
    const checks: CheckResult[] = [];
    let config: LoadedConfig | null = null;
    try {
      config = deps.loadConfig();
      checks.push({ name: 'config', ok: true, detail: `${config.systems.length} systems` });
    } catch (err) {
      checks.push({ name: 'config', ok: false, detail: messageOf(err) });
    }
    const [store, current] = await Promise.all([
      settle(() => deps.store.ledger.head()),
      settle(() => deps.store.snapshots.currentAll()),
    ]);
    const storeError = store.error ?? current.error;
    checks.push(storeError === undefined ? { name: 'store', ok: true, detail: `${deps.store.kind}, ledger head seq ${store.value?.seq ?? 0}` } : { name: 'store', ok: false, detail: `${deps.store.kind}: ${storeError}` });
    if (config) {
      const limits = config.systems.map(limitsFor);
      if (current.value) {
        const finished = new Map([...current.value].map(([id, s]) => [id, s.finishedAt]));
        checks.push(...freshnessChecks(limits, finished, deps.now()));
      } else {
        checks.push(...limits.map((l) => ({ name: `system:${l.systemId}`, ok: false, detail: 'not checked: the store did not answer' })));
      }
    }
    if (slack) checks.push(await slack());
    return readiness(checks);
  };
}

/** Limits per system, the schedule's gap computed once per (cron, zone, staleAfterHours). */
function cachedLimits(timeZone: string): (system: LoadedConfig['systems'][number]) => FreshnessLimit {
  const cache = new Map<string, number>();
  return (system) => {
    const key = JSON.stringify([system.schedule?.cron, system.schedule?.timezone, system.sync?.staleAfterHours]);
    let ms = cache.get(key);
    if (ms === undefined) cache.set(key, (ms = freshnessLimit(system, timeZone).staleAfterMs));
    return { systemId: system.id, staleAfterMs: ms };
  };
}

function cachedSlackCheck(authTest: () => Promise<void>, now: () => Date): () => Promise<CheckResult> {
  let last: { at: number; result: CheckResult } | null = null;
  return async () => {
    const t = now().getTime();
    if (last && t - last.at < SLACK_AUTH_TTL_MS) return last.result;
    const r = await settle(authTest);
    last = { at: t, result: r.error === undefined ? { name: 'slack', ok: true, detail: 'auth.test passed' } : { name: 'slack', ok: false, detail: `auth.test failed: ${r.error}` } };
    return last.result;
  };
}

/** Runs `read` (a synchronous throw counts as its failure) and waits at most CHECK_TIMEOUT_MS. */
export async function settle<T>(read: () => Promise<T>): Promise<{ value?: T; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS / 1000} s`)), CHECK_TIMEOUT_MS).unref();
  });
  try {
    return { value: await Promise.race([read(), timeout]) };
  } catch (err) {
    return { error: messageOf(err) };
  } finally {
    clearTimeout(timer);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
