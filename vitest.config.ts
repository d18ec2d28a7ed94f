import { defineConfig } from 'vitest/config';

// Pure tests (no control plane, no Redis): `npm run test:unit` runs them in seconds.
const UNIT = [
  'test/diagnosis/**/*.test.ts',
  'test/**/*.unit.test.ts',
  'test/remediation/plans.test.ts',
  'test/log.test.ts',
  'test/support/fake-slack.test.ts',
  'test/alerts/targets.test.ts',
  'test/slack/blocks.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 90_000,
    hookTimeout: 120_000,
    // Suites share one control plane and one Redis; two workers match the machine's two cores.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: UNIT,
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});
