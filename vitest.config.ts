import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 90_000,
    hookTimeout: 120_000,
    // Suites share one control plane and one Redis; two workers match the machine's two cores.
    maxWorkers: 2,
  },
});
