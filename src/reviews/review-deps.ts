import type { AuditLog } from '../audit/audit-log.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { Store } from '../store/ports.js';

/** What the review operations need: store ports, the ledger, the clock and the config. */
export interface ReviewDeps {
  store: Store;
  audit: AuditLog;
  now: () => Date;
  config: LoadedConfig;
  /** Zone for period names when a definition's schedule names none. */
  timeZone: string;
}
