/** A vrrp_script that hangs: keepalived kills each run at its timeout and counts it as a failure. */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/sim/scenario.js';
import { runScenario } from '../../src/sim/run.js';
import * as path from 'node:path';
import { ROOT, seedScenario, simulate } from './helpers.js';

const START = ['{ at: 0s, host: A, do: start }', '{ at: 0s, host: B, do: start }'];

describe('script-hang in the simulator', () => {
  it('fails the check only once the run times out, logs it as keepalived does, and moves the VIP', () => {
    const result = simulate(seedScenario('fixed', '40s', [...START, '{ at: 10s, host: A, do: script-hang, script: chk_haproxy }', '{ at: 20s, host: A, do: script-resume, script: chk_haproxy }']), 1);
    const logs = result.records.filter((record) => record.type === 'log' && record.host === 'A').map((record) => (record.type === 'log' ? `${record.t} ${record.message}` : ''));
    const timedOut = logs.find((line) => line.includes('VRRP_Script(chk_haproxy) timed_out'));
    // chk_haproxy has interval 1 and no timeout, so keepalived's timeout is the interval: the first hung run ends a second after it started.
    expect(Number(timedOut?.split(' ')[0])).toBeGreaterThan(10.9);
    expect(Number(timedOut?.split(' ')[0])).toBeLessThan(12.1);
    const vi1 = result.records.filter((record) => record.type === 'transition' && record.instance === 'VI_1' && record.to === 'MASTER');
    expect(vi1.map((record) => record.host)).toEqual(['A', 'B', 'A']);
    // B takes VI_1 once A's priority has dropped (after the timeout) and its down timer ran out; A takes it back after the resume.
    expect(vi1[1]?.t).toBeGreaterThan(11);
    expect(vi1[1]?.t).toBeLessThan(16);
    expect(vi1[2]?.t).toBeGreaterThan(20);
    expect(result.findings.filter((finding) => finding.byDesign !== true)).toEqual([]);
  });

  it('rejects a script name that the host has no vrrp_script for, suggesting the near one', () => {
    const parsed = parseScenario(seedScenario('fixed', '20s', [...START, '{ at: 5s, host: A, do: script-hang, script: chk_haproxi }']), path.join(ROOT, 'examples/scenarios'), 'hang.yaml');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const outcome = runScenario(parsed.scenario);
    expect(outcome.ok ? [] : outcome.errors).toEqual([expect.stringMatching(/hang\.yaml:\d+: .*chk_haproxi.*did you mean chk_haproxy\?/)]);
  });
});

describe('start-up latency', () => {
  it('is steady by default, so hosts started 10 ms apart come up 10 ms apart, and jitters only when asked', () => {
    const starts = ['{ at: 0s, host: A, do: start }', '{ at: 10ms, host: B, do: start }'];
    const firstInit = (extra: string[], seed: number) => {
      const result = simulate(seedScenario('fixed', '5s', starts, extra), seed);
      const inits = result.records.filter((record) => record.type === 'transition' && record.from === 'INIT');
      return [...new Set(inits.map((record) => `${record.host}@${record.t.toFixed(3)}`))];
    };
    for (const seed of [1, 2, 3, 4, 5]) expect(firstInit([], seed)).toEqual(['A@0.070', 'B@0.080']);
    const jittered = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => firstInit(['start-jitter: true'], seed).join(' '));
    expect(new Set(jittered).size).toBeGreaterThan(1);
  });
});
