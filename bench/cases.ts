/** The benchmark cases `npm run bench -- <case>` knows. Each returns one or more results. */
import type { BenchResult } from './bench-result.js';
import { benchCheck } from './check.bench.js';
import { benchFanout } from './fanout.bench.js';
import { benchSync } from './sync.bench.js';

export const CASES: Record<string, (n?: number) => Promise<BenchResult | BenchResult[]>> = {
  sync: (n) => benchSync({ n }),
  check: (n) => benchCheck(n ? { grants: n } : {}),
  fanout: (n) => benchFanout({ n }),
};
