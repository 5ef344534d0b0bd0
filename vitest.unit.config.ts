import { defineConfig, mergeConfig } from 'vitest/config';
import base, { SOLO, TIMED } from './vitest.config.js';

/** The first part of `npm test`: the tests that need no root and time nothing, two files at once (one per core). */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: ['**/node_modules/**', 'test/lab/**', ...SOLO, ...TIMED],
      maxWorkers: 2,
    },
  }),
);
