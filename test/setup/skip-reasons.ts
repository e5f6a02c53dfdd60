/**
 * vitest globalSetup: prints why optional suites were skipped (the default reporter shows them
 * only as "skipped"), one line per skipped suite that was part of the run. Printed when the run
 * ends, next to the counts; a globalSetup rather than a reporter, so that it shows whatever
 * reporters the command line chooses (.ci/run picks its own).
 */
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { OPTIONAL_SUITES } from '../helpers/optional-suites.js';

export default function setup(project: TestProject): () => void {
  return () => {
    const ran = new Set(project.vitest.state.getFiles().map((f) => f.filepath));
    for (const suite of OPTIONAL_SUITES) {
      if (!suite.available && ran.has(resolve(project.config.root, suite.file))) console.log(`skipped: ${suite.name} (${suite.file}): ${suite.skipReason}`);
    }
  };
}
