/**
 * Suites that need something the development machines may not have. Each suite skips itself
 * with `describe.skipIf(!suite.available)` and a title naming the reason, and the run prints one
 * line per skipped suite (test/setup/skip-reasons.ts), as the README says.
 */
import { existsSync } from 'node:fs';

export interface OptionalSuite {
  name: string;
  file: string;
  available: boolean;
  /** Why it is skipped, and what runs it. */
  skipReason: string;
}

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const MONGODB_SUITE: OptionalSuite = {
  name: 'MongoDB store contract',
  file: 'test/store/mongo.contract.test.ts',
  available: Boolean(process.env.MONGODB_URI),
  skipReason: 'MONGODB_URI is not set (set it to a MongoDB replica set to run them)',
};

export const CHROMIUM_SUITE: OptionalSuite = {
  name: 'report.html in headless Chromium',
  file: 'test/audit/report-html.chromium.test.ts',
  available: existsSync(CHROMIUM_PATH),
  skipReason: `Chromium is not installed at ${CHROMIUM_PATH} (Debian package chromium; .ci/run installs it)`,
};

export const OPTIONAL_SUITES: readonly OptionalSuite[] = [MONGODB_SUITE, CHROMIUM_SUITE];

/** The suite's describe title: its name, and the reason when it is skipped. */
export function suiteTitle(suite: OptionalSuite): string {
  return suite.available ? suite.name : `${suite.name} (skipped: ${suite.skipReason})`;
}
