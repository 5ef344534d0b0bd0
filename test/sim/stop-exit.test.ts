/**
 * A stopped keepalived lives on for a second (its VRRP child waits TIMER_HZ after resigning, then
 * exits; lab, 2.2.7: "Stopped" 1.00-1.02 s after "Stopping"), and a keepalived started meanwhile
 * refuses to run. A start sooner than that after a stop happens when the old process is gone, as
 * `systemctl restart` and `vrrplab lab` do it.
 */
import { describe, expect, it } from 'vitest';
import { seedScenario, simulate } from './helpers.js';

const starts = (timeline: string[]) =>
  simulate(seedScenario('fixed', '20s', ['{ at: 0s, host: A, do: start }', '{ at: 1s, host: B, do: start }', ...timeline])).records
    .filter((record) => record.type === 'fault' && record.host === 'A' && record.action === 'start')
    .map((record) => record.t);

describe('a start soon after a stop', () => {
  it('waits for the stopped keepalived to exit, a second after the stop', () => {
    expect(starts(['{ at: 10s, host: A, do: stop }', '{ at: 10.5s, host: A, do: start }'])).toEqual([0, 11]);
  });

  it('is at once when the stop was longer ago than that', () => {
    expect(starts(['{ at: 10s, host: A, do: stop }', '{ at: 11.5s, host: A, do: start }'])).toEqual([0, 11.5]);
  });

  it('is at once after a kill: a killed keepalived is gone at once', () => {
    expect(starts(['{ at: 10s, host: A, do: kill }', '{ at: 10.5s, host: A, do: start }'])).toEqual([0, 10.5]);
  });
});
