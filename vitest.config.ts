import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: one worker on the 2-core machines this
    // runs on, which made the suite serial (279 s). Two: 189 s, the slowest test 12 s of its 30.
    maxWorkers: 2,
    reporters: ['default'],
    // Prints why optional suites (MongoDB, Chromium) are skipped.
    globalSetup: ['test/setup/skip-reasons.ts'],
  },
});
