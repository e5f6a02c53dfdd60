import type { AuditLog } from '../audit/audit-log.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { Store } from '../store/ports.js';

/** What the remediation operations need: store ports, the ledger, the clock and the config. */
export interface RemediationDeps {
  store: Store;
  audit: AuditLog;
  now: () => Date;
  config: LoadedConfig;
}
