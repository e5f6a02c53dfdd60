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
  /**
   * Called once an evaluation and its finding changes are stored: the composition root opens
   * the remediations of the findings that remove access themselves (remediation.findings).
   */
  afterSaved?(result: CheckResult, config: LoadedConfig, actor: string): Promise<unknown>;
}

export class CheckService {
  constructor(private readonly deps: CheckServiceDeps) {}

  /** Evaluates the current state under `config`, stores the evaluation and ledgers finding changes. */
  async run(config: LoadedConfig, opts: CheckOptions = {}): Promise<CheckResult> {
    const { afterSaved, ...deps } = this.deps;
    const result = await runCheck({ ...deps, config }, opts);
    await afterSaved?.(result, config, opts.actor ?? 'system');
    return result;
  }
}
