import { defineConfig } from 'vitest/config';
import { SOLO } from './vitest.config.js';

/**
 * The second half of `npm test`: lab files whose floods and timings the other lab files, running
 * beside them on two cores, would disturb (keepalived's and vrrplab's masters fall silent under a
 * flood only when the machine is not busy with ten other namespaces).
 */
export default defineConfig({
  test: {
    include: SOLO,
    // One file at a time: each is the only thing running.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 300_000,
    globalSetup: ['test/lab/global-setup.ts'],
  },
});
