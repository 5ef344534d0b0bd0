import { defineConfig } from 'vitest/config';
import { SOLO, TIMED } from './vitest.config.js';

/** The second part of `npm test`: the lab files and the timed tests, one file at a time. */
export default defineConfig({
  test: {
    include: ['test/lab/**/*.test.ts', ...TIMED],
    exclude: ['**/node_modules/**', ...SOLO],
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // The lab tier installs Debian packages once, before any test file runs.
    globalSetup: ['test/lab/global-setup.ts'],
  },
});
