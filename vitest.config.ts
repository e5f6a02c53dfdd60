import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default'],
    // Prints why optional suites (MongoDB, Chromium) are skipped.
    globalSetup: ['test/setup/skip-reasons.ts'],
  },
});
