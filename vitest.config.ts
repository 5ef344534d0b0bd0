import { defineConfig } from 'vitest/config';

/**
 * `npm test` runs in three parts: the tests that need no root on two workers (CPU-bound, none timed
 * against another file), then the lab files (test/lab/) one at a time, then SOLO.
 *
 * SOLO: lab files that measure timing under floods or to a few milliseconds, and the differential
 * campaign's slice (its four lab runs at once compare keepalived's timing with the simulator's to
 * 500 ms): they run alone, one after the other, after the rest (vitest.solo.config.ts).
 */
export const SOLO = ['test/lab/hostile.test.ts', 'test/lab/differential.test.ts', 'test/lab/watch-capture.test.ts'];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...SOLO],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // The lab tier installs Debian packages once, before any test file runs.
    globalSetup: ['test/lab/global-setup.ts'],
  },
});
