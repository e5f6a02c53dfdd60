/**
 * Readiness as a function of its checks' results (pure: health-checks.ts does the I/O). The
 * process is ready when every check passed; /readyz answers 200 then, else 503, with every
 * check named in the body either way.
 */

export interface CheckResult {
  /** `store`, `slack`, `system:<id>`. */
  name: string;
  ok: boolean;
  /** What was seen, for the operator (never a secret, never personal data). */
  detail: string;
}

export interface Readiness {
  ready: boolean;
  checks: CheckResult[];
}

export function readiness(checks: readonly CheckResult[]): Readiness {
  return { ready: checks.every((c) => c.ok), checks: [...checks] };
}

/** A system and how old its current snapshot may be before its data counts as stale. */
export interface FreshnessLimit {
  systemId: string;
  staleAfterMs: number;
}

/**
 * One check per system: its current (last applied) snapshot finished less than its limit ago.
 * `finishedAt` maps a system to its current snapshot's finish time (absent: never applied).
 */
export function freshnessChecks(limits: readonly FreshnessLimit[], finishedAt: ReadonlyMap<string, string | null>, now: Date): CheckResult[] {
  return limits.map(({ systemId, staleAfterMs }) => {
    const name = `system:${systemId}`;
    const at = finishedAt.get(systemId) ?? null;
    if (at === null) return { name, ok: false, detail: 'no applied snapshot yet' };
    const ageMs = now.getTime() - Date.parse(at);
    const ok = ageMs < staleAfterMs;
    return { name, ok, detail: `last applied snapshot ${hours(ageMs)} old (${ok ? 'limit' : 'stale after'} ${hours(staleAfterMs)})` };
  });
}

function hours(ms: number): string {
  return `${(Math.max(0, ms) / 3_600_000).toFixed(1)} h`;
}
