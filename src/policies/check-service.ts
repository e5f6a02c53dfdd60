/** The check stage as one service: what `check`, the demo and later schedules call. */
import type { AuditLog } from '../audit/audit-log.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { Store } from '../store/ports.js';
import type { CheckOptions, CheckResult } from './run-check.js';
import { runCheck } from './run-check.js';

export interface CheckServiceDeps {
  store: Store;
  audit: AuditLog;
  now: () => Date;
}

export class CheckService {
  constructor(private readonly deps: CheckServiceDeps) {}

  /** Evaluates the current state under `config`, stores the evaluation and ledgers finding changes. */
  run(config: LoadedConfig, opts: CheckOptions = {}): Promise<CheckResult> {
    return runCheck({ ...this.deps, config }, opts);
  }
}
