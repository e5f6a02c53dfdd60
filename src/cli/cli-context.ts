import type { App } from '../app.js';
import type { Env } from '../config/env.js';
import type { CliIo } from './cli-io.js';

/**
 * What every command gets. The app is opened lazily (and once), so `--help` and
 * `validate` never open a store.
 */
export interface CliContext {
  io: CliIo;
  /**
   * The app, opened on first use. `readOnly` (audit reads: verify, head, log, verify-export)
   * opens the store without writing anything; `now` is the app's clock (the demo's); both apply
   * to the first call only.
   */
  app(opts?: { readOnly?: boolean; now?: () => Date }): Promise<App>;
  /** The environment, without opening the store. */
  env(): Env;
  /**
   * Who runs this command, for the ledger (cli-operator.ts): `flag` (the command's --as or
   * --operator), else IAM_REVIEW_OPERATOR, else the OS user@host. A usage error when blank.
   */
  operator(flag?: string): string;
  /** `--force`: accept a config folder other than the one the store was first used with. */
  force: boolean;
}
