import { defineConfig } from 'vitest/config';

/** Lab files that measure timing under floods: they run alone, after the rest (vitest.solo.config.ts). */
export const SOLO = ['test/lab/hostile.test.ts'];

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
