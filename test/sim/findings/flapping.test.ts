import { describe, expect, it } from 'vitest';
import { seedScenario, simulate } from '../helpers.js';
import { failures, kinds, simulateSet } from './helpers.js';

const BOTH_START = ['{ at: 0s, host: A, do: start }', '{ at: 2s, host: B, do: start }'];

describe('flapping', () => {
  it('does not call state changes flapping when each follows an injected haproxy bounce on A', () => {
    const bounces = Array.from({ length: 6 }, (_, index) => [
      `{ at: ${10 + index * 8}s, host: A, do: service-stop, service: haproxy }`,
      `{ at: ${14 + index * 8}s, host: A, do: service-start, service: haproxy }`,
    ]).flat();
    const result = simulate(seedScenario('fixed', '70s', [...BOTH_START, ...bounces]));
    // VI_1 does move back and forth, twice per bounce: the cluster doing what the faults ask.
    const moves = result.records.filter((record) => record.type === 'transition' && record.host === 'A' && record.instance === 'VI_1' && record.from !== 'INIT');
    expect(moves.length).toBeGreaterThan(8);
    expect(result.findings.filter((finding) => finding.kind === 'flapping')).toEqual([]);
  });

  it('is named when a notify line makes the master stop its own haproxy, with no fault at all', () => {
    const result = simulateSet('flapping', '60s');
    const flapping = failures(result).filter((finding) => finding.kind === 'flapping');
    expect(flapping.map((finding) => finding.instances[0]).sort()).toEqual(['A/VI_1', 'B/VI_1']);
    for (const finding of flapping) expect(finding.duringFaults).toBeUndefined();
  });

  it('does not count state changes that each follow an injected fault', () => {
    const bounces = Array.from({ length: 5 }, (_, index) => [
      `{ at: ${10 + index * 12}s, host: A, do: stop }`,
      `{ at: ${16 + index * 12}s, host: A, do: start }`,
    ]).flat();
    const result = simulateSet('three-node-clean', '75s', bounces);
    expect(kinds(result.findings)).not.toContain('flapping');
  });
});
