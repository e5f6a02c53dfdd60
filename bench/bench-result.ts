/** One benchmark case's result: printed as one JSON line by `npm run bench`. */
export interface BenchResult {
  case: string;
  n: number;
  /** Baseline measured in the same run (these machines are noisy: only ratios are compared). */
  ref_ms: number;
  case_ms: number;
  ratio: number;
  target: number;
  peak_rss_mb: number;
  pass: boolean;
  [k: string]: unknown;
}

/** Peak resident set size of this process so far, in MB (Linux: VmHWM via resourceUsage). */
export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

export function result(name: string, n: number, refMs: number, caseMs: number, target: number, extra: Record<string, unknown> = {}): BenchResult {
  const ratio = caseMs / refMs;
  return { case: name, n, ref_ms: Math.round(refMs), case_ms: Math.round(caseMs), ratio: Number(ratio.toFixed(2)), target, peak_rss_mb: peakRssMb(), pass: ratio <= target, ...extra };
}
