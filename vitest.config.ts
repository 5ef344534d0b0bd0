import { defineConfig } from 'vitest/config';

/**
 * `npm test` runs in three parts: the tests that need no root on two workers
 * (vitest.unit.config.ts), then the lab files (test/lab/) and TIMED one at a time
 * (vitest.serial.config.ts), then SOLO (vitest.solo.config.ts). This file, all but SOLO on one
 * worker, is what `npx vitest run FILE` uses.
 *
 * SOLO: lab files that measure timing under floods or to a few milliseconds, and the differential
 * campaign's slice (its four lab runs at once compare keepalived's timing with the simulator's to
 * 500 ms): they run alone, one after the other, after the rest (vitest.solo.config.ts).
 */
export const SOLO = ['test/lab/hostile.test.ts', 'test/lab/differential.test.ts', 'test/lab/watch-capture.test.ts'];

/** Tests without root that time real waits to a few milliseconds: not beside another file's CPU work. */
export const TIMED = ['test/runtime/pacing.test.ts', 'test/runtime/track-runs.test.ts', 'test/runtime/log-writer.test.ts'];

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
