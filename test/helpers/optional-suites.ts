/**
 * Suites that need something the development machines may not have. Each suite skips itself
 * with `describe.skipIf(!suite.available)` and a title naming the reason, and the run prints one
 * line per skipped suite (test/setup/skip-reasons.ts), as the README says.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

/** Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN, as in CI): tried once, on a scratch folder. */
function tmpfsMountable(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'iam-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
    execFileSync('umount', [dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const FULL_DISK_SUITE: OptionalSuite = {
  name: 'sync on a full disk (tmpfs)',
  file: 'test/sync/full-disk.test.ts',
  available: tmpfsMountable(),
  skipReason: 'this process may not mount a tmpfs (`mount -t tmpfs` needs root with CAP_SYS_ADMIN; CI runs as root)',
};

export const OPTIONAL_SUITES: readonly OptionalSuite[] = [MONGODB_SUITE, CHROMIUM_SUITE, FULL_DISK_SUITE];

/** The suite's describe title: its name, and the reason when it is skipped. */
export function suiteTitle(suite: OptionalSuite): string {
  return suite.available ? suite.name : `${suite.name} (skipped: ${suite.skipReason})`;
}
