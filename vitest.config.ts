import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // The lab tier installs Debian packages once, before any test file runs.
    globalSetup: ['test/lab/global-setup.ts'],
  },
});
