/** The benchmark cases `npm run bench -- <case>` knows. Each returns one or more results. */
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
