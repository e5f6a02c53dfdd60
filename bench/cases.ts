/**
 * The in-process cases (`npx tsx bench/run-case.ts NAME [N]`), each returning one or more results.
 * bench/run.ts runs audit (as audit-append), fanout, remediation and reconcile from here; sync,
 * check and export are the earlier in-process versions of the firm cases (which run the real CLI),
 * kept for quick profiling of the library paths alone.
 */
import type { BenchResult } from './bench-result.js';
import { benchAudit } from './audit.bench.js';
import { benchCheck } from './check.bench.js';
import { benchExport } from './export.bench.js';
import { benchFanout } from './fanout.bench.js';
import { benchReconcile } from './reconcile.bench.js';
import { benchRemediation } from './remediation.bench.js';
import { benchSync } from './sync.bench.js';

export const CASES: Record<string, (n?: number) => Promise<BenchResult | BenchResult[]>> = {
  sync: (n) => benchSync({ n }),
  check: (n) => benchCheck(n ? { grants: n } : {}),
  fanout: (n) => benchFanout({ n }),
  audit: (n) => benchAudit({ n }),
  export: (n) => benchExport(n ? { n } : {}),
  reconcile: (n) => benchReconcile({ n }),
  remediation: (n) => benchRemediation({ n }),
};
