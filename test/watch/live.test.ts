import { describe, expect, it } from 'vitest';
import { HOLD_MS, holdFromEnv } from '../../src/watch/live.js';

describe('watch -i hold (VRRPLAB_WATCH_HOLD_MS)', () => {
  it('takes a whole number of ms up to 1000, 0 for a wake-up per frame, and the default for anything else', () => {
    expect(holdFromEnv(undefined)).toBe(HOLD_MS);
    expect(holdFromEnv('0')).toBe(0);
    expect(holdFromEnv(' 25 ')).toBe(25);
    expect(holdFromEnv('5000')).toBe(1000);
    for (const bad of ['', '-5', '2.5', 'fast', '1e3']) expect(holdFromEnv(bad), bad).toBe(HOLD_MS);
  });
});
