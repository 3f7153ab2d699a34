import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Prints the one "contract suites skipped" line when KEYWARDEN_CONTRACTS is unset; fails on a wrong folder.
    globalSetup: ['test/support/contracts.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration and end-to-end files share one real Redis; each uses its own key namespace,
    // but running files in two forks keeps the 2-core machine responsive.
    pool: 'forks',
    maxWorkers: 2,
  },
});
